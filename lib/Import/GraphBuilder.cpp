//===- GraphBuilder.cpp - What the model readers share --------------------===//

#include "hgq/Import/GraphBuilder.h"
#include "hgq/Analysis/ElementFormats.h"
#include "hgq/Dialect/HGQ.h"

#include "mlir/IR/Verifier.h"

using namespace mlir;
using namespace hgq;

GraphBuilder::GraphBuilder(MLIRContext *context, StringRef path)
    : context(context), builder(context), path(path.str()) {}

InFlightDiagnostic GraphBuilder::error(StringRef layer) const {
  InFlightDiagnostic diagnostic = emitError(loc(path)) << path << ": ";
  if (!layer.empty())
    diagnostic << "layer '" << layer << "': ";
  return diagnostic;
}

Location GraphBuilder::loc(StringRef name) const {
  return NameLoc::get(StringAttr::get(context, name));
}

RankedTensorType GraphBuilder::batchTensor(ArrayRef<int64_t> features) const {
  SmallVector<int64_t> shape{ShapedType::kDynamic};
  shape.append(features.begin(), features.end());
  return RankedTensorType::get(shape, Float32Type::get(context));
}

func::FuncOp
GraphBuilder::begin(StringRef functionName, Location functionLoc,
                    ArrayRef<std::pair<std::string, Type>> inputs) {
  module = ModuleOp::create(loc(path));
  builder.setInsertionPointToEnd(module->getBody());
  SmallVector<Type> types;
  for (const auto &input : inputs)
    types.push_back(input.second);
  function = func::FuncOp::create(builder, functionLoc, functionName,
                                  builder.getFunctionType(types, {}));
  Block *body = function.addEntryBlock();
  for (auto [index, input] : llvm::enumerate(inputs)) {
    BlockArgument argument = body->getArgument(index);
    argument.setLoc(loc(input.first));
    values[input.first] = argument;
  }
  builder.setInsertionPointToEnd(body);
  return function;
}

std::optional<Value> GraphBuilder::lookup(StringRef name) const {
  auto found = values.find(name);
  if (found == values.end())
    return std::nullopt;
  return found->second;
}

bool GraphBuilder::define(StringRef name, Value value) {
  return values.emplace(name.str(), value).second;
}

void GraphBuilder::setResults(ValueRange results, Location returnLoc) {
  func::ReturnOp::create(builder, returnLoc, results);
  function.setFunctionType(
      builder.getFunctionType(function.getArgumentTypes(), TypeRange(results)));
}

OwningOpRef<ModuleOp> GraphBuilder::finish() {
  // The source model's layer names travel with the IR as hgq.name.
  recordLayerNames(*module);
  // Verified first: the analysis below assumes consistent shapes.
  if (failed(mlir::verify(*module)))
    return nullptr;
  // A proxy-level model carries the per-tensor types the hls4ml document
  // states, as hgq-to-proxy records them.
  recordPerTensorTypes(*module);
  return std::move(module);
}
