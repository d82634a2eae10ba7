//===- Utilities.cpp - Small helpers over the IR every library uses -------===//

#include "hgq/Dialect/HGQ.h"

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

std::string hgq::shapeString(ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (auto [index, dim] : llvm::enumerate(shape)) {
    if (index)
      text += ", ";
    text += ShapedType::isDynamic(dim) ? "?" : std::to_string(dim);
  }
  return text + "]";
}
