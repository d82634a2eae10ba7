//===- Json.h - Bounds checked before a JSON text is parsed -----*- C++ -*-===//
//
// LLVM's JSON parser recurses once per nested array or object, so a document
// of a million '[' overflows the stack before it can say anything. Readers of
// user files call jsonNestingError() first.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_SUPPORT_JSON_H
#define HGQ_SUPPORT_JSON_H

#include <string>
#include <string_view>

namespace hgq {

/// Deeper than any model document (hls4ml's, Keras' model_config) needs.
constexpr unsigned kMaxJsonNesting = 256;

/// Empty when no array or object in `text` is nested deeper than `limit`;
/// otherwise says where the limit is passed (line and column). Strings and
/// their escapes are skipped, so brackets inside names do not count.
std::string jsonNestingError(std::string_view text,
                             unsigned limit = kMaxJsonNesting);

} // namespace hgq

#endif // HGQ_SUPPORT_JSON_H
