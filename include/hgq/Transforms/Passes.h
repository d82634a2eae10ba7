//===- Passes.h - The hgq passes --------------------------------*- C++ -*-===//

#ifndef HGQ_TRANSFORMS_PASSES_H
#define HGQ_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace hgq {

#define GEN_PASS_DECL
#include "dialects/hgq/HGQPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "dialects/hgq/HGQPasses.h.inc"

/// Registers --hgq-proxy-pipeline.
void registerProxyPipeline();

} // namespace hgq

#endif // HGQ_TRANSFORMS_PASSES_H
