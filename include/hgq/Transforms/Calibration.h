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

#include "mlir/Support/LLVM.h"

#include <vector>

namespace mlir {
class Operation;
namespace func {
class FuncOp;
} // namespace func
} // namespace mlir

namespace hgq {

/// Reads `paths` (comma-separated, one per input of a model with `inputs`
/// inputs) as float32 tensors; on failure emits an error on `where`,
/// prefixed by `pass` ("hgq-trace-minmax: ...").
mlir::FailureOr<std::vector<exec::Tensor>>
loadCalibration(llvm::StringRef paths, size_t inputs, mlir::Operation *where,
                llvm::StringRef pass);

/// Warns, naming the layer, about every layer of `function` whose kernel
/// quantizes entirely to zero under its kernel quantizer.
void warnZeroKernels(mlir::func::FuncOp function, llvm::StringRef pass);

/// Warns about every output of `function` (as computed in `outputs`) that is
/// the same for every sample.
void warnConstantOutputs(mlir::func::FuncOp function,
                         const std::vector<exec::Tensor> &outputs,
                         llvm::StringRef pass);

} // namespace hgq

#endif // HGQ_TRANSFORMS_CALIBRATION_H
