//===- Hls4mlImporter.h - Reading an hls4ml document ------------*- C++ -*-===//
//
// `hgq-translate --import-hls4ml`: the hls4ml document (docs/hls4ml-format.md)
// back into proxy-level IR.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_IMPORT_HLS4MLIMPORTER_H
#define HGQ_IMPORT_HLS4MLIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LLVM.h"

namespace hgq {

/// The module of the document `text` read from `path` (named in errors), or
/// null after a diagnostic.
mlir::OwningOpRef<mlir::ModuleOp> importHls4ml(llvm::StringRef path,
                                               llvm::StringRef text,
                                               mlir::MLIRContext *context);

/// Registers --import-hls4ml.
void registerHls4mlImportTranslation();

} // namespace hgq

#endif // HGQ_IMPORT_HLS4MLIMPORTER_H
