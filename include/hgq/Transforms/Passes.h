//===- Passes.h - The hgq passes --------------------------------*- C++ -*-===//

#ifndef HGQ_TRANSFORMS_PASSES_H
#define HGQ_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"

#include <memory>

namespace hgq {

#define GEN_PASS_DECL
#include "dialects/hgq/HGQPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "dialects/hgq/HGQPasses.h.inc"

/// Registers --hgq-proxy-pipeline.
void registerProxyPipeline();

/// Keeps layer names (hgq.name) across every pass: before a pass, ops
/// named only by the attribute get a NameLoc of it (ops the pass creates
/// at their location are named after them); after it, ops named only by
/// their location get the attribute.
std::unique_ptr<mlir::PassInstrumentation> createLayerNameInstrumentation();

} // namespace hgq

#endif // HGQ_TRANSFORMS_PASSES_H
