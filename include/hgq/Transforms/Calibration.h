//===- Calibration.h - Calibration data for the passes ----------*- C++ -*-===//
//
// What the passes that quantize a model share (attach-quantizers,
// trace-minmax, allocate-bits): calibration data read the same way (one
// float32/float64 .npy per model input, comma-separated, each with at least
// one sample) and the same warnings about a quantization that destroys a
// layer or the output.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_TRANSFORMS_CALIBRATION_H
#define HGQ_TRANSFORMS_CALIBRATION_H

#include "hgq/Exec/Tensor.h"
#include "hgq/Support/Npy.h"

#include "mlir/Support/LLVM.h"

#include <memory>
#include <vector>

namespace mlir {
class Operation;
namespace func {
class FuncOp;
} // namespace func
} // namespace mlir

namespace hgq {

/// Calibration samples as the executor reads them: float32 files mapped in
/// place (a set larger than memory streams from the page cache), float64
/// ones read and rounded to float32.
struct CalibrationData {
  std::vector<std::unique_ptr<NpySamples>> files;
  std::vector<exec::InputView> views; ///< one per model input

  int64_t samples() const { return views.empty() ? 0 : views[0].batch(); }
  /// The first `rows` samples of every input (no copy).
  std::vector<exec::InputView> head(int64_t rows) const;
};

/// Opens `paths` (comma-separated, one per input of a model with `inputs`
/// inputs); on failure emits an error on `where`, prefixed by `pass`
/// ("hgq-trace-minmax: ...").
mlir::LogicalResult loadCalibration(llvm::StringRef paths, size_t inputs,
                                    mlir::Operation *where,
                                    llvm::StringRef pass,
                                    CalibrationData &data);

/// Warns, naming the layer, about every layer of `function` whose kernel
/// quantizes entirely to zero under its kernel quantizer.
void warnZeroKernels(mlir::func::FuncOp function, llvm::StringRef pass);

/// Warns about every output of `function` that was the same for every one
/// of `samples` samples (`constant`, per output, from the executor).
void warnConstantOutputs(mlir::func::FuncOp function,
                         const std::vector<bool> &constant, int64_t samples,
                         llvm::StringRef pass);

} // namespace hgq

#endif // HGQ_TRANSFORMS_CALIBRATION_H
