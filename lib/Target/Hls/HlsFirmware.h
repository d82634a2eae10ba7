//===- HlsFirmware.h - Firmware of the HLS project (internal) ---*- C++ -*-===//

#ifndef HGQ_LIB_TARGET_HLS_HLSFIRMWARE_H
#define HGQ_LIB_TARGET_HLS_HLSFIRMWARE_H

#include "hgq/Fixed/Fixed.h"
#include "hgq/Target/Hls.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <map>
#include <string>
#include <vector>

namespace hgq::hls {

/// A top-level port: its C name, element count, shape without the batch and
/// the ap_ type of its elements.
struct Port {
  std::string name;
  std::vector<int64_t> shape;
  int64_t size = 1;
  std::string type;
  fixed::Format format; ///< the container of the port's values
  std::string pixel;    ///< io_stream: the struct of one pixel (channels)
};

struct Firmware {
  std::vector<Port> inputs, outputs;
  /// firmware/NAME.cpp, NAME.h, defines.h, parameters.h, weights/*.h.
  std::map<std::string, std::string> files;
  /// Multiplications left in the arithmetic, and those skipped because the
  /// weight is zero or the input element is dead.
  int64_t multiplications = 0, skippedMultiplications = 0;
};

/// Writes the firmware of `function` (proxy level, io_parallel).
mlir::FailureOr<Firmware> emitFirmware(mlir::func::FuncOp function,
                                       const HlsOptions &options);

/// `ap_fixed<W,I,...>` / `ap_ufixed<W,I,...>` of a live format; the modes are
/// spelled only when they are not the defaults (AP_TRN, AP_WRAP).
std::string apType(fixed::Format format,
                   fixed::Rounding rounding = fixed::Rounding::TRN,
                   fixed::Overflow overflow = fixed::Overflow::WRAP);

/// The exact decimal spelling of a finite double (every digit; no rounding).
std::string exactDecimal(double value);

} // namespace hgq::hls

#endif // HGQ_LIB_TARGET_HLS_HLSFIRMWARE_H
