//===- Utilities.cpp - Small helpers over the IR every library uses -------===//

#include "hgq/Dialect/HGQ.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace hgq;

std::vector<float> hgq::floatsOf(ElementsAttr attr) {
  auto range = attr.getValues<float>();
  return std::vector<float>(range.begin(), range.end());
}

std::string hgq::locationName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (auto name = dyn_cast<NameLoc>(inner))
        return name.getName().str();
  return "";
}

std::string hgq::layerName(Operation *op) {
  if (auto name = op->getAttrOfType<StringAttr>(
          HGQDialect::NameAttrHelper::getNameStr()))
    return name.str();
  return locationName(op->getLoc());
}

/// The function whose entry block `argument` belongs to, if any.
static func::FuncOp functionOf(BlockArgument argument) {
  Block *block = argument.getOwner();
  auto function = dyn_cast_or_null<func::FuncOp>(block->getParentOp());
  return function && &function.getBody().front() == block ? function
                                                          : func::FuncOp();
}

std::string hgq::argumentName(BlockArgument argument) {
  if (func::FuncOp function = functionOf(argument))
    if (auto name = function.getArgAttrOfType<StringAttr>(
            argument.getArgNumber(), HGQDialect::NameAttrHelper::getNameStr()))
      return name.str();
  return locationName(argument.getLoc());
}

/// Calls `visit(name, location, setName, setLocation)` for every function
/// argument and hgq op under `root`: what carries a layer name.
static void
forEachNamed(Operation *root,
             llvm::function_ref<void(StringAttr, Location,
                                     llvm::function_ref<void(StringAttr)>,
                                     llvm::function_ref<void(Location)>)>
                 visit) {
  StringRef key = HGQDialect::NameAttrHelper::getNameStr();
  root->walk([&](Operation *op) {
    if (auto function = dyn_cast<func::FuncOp>(op)) {
      if (function.isExternal())
        return;
      for (BlockArgument argument : function.getArguments()) {
        unsigned index = argument.getArgNumber();
        visit(
            function.getArgAttrOfType<StringAttr>(index, key),
            argument.getLoc(),
            [&](StringAttr name) { function.setArgAttr(index, key, name); },
            [&](Location loc) { argument.setLoc(loc); });
      }
      return;
    }
    if (!isa<HGQDialect>(op->getDialect()))
      return;
    visit(
        op->getAttrOfType<StringAttr>(key), op->getLoc(),
        [&](StringAttr name) { op->setAttr(key, name); },
        [&](Location loc) { op->setLoc(loc); });
  });
}

void hgq::recordLayerNames(Operation *root) {
  MLIRContext *context = root->getContext();
  forEachNamed(root, [&](StringAttr name, Location loc, auto setName, auto) {
    if (std::string fromLoc = locationName(loc); !name && !fromLoc.empty())
      setName(StringAttr::get(context, fromLoc));
  });
}

void hgq::restoreLayerLocations(Operation *root) {
  forEachNamed(root, [&](StringAttr name, Location loc, auto, auto setLoc) {
    if (name && locationName(loc).empty())
      setLoc(NameLoc::get(name, loc));
  });
}

std::string hgq::shapeString(ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (auto [index, dim] : llvm::enumerate(shape)) {
    if (index)
      text += ", ";
    text += ShapedType::isDynamic(dim) ? "?" : std::to_string(dim);
  }
  return text + "]";
}
