//===- OnnxImporter.h - ONNX models into the hgq dialect --------*- C++ -*-===//
//
// Standard ONNX operators (opsets 9 to 21), the `hgq` domain, QONNX and QDQ
// models, and model-local functions, imported into one func.func @main in the
// hgq dialect with channels-last layouts (ONNX_CONTRACT.md). Every node's
// name becomes its ops' location, so later diagnostics name the node.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_IMPORT_ONNXIMPORTER_H
#define HGQ_IMPORT_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace hgq {

/// Imports the model whose bytes are `bytes` (read from `path`, which also
/// locates external data). Emits a diagnostic naming the file or the node and
/// returns null on failure.
mlir::OwningOpRef<mlir::ModuleOp> importOnnx(llvm::StringRef path,
                                             llvm::StringRef bytes,
                                             mlir::MLIRContext *context);

/// Every (domain, op type) the importer handles, as "domain:OpType" with the
/// ONNX domain spelled "ai.onnx", sorted.
std::vector<std::string> supportedOnnxOps();

/// Registers `--import-onnx` with mlir-translate.
void registerOnnxImportTranslation();

} // namespace hgq

#endif // HGQ_IMPORT_ONNXIMPORTER_H
