//===- Hls4ml.h - The hls4ml-compatible proxy document ----------*- C++ -*-===//
//
// A JSON document (schema "hgq-hls4ml/1", docs/hls4ml-format.md) with what
// hls4ml needs to build the firmware of a proxy-level model: layers in
// topological order with hls4ml's class names, their weights, every
// quantizer's per-element keep_negative/bits/integers, per-layer precision
// strings, and the hls4ml configuration dictionary. Reading it back gives the
// same proxy IR.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_TARGET_HLS4ML_H
#define HGQ_TARGET_HLS4ML_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LLVM.h"

namespace hgq {

/// Writes the document for the proxy-level `module` (its single function,
/// or @main). Emits a diagnostic on an op hls4ml cannot express.
mlir::LogicalResult emitHls4ml(mlir::ModuleOp module, llvm::raw_ostream &os);

/// Reads a document back into a module; diagnostics name the layer and field.
mlir::OwningOpRef<mlir::ModuleOp> importHls4ml(llvm::StringRef path,
                                               llvm::StringRef text,
                                               mlir::MLIRContext *context);

/// Registers --emit-hls4ml and --import-hls4ml with mlir-translate.
void registerHls4mlTranslations();

} // namespace hgq

#endif // HGQ_TARGET_HLS4ML_H
