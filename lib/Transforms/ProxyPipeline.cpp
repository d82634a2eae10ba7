//===- ProxyPipeline.cpp - The usual sequence, as one pipeline ------------===//

#include "hgq/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace {

struct ProxyPipelineOptions : public PassPipelineOptions<ProxyPipelineOptions> {
  Option<std::string> calibration{
      *this, "calibration",
      llvm::cl::desc("calibration data for trace-minmax (.npy per input)")};
  Option<double> coverFactor{*this, "cover-factor",
                             llvm::cl::desc("trace-minmax cover factor"),
                             llvm::cl::init(1.0)};
  Option<bool> attach{
      *this, "attach-quantizers",
      llvm::cl::desc("attach HGQ's initial quantizers (init_bw) instead of "
                     "allocating bits on a float model"),
      llvm::cl::init(false)};
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc("allocate-bits target on a float model: argmax, "
                     "rel-error or auto"),
      llvm::cl::init("auto")};
  Option<double> tolerance{
      *this, "tolerance",
      llvm::cl::desc("allocate-bits tolerance (default per target)"),
      llvm::cl::init(-1)};
  Option<double> budgetEbops{
      *this, "budget-ebops",
      llvm::cl::desc("allocate-bits: spend at most this many EBOPs"),
      llvm::cl::init(0)};
  Option<std::string> granularity{
      *this, "granularity",
      llvm::cl::desc("allocate-bits: element, channel or tensor"),
      llvm::cl::init("element")};
  Option<std::string> config{
      *this, "config",
      llvm::cl::desc("quantizer configuration for attach-quantizers")};
  Option<bool> aggressive{*this, "aggressive",
                          llvm::cl::desc("WRAP (true) or SAT (false)"),
                          llvm::cl::init(true)};
  Option<int64_t> maxTableSize{
      *this, "max-table-size",
      llvm::cl::desc("lower activations to lookup tables up to this size "
                     "(0: keep activations)"),
      llvm::cl::init(0)};
  Option<std::string> bopsJson{*this, "bops-json",
                               llvm::cl::desc("write the BOPs as JSON here")};
};

} // namespace

void hgq::addLayerLevelPasses(OpPassManager &manager,
                              const ProxyPipelineConfig &config) {
  // Batch norms fold into float layers before quantizers exist, so the
  // pre-activation quantizer lands after the fused normalization.
  manager.addPass(createHGQFuseBatchNorm());
  if (config.attachQuantizers) {
    HGQAttachQuantizersOptions attach;
    attach.configPath = config.config;
    manager.addPass(createHGQAttachQuantizers(attach));
  } else {
    // A float model gets its bits from the data; a model with quantizers is
    // left as it is.
    HGQAllocateBitsOptions allocate;
    allocate.calibration = config.calibration;
    allocate.target = config.target;
    allocate.tolerance = config.tolerance;
    allocate.budgetEbops = config.budgetEbops;
    allocate.granularity = config.granularity;
    allocate.onlyFloat = true;
    allocate.quiet = config.quiet;
    manager.addPass(createHGQAllocateBits(allocate));
  }
  HGQTraceMinMaxOptions trace;
  trace.calibration = config.calibration;
  trace.coverFactor = config.coverFactor;
  trace.quiet = config.quiet;
  manager.addPass(createHGQTraceMinMax(trace));
}

void hgq::addProxyPasses(OpPassManager &manager,
                         const ProxyPipelineConfig &config) {
  HGQToProxyOptions proxy;
  proxy.aggressive = config.aggressive;
  proxy.ioType = config.ioType;
  manager.addPass(createHGQToProxy(proxy));
  if (config.maxTableSize > 0) {
    HGQLowerUnaryLutOptions lut;
    lut.maxTableSize = config.maxTableSize;
    manager.addPass(createHGQLowerUnaryLut(lut));
  }
  HGQEstimateBopsOptions bops;
  bops.jsonPath = config.bopsJson;
  bops.quiet = config.quiet;
  manager.addPass(createHGQEstimateBops(bops));
}

void hgq::registerProxyPipeline() {
  PassPipelineRegistration<ProxyPipelineOptions>(
      "hgq-proxy-pipeline",
      "fuse batch norms, allocate bits on a float model (or attach "
      "quantizers), trace on calibration data, "
      "convert to the proxy, (lower lookup tables,) estimate BOPs",
      [](OpPassManager &manager, const ProxyPipelineOptions &options) {
        ProxyPipelineConfig config;
        config.calibration = options.calibration;
        config.coverFactor = options.coverFactor;
        config.attachQuantizers = options.attach;
        config.config = options.config;
        config.target = options.target;
        config.tolerance = options.tolerance;
        config.budgetEbops = options.budgetEbops;
        config.granularity = options.granularity;
        config.aggressive = options.aggressive;
        config.maxTableSize = options.maxTableSize;
        config.bopsJson = options.bopsJson;
        addLayerLevelPasses(manager, config);
        addProxyPasses(manager, config);
      });
}
