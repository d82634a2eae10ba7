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

void hgq::recordLayerNames(Operation *root) {
  StringRef key = HGQDialect::NameAttrHelper::getNameStr();
  root->walk([&](Operation *op) {
    if (auto function = dyn_cast<func::FuncOp>(op)) {
      if (function.isExternal())
        return;
      for (BlockArgument argument : function.getArguments())
        if (!function.getArgAttr(argument.getArgNumber(), key))
          if (std::string name = locationName(argument.getLoc()); !name.empty())
            function.setArgAttr(argument.getArgNumber(), key,
                                StringAttr::get(op->getContext(), name));
      return;
    }
    if (!isa<HGQDialect>(op->getDialect()) || op->hasAttr(key))
      return;
    if (std::string name = locationName(op->getLoc()); !name.empty())
      op->setAttr(key, StringAttr::get(op->getContext(), name));
  });
}

void hgq::restoreLayerLocations(Operation *root) {
  auto named = [](Location loc, StringAttr name) -> Location {
    return NameLoc::get(name, loc);
  };
  StringRef key = HGQDialect::NameAttrHelper::getNameStr();
  root->walk([&](Operation *op) {
    if (auto function = dyn_cast<func::FuncOp>(op)) {
      if (function.isExternal())
        return;
      for (BlockArgument argument : function.getArguments())
        if (auto name = function.getArgAttrOfType<StringAttr>(
                argument.getArgNumber(), key);
            name && locationName(argument.getLoc()).empty())
          argument.setLoc(named(argument.getLoc(), name));
      return;
    }
    if (auto name = op->getAttrOfType<StringAttr>(key);
        name && locationName(op->getLoc()).empty())
      op->setLoc(named(op->getLoc(), name));
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
