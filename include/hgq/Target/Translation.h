//===- Translation.h - What every hgq-translate format shares ---*- C++ -*-===//
//
// The entry function of a module, and the registration of importers (bytes
// of a file in, a module out) and emitters (a module in, bytes out) with
// MLIR's translate driver, so each format only writes its own conversion.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_TARGET_TRANSLATION_H
#define HGQ_TARGET_TRANSLATION_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace hgq {

/// The function a tool works on: the one named `name` when it is given,
/// else the module's only function, else @main; null when there is none
/// (the caller says why, in its own words).
mlir::func::FuncOp findEntryFunction(mlir::ModuleOp module,
                                     llvm::StringRef name = "");

/// Reads the bytes of a file (`path` names it in diagnostics).
using FileImporter = mlir::OwningOpRef<mlir::ModuleOp> (*)(
    llvm::StringRef path, llvm::StringRef bytes, mlir::MLIRContext *context);
/// Writes a module; diagnostics on the module's ops.
using ModuleEmitter = mlir::LogicalResult (*)(mlir::ModuleOp module,
                                              llvm::raw_ostream &os);

/// Registers `--<flag>` (both strings must outlive the registry: literals).
void registerFileImport(llvm::StringRef flag, llvm::StringRef description,
                        FileImporter importer);
void registerModuleEmitter(llvm::StringRef flag, llvm::StringRef description,
                           ModuleEmitter emitter);

} // namespace hgq

#endif // HGQ_TARGET_TRANSLATION_H
