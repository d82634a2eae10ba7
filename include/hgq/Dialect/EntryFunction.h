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

/// Fails, naming `option` (e.g. "--emit-hls") and the input, when an input
/// of `function` is not a ranked tensor with static non-batch dimensions,
/// which the back ends that lay out fixed-size arrays need.
mlir::LogicalResult requireStaticInputs(mlir::func::FuncOp function,
                                        llvm::StringRef option);

} // namespace hgq

#endif // HGQ_DIALECT_ENTRYFUNCTION_H
