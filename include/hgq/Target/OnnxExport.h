//===- OnnxExport.h - Proxy IR as an ONNX model -----------------*- C++ -*-===//

#ifndef HGQ_TARGET_ONNXEXPORT_H
#define HGQ_TARGET_ONNXEXPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

namespace hgq {

/// Writes `module` (its single function, or @main) as an ONNX model: standard
/// operators, hgq.FixedPointQuantizer and hgq.UnaryLUT, channels-last tensors
/// with Transpose nodes around convolutions and pools. What ONNX cannot say
/// (per-tensor types, BOPs, calibration) goes into metadata_props, and
/// --import-onnx restores it. The model passes the ONNX checker.
mlir::LogicalResult emitOnnx(mlir::ModuleOp module, llvm::raw_ostream &os);

/// Registers --emit-onnx with mlir-translate.
void registerOnnxExportTranslation();

} // namespace hgq

#endif // HGQ_TARGET_ONNXEXPORT_H
