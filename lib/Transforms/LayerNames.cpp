//===- LayerNames.cpp - Layer names kept across passes --------------------===//
//
// hgq-opt runs every pass under this instrumentation: names travel in the
// hgq.name attribute between tools and in locations inside a pass.
//
//===----------------------------------------------------------------------===//

#include "hgq/Dialect/HGQ.h"
#include "hgq/Transforms/Passes.h"

using namespace mlir;

namespace {

struct LayerNameInstrumentation : public PassInstrumentation {
  void runBeforePass(Pass *, Operation *op) override {
    hgq::restoreLayerLocations(op);
  }
  void runAfterPass(Pass *, Operation *op) override {
    hgq::recordLayerNames(op);
  }
};

} // namespace

std::unique_ptr<PassInstrumentation> hgq::createLayerNameInstrumentation() {
  return std::make_unique<LayerNameInstrumentation>();
}
