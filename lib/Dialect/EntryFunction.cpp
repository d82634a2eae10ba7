//===- EntryFunction.cpp - Which function of a module a tool runs ---------===//

#include "hgq/Dialect/EntryFunction.h"

using namespace mlir;

func::FuncOp hgq::findEntryFunction(ModuleOp module, StringRef name) {
  if (!name.empty())
    return module.lookupSymbol<func::FuncOp>(name);
  auto functions = module.getOps<func::FuncOp>();
  if (std::distance(functions.begin(), functions.end()) == 1)
    return *functions.begin();
  return module.lookupSymbol<func::FuncOp>("main");
}

LogicalResult hgq::requireStaticInputs(func::FuncOp function,
                                       StringRef option) {
  for (BlockArgument argument : function.getArguments()) {
    auto type = dyn_cast<RankedTensorType>(argument.getType());
    if (!type || !ShapedType::isStaticShape(type.getShape().drop_front()))
      return function.emitOpError()
             << option << ": input " << argument.getArgNumber()
             << " needs static non-batch dimensions";
  }
  return success();
}
