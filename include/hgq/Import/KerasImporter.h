//===- KerasImporter.h - HGQ's saved Keras proxy models ---------*- C++ -*-===//
//
// Reads the Keras HDF5 file HGQ saves a proxy model as (root attribute
// `model_config`, group `model_weights`) into proxy-level IR: the model is
// already traced, so FixedPointQuantizer layers become hgq.quantize with
// their per-element formats directly. docs/keras-proxy.md describes what is
// accepted.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_IMPORT_KERASIMPORTER_H
#define HGQ_IMPORT_KERASIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LLVM.h"

namespace hgq {

/// Reads the bytes of a .h5 file (`path` names it in diagnostics). Returns
/// null after a diagnostic naming the file, the layer and the field.
mlir::OwningOpRef<mlir::ModuleOp> importKeras(llvm::StringRef path,
                                              llvm::StringRef bytes,
                                              mlir::MLIRContext *context);

/// The CPU time the HDF5 library may spend parsing one file (in a child
/// process) before the import is refused as damaged; 60 s by default.
void setKerasReaderCpuLimit(unsigned seconds);

/// Registers --import-keras (and its alias --import-keras-proxy).
void registerKerasImportTranslation();

} // namespace hgq

#endif // HGQ_IMPORT_KERASIMPORTER_H
