//===- Passes.h - The hgq passes --------------------------------*- C++ -*-===//

#ifndef HGQ_TRANSFORMS_PASSES_H
#define HGQ_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"

#include <memory>
#include <string>

namespace hgq {

#define GEN_PASS_DECL
#include "dialects/hgq/HGQPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "dialects/hgq/HGQPasses.h.inc"

/// Registers --hgq-proxy-pipeline.
void registerProxyPipeline();

/// The settings of the usual sequence (--hgq-proxy-pipeline's options).
struct ProxyPipelineConfig {
  std::string calibration; ///< .npy per input, comma-separated
  double coverFactor = 1.0;
  bool attachQuantizers = false; ///< HGQ's init_bw instead of allocate-bits
  std::string config;            ///< attach-quantizers' JSON configuration
  std::string target = "auto";
  double tolerance = -1;
  double budgetEbops = 0;
  std::string granularity = "element";
  bool aggressive = true;
  std::string ioType = "io_parallel"; ///< what the proxy is converted for
  int64_t maxTableSize = 0;
  std::string bopsJson;
  bool quiet = false; ///< the passes print no tables
};
/// Its first half, up to the traced layer-level model: fuse batch norms,
/// give a float model its quantizers (allocate-bits or attach-quantizers),
/// trace-minmax on the calibration data.
void addLayerLevelPasses(mlir::OpPassManager &manager,
                         const ProxyPipelineConfig &config);
/// Its second half: the proxy, lookup tables when asked, BOPs and EBOPs.
void addProxyPasses(mlir::OpPassManager &manager,
                    const ProxyPipelineConfig &config);

/// Keeps layer names (hgq.name) across every pass: before a pass, ops
/// named only by the attribute get a NameLoc of it (ops the pass creates
/// at their location are named after them); after it, ops named only by
/// their location get the attribute.
std::unique_ptr<mlir::PassInstrumentation> createLayerNameInstrumentation();

} // namespace hgq

#endif // HGQ_TRANSFORMS_PASSES_H
