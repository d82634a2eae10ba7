//===- Hls4mlCommon.h - Shared by the hls4ml emitter and reader -*- C++ -*-===//

#ifndef HGQ_LIB_TARGET_HLS4ML_COMMON_H
#define HGQ_LIB_TARGET_HLS4ML_COMMON_H

#include "hgq/Dialect/HGQ.h"

#include <optional>
#include <string>

namespace hgq::hls4ml {

/// The document's schema name and version.
inline constexpr const char *kSchema = "hgq-hls4ml/1";

/// hls4ml's precision string: fixed<W,I,RND,SAT> or ufixed<W,I,RND,SAT>.
std::string precisionString(fixed::Format format, RoundingMode rounding,
                            OverflowMode overflow);

} // namespace hgq::hls4ml

#endif // HGQ_LIB_TARGET_HLS4ML_COMMON_H
