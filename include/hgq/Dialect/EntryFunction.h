//===- EntryFunction.h - Which function of a module a tool runs -*- C++ -*-===//

#ifndef HGQ_DIALECT_ENTRYFUNCTION_H
#define HGQ_DIALECT_ENTRYFUNCTION_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace hgq {

/// The function a tool works on: the one named `name` when it is given,
/// else the module's only function, else @main; null when there is none
/// (the caller says why, in its own words).
mlir::func::FuncOp findEntryFunction(mlir::ModuleOp module,
                                     llvm::StringRef name = "");

} // namespace hgq

#endif // HGQ_DIALECT_ENTRYFUNCTION_H
