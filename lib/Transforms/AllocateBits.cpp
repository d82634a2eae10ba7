//===- AllocateBits.cpp - Post-training per-element bit allocation --------===//
//
// hgq-allocate-bits: HGQ trains per-element fractional bits; a float model
// has none, so this pass chooses them from calibration data (docs/ptq.md).
// Every quantizer is a site; the error each element adds to the output is
// modelled as alpha(site) * weight(element)^2 * 4^-f, with the weights
// estimated from the float model and the data, and alpha measured by
// quantizing one site at a time. Minimising the cost in bits under a bound
// on that error gives f = T + offset(site) + log2(weight(element)); the
// global level T is searched against the real target with the executor,
// then each site is lowered while the target holds.
//
//===----------------------------------------------------------------------===//

#include "hgq/Analysis/Bops.h"
#include "hgq/Dialect/EntryFunction.h"
#include "hgq/Dialect/HGQ.h"
#include "hgq/Exec/Executor.h"
#include "hgq/Transforms/Calibration.h"
#include "hgq/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace hgq {
#define GEN_PASS_DEF_HGQALLOCATEBITS
#include "dialects/hgq/HGQPasses.h.inc"
} // namespace hgq

using namespace mlir;
using namespace hgq;

namespace {

/// log2 of an element weight that does not matter (no data reaches it, or
/// nothing reads it): its bits go to the lowest the clip allows.
constexpr double kIrrelevant = -60.0;

/// One quantizer whose fractional bits the pass chooses.
struct Site {
  Operation *op = nullptr;
  bool kernel = false; ///< a layer's kernel quantizer, else `quantizer`
  QuantizerAttr original;
  SmallVector<int64_t> shape;    ///< the elements (kernel, or features)
  std::vector<double> logWeight; ///< per element, mean 0 over relevant ones
  double scale = 1;              ///< RMS of the values it quantizes
  double low = 0, high = 0;      ///< their range
  double costPerBit = 1;         ///< relative EBOPs of one bit of one element
  double offset = 0;             ///< 0.5 log2(alpha / cost)
  std::string name;
};

enum class TargetKind { Argmax, RelError };

struct Fidelity {
  double agreement = 1; ///< argmax agreement, the smallest over outputs
  double relError = 0;  ///< max |q - f| / range, the largest over outputs
  double mse = 0;       ///< mean squared error / variance, summed
};

/// The layer name, or the op's name for an unnamed op.
std::string displayName(Operation *op) {
  std::string name = layerName(op);
  return name.empty() ? op->getName().getStringRef().str() : name;
}

/// The index of the largest feature of sample `n` (the first on ties).
int64_t argmaxOf(const exec::Tensor &tensor, int64_t n) {
  int64_t features = tensor.featureSize(), best = 0;
  for (int64_t e = 1; e < features; ++e)
    if (tensor.valueAt(n * features + e) > tensor.valueAt(n * features + best))
      best = e;
  return best;
}

Fidelity compare(const std::vector<exec::Tensor> &got,
                 const std::vector<exec::Tensor> &reference, size_t outputs) {
  Fidelity fidelity;
  for (size_t out = 0; out < outputs; ++out) {
    const exec::Tensor &q = got[out], &r = reference[out];
    int64_t batch = r.batch(), features = r.featureSize();
    double low = INFINITY, high = -INFINITY, sum = 0, sumSquares = 0;
    for (int64_t index = 0; index < r.size(); ++index) {
      double value = r.valueAt(index);
      low = std::min(low, value), high = std::max(high, value);
      sum += value, sumSquares += value * value;
    }
    double count = double(std::max<int64_t>(r.size(), 1));
    double variance =
        std::max(sumSquares / count - (sum / count) * (sum / count), 1e-30);
    double range = std::max(high - low, 1e-30);
    double worst = 0, squares = 0;
    int64_t agree = 0;
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t e = 0; e < features; ++e) {
        int64_t index = n * features + e;
        double a = q.valueAt(index), b = r.valueAt(index);
        worst = std::max(worst, std::fabs(a - b));
        squares += (a - b) * (a - b);
      }
      agree += argmaxOf(q, n) == argmaxOf(r, n);
    }
    fidelity.agreement =
        std::min(fidelity.agreement,
                 double(agree) / double(std::max<int64_t>(batch, 1)));
    fidelity.relError = std::max(fidelity.relError, worst / range);
    fidelity.mse += squares / count / variance;
  }
  return fidelity;
}

struct AllocateBitsPass
    : public hgq::impl::HGQAllocateBitsBase<AllocateBitsPass> {
  using HGQAllocateBitsBase::HGQAllocateBitsBase;

  void runOnOperation() override;

private:
  LogicalResult attachQuantizers(ModuleOp module);
  void collectSites(func::FuncOp function);
  LogicalResult measureReference(ModuleOp module, func::FuncOp function,
                                 bool statistics);
  std::vector<double> consumerWeights(Value value);
  void setSite(Site &site, double level);
  FailureOr<Fidelity> evaluate(func::FuncOp function,
                               const std::vector<double> &levels,
                               const std::vector<exec::InputView> &inputs,
                               const std::vector<exec::Tensor> &reference);
  bool meets(const Fidelity &fidelity) const;
  FailureOr<BopsReport> traceAndCount(ModuleOp module, func::FuncOp function);
  void finish(ModuleOp module, func::FuncOp function,
              const std::vector<exec::InputView> &allInputs, double level);
  void report(func::FuncOp function, const BopsReport &bops,
              const Fidelity &fidelity, int64_t samples);

  std::vector<Site> sites;
  /// Per layer (walk order): the RMS of its input per feature (dense) or
  /// per channel (convolution), from the float model.
  std::map<Operation *, std::vector<double>> inputRms;
  std::vector<exec::InputView> searchInputs; ///< views of runOnOperation's data
  std::vector<exec::Tensor> searchReference;
  std::vector<bool> lastConstant; ///< outputs constant in the last run
  size_t outputCount = 0;
  TargetKind kind = TargetKind::Argmax;
  double allowed = 0;
  int64_t searchSamples = 0;
  int64_t runCount = 0; ///< executor runs, reported
};

bool AllocateBitsPass::meets(const Fidelity &fidelity) const {
  if (kind == TargetKind::Argmax)
    return fidelity.agreement >= 1.0 - allowed - 1e-12;
  return fidelity.relError <= allowed;
}

LogicalResult AllocateBitsPass::attachQuantizers(ModuleOp module) {
  OpPassManager manager(ModuleOp::getOperationName());
  manager.addPass(createHGQAttachQuantizers());
  return runPipeline(manager, module);
}

void AllocateBitsPass::collectSites(func::FuncOp function) {
  sites.clear();
  function.walk([&](Operation *op) {
    if (auto layer = dyn_cast<LayerOpInterface>(op)) {
      if (QuantizerAttr kernel = layer.getKernelQuantizerAttr()) {
        Site site;
        site.op = op, site.kernel = true, site.original = kernel;
        auto shape = cast<ShapedType>(layer.getKernel().getType()).getShape();
        site.shape.assign(shape.begin(), shape.end());
        site.name = displayName(op) + " kernel";
        sites.push_back(std::move(site));
      }
    }
    if (auto quantizer = op->getAttrOfType<QuantizerAttr>("quantizer")) {
      Site site;
      site.op = op, site.original = quantizer;
      ArrayRef<int64_t> features = featuresOf(op->getResult(0));
      site.shape.assign(features.begin(), features.end());
      site.name = displayName(op);
      sites.push_back(std::move(site));
    }
  });
}

/// Per feature of `value` (channels-last), the weight of an error in it:
/// the norm of the weights of the dense and convolution layers that read
/// it (through reshapes and flattens, which keep the element order). Empty
/// when another op reads it.
std::vector<double> AllocateBitsPass::consumerWeights(Value value) {
  ArrayRef<int64_t> features = featuresOf(value);
  int64_t count = 1;
  for (int64_t dim : features)
    count *= dim;
  std::vector<double> squares(size_t(count), 0.0);
  for (Operation *user : value.getUsers()) {
    if (isa<FlattenOp, ReshapeOp>(user)) {
      std::vector<double> inner = consumerWeights(user->getResult(0));
      if (inner.size() != squares.size())
        return {};
      for (size_t e = 0; e < inner.size(); ++e)
        squares[e] += inner[e] * inner[e];
      continue;
    }
    auto layer = dyn_cast<LayerOpInterface>(user);
    if (!layer || layer.getInput() != value)
      return {};
    std::vector<float> kernel = floatsOf(layer.getKernel());
    ArrayRef<int64_t> shape =
        cast<ShapedType>(layer.getKernel().getType()).getShape();
    int64_t outputs = shape.back(), slots = shape[shape.size() - 2];
    int64_t channels = features.back();
    std::vector<double> perChannel(size_t(channels), 0.0);
    if (isa<DenseOp>(user)) {
      for (int64_t j = 0; j < slots; ++j)
        for (int64_t o = 0; o < outputs; ++o)
          perChannel[j] +=
              double(kernel[j * outputs + o]) * kernel[j * outputs + o];
    } else {
      auto conv = cast<ConvOp>(user);
      int64_t groups = conv.getGroups(), perGroup = outputs / groups;
      int64_t taps = int64_t(kernel.size()) / (slots * outputs);
      for (int64_t tap = 0; tap < taps; ++tap)
        for (int64_t slot = 0; slot < slots; ++slot)
          for (int64_t o = 0; o < outputs; ++o) {
            double w = kernel[(tap * slots + slot) * outputs + o];
            perChannel[(o / perGroup) * slots + slot] += w * w;
          }
    }
    for (int64_t e = 0; e < count; ++e)
      squares[e] += perChannel[e % channels];
  }
  if (value.use_empty())
    return {};
  for (double &square : squares)
    square = std::sqrt(square);
  return squares;
}

/// Runs the float model (every quantizer removed) on the search samples:
/// its outputs and, with `statistics`, the RMS of every layer's input per
/// feature or channel and the RMS and range of every site's values (a
/// kernel's from its constants).
LogicalResult AllocateBitsPass::measureReference(ModuleOp module,
                                                 func::FuncOp function,
                                                 bool statistics) {
  func::FuncOp reference = function.clone();
  reference.setName("__hgq_allocate_bits_reference");
  SymbolTable(module).insert(reference);
  llvm::scope_exit cleanup([&] { reference.erase(); });
  SmallVector<Operation *> originals, copies;
  function.walk([&](Operation *op) { originals.push_back(op); });
  reference.walk([&](Operation *op) { copies.push_back(op); });
  DenseMap<Operation *, Operation *> copyOf;
  for (size_t index = 0; index < originals.size(); ++index)
    copyOf[originals[index]] = copies[index];

  // What to return besides the outputs: each layer's input, each
  // activation site's values (a quantize op's input: the op itself goes).
  SmallVector<Value> extra;
  SmallVector<Operation *> layers;
  SmallVector<Site *> activations;
  if (statistics) {
    function.walk([&](LayerOpInterface layer) {
      layers.push_back(layer);
      extra.push_back(cast<LayerOpInterface>(copyOf[layer]).getInput());
    });
    for (Site &site : sites) {
      if (site.kernel)
        continue;
      activations.push_back(&site);
      extra.push_back(isa<QuantizeOp>(site.op) ? copyOf[site.op]->getOperand(0)
                                               : copyOf[site.op]->getResult(0));
    }
  }
  auto ret = cast<func::ReturnOp>(reference.getBody().back().getTerminator());
  SmallVector<Value> results(ret.getOperands());
  outputCount = results.size();
  results.append(extra.begin(), extra.end());
  OpBuilder builder(ret);
  func::ReturnOp::create(builder, ret.getLoc(), results);
  ret.erase();
  reference.setType(builder.getFunctionType(reference.getArgumentTypes(),
                                            ValueRange(results).getTypes()));
  SmallVector<QuantizeOp> quantizes;
  reference.walk([&](Operation *op) {
    if (auto layer = dyn_cast<LayerOpInterface>(op)) {
      layer.removeKernelQuantizerAttr();
      layer.removeQuantizerAttr();
    } else if (auto quantize = dyn_cast<QuantizeOp>(op)) {
      quantizes.push_back(quantize);
    } else {
      op->removeAttr("quantizer");
    }
  });
  for (QuantizeOp quantize : quantizes) {
    quantize.getOutput().replaceAllUsesWith(quantize.getInput());
    quantize.erase();
  }

  FailureOr<std::unique_ptr<exec::Executor>> executor =
      exec::Executor::create(reference);
  if (failed(executor))
    return failure();
  exec::RunResult result;
  exec::Status status = (*executor)->run(searchInputs, {}, result);
  if (!status.ok)
    return function.emitError()
           << "hgq-allocate-bits: the float model: " << status.message;
  ++numRuns, ++runCount;
  searchReference.assign(result.outputs.begin(),
                         result.outputs.begin() + outputCount);
  if (!statistics)
    return success();
  auto rmsBy = [](const exec::Tensor &tensor, int64_t groups) {
    std::vector<double> sums(size_t(groups), 0.0);
    std::vector<int64_t> counts(size_t(groups), 0);
    for (int64_t index = 0; index < tensor.size(); ++index) {
      double value = tensor.valueAt(index);
      sums[index % groups] += value * value;
      ++counts[index % groups];
    }
    for (int64_t g = 0; g < groups; ++g)
      sums[g] = std::sqrt(sums[g] / double(std::max<int64_t>(counts[g], 1)));
    return sums;
  };
  for (size_t l = 0; l < layers.size(); ++l) {
    const exec::Tensor &input = result.outputs[outputCount + l];
    inputRms[layers[l]] = rmsBy(input, input.shape.back());
  }
  auto describe = [](Site &site, ArrayRef<double> values) {
    double squares = 0;
    site.low = site.high = 0;
    for (double value : values) {
      squares += value * value;
      site.low = std::min(site.low, value);
      site.high = std::max(site.high, value);
    }
    site.scale =
        std::sqrt(squares / double(std::max<size_t>(values.size(), 1)));
  };
  for (size_t a = 0; a < activations.size(); ++a) {
    const exec::Tensor &tensor =
        result.outputs[outputCount + layers.size() + a];
    std::vector<double> values(size_t(tensor.size()));
    for (int64_t index = 0; index < tensor.size(); ++index)
      values[index] = tensor.valueAt(index);
    describe(*activations[a], values);
  }
  for (Site &site : sites)
    if (site.kernel) {
      std::vector<float> kernel =
          floatsOf(cast<LayerOpInterface>(site.op).getKernel());
      describe(site, std::vector<double>(kernel.begin(), kernel.end()));
    }
  return success();
}

/// Gives `site` the bits of `level`: f = round(level + offset + log
/// weight), per element, channel or tensor, within the quantizer's clip.
void AllocateBitsPass::setSite(Site &site, double level) {
  MLIRContext *context = &getContext();
  int lowest = site.original.getBwClipMin(),
      highest = site.original.getBwClipMax();
  auto quantizerWith = [&](DenseIntElementsAttr f) {
    return QuantizerAttr::get(context, f, site.original.getRnd(), lowest,
                              highest, DenseIntElementsAttr(),
                              DenseIntElementsAttr());
  };
  auto bitsOf = [&](double logWeight) {
    double f = std::nearbyint(level + site.offset + logWeight);
    return int8_t(std::clamp(f, double(lowest), double(highest)));
  };
  DenseIntElementsAttr bits;
  int64_t channels = site.shape.empty() ? 1 : site.shape.back();
  if (granularity == "tensor" || site.shape.empty()) {
    bits = makeBitsArray(context, bitsOf(0.0));
  } else if (granularity == "channel") {
    std::vector<double> sums(size_t(channels), 0.0);
    std::vector<int64_t> counts(size_t(channels), 0);
    for (size_t e = 0; e < site.logWeight.size(); ++e)
      if (site.logWeight[e] > kIrrelevant)
        sums[e % channels] += site.logWeight[e], ++counts[e % channels];
    SmallVector<int8_t> values;
    for (int64_t c = 0; c < channels; ++c)
      values.push_back(counts[c] ? bitsOf(sums[c] / double(counts[c]))
                                 : int8_t(lowest));
    SmallVector<int64_t> shape(site.shape.size(), 1);
    shape.back() = channels;
    bits = DenseIntElementsAttr::get(
        RankedTensorType::get(shape, IntegerType::get(context, 8)), values);
  } else {
    SmallVector<int8_t> values;
    for (double logWeight : site.logWeight)
      values.push_back(bitsOf(logWeight));
    bits = llvm::all_equal(values)
               ? makeBitsArray(context, values.front())
               : DenseIntElementsAttr::get(
                     RankedTensorType::get(site.shape,
                                           IntegerType::get(context, 8)),
                     values);
  }
  if (site.kernel)
    cast<LayerOpInterface>(site.op).setKernelQuantizerAttr(quantizerWith(bits));
  else
    site.op->setAttr("quantizer", quantizerWith(bits));
}

FailureOr<Fidelity>
AllocateBitsPass::evaluate(func::FuncOp function,
                           const std::vector<double> &levels,
                           const std::vector<exec::InputView> &inputs,
                           const std::vector<exec::Tensor> &reference) {
  for (size_t s = 0; s < sites.size(); ++s)
    setSite(sites[s], levels[s]);
  FailureOr<std::unique_ptr<exec::Executor>> executor =
      exec::Executor::create(function);
  if (failed(executor))
    return failure();
  exec::RunResult result;
  exec::Status status = (*executor)->run(inputs, {}, result);
  if (!status.ok)
    return function.emitError() << "hgq-allocate-bits: " << status.message;
  ++numRuns, ++runCount;
  Fidelity fidelity = compare(result.outputs, reference, outputCount);
  lastConstant = result.constantOutputs;
  return fidelity;
}

FailureOr<BopsReport> AllocateBitsPass::traceAndCount(ModuleOp module,
                                                      func::FuncOp function) {
  OpPassManager manager(ModuleOp::getOperationName());
  HGQTraceMinMaxOptions trace;
  trace.calibration = calibration;
  trace.functionName = function.getName().str();
  trace.quiet = true;
  manager.addPass(createHGQTraceMinMax(trace));
  if (failed(runPipeline(manager, module)))
    return failure();
  return computeBops(function);
}

/// min/median/max of `values` as "a/b/c".
std::string spread(std::vector<int> values) {
  if (values.empty())
    return "-";
  std::sort(values.begin(), values.end());
  return llvm::formatv("{0}/{1}/{2}", values.front(), values[values.size() / 2],
                       values.back())
      .str();
}

void AllocateBitsPass::report(func::FuncOp function, const BopsReport &bops,
                              const Fidelity &fidelity, int64_t samples) {
  std::map<Operation *, double> ebops;
  for (const LayerBops &layer : bops.layers)
    if (layer.ebops)
      ebops[layer.op] += *layer.ebops;
  llvm::raw_ostream &os = llvm::errs();
  if (!quiet) {
    os << "hgq-allocate-bits: fractional bits of kernels, widths k+i+f of "
          "outputs (min/median/max)\n";
    os << llvm::formatv("  {0,-24} {1,-10} {2,-12} {3,-14} {4,10}\n", "layer",
                        "kernel f", "pruned", "output width", "EBOPs");
  }
  for (const Site &site : sites) {
    if (site.kernel)
      continue; // reported with the layer's output
    Operation *op = site.op;
    std::string kernelBits = "-", pruned = "-";
    if (auto layer = dyn_cast<LayerOpInterface>(op);
        layer && layer.getKernelQuantizerAttr()) {
      auto shape = cast<ShapedType>(layer.getKernel().getType()).getShape();
      SmallVector<int> f =
          expandFractionalBits(layer.getKernelQuantizerAttr(), shape);
      kernelBits = spread(std::vector<int>(f.begin(), f.end()));
      FailureOr<QuantizedConstants> quantized =
          quantizeKernel(op, layer.getKernel(), layer.getKernelQuantizerAttr());
      if (succeeded(quantized)) {
        int64_t zeros = llvm::count(quantized->values, 0.0);
        numPruned += zeros;
        pruned = llvm::formatv("{0}/{1}", zeros, quantized->values.size());
      }
    }
    std::string widths = "-";
    if (auto quantizer = op->getAttrOfType<QuantizerAttr>("quantizer");
        quantizer && quantizer.isTraced()) {
      std::vector<int> width;
      for (const fixed::Format &format :
           expandFormats(quantizer, featuresOf(op->getResult(0))))
        width.push_back(format.width());
      widths = spread(width);
    }
    if (!quiet)
      os << llvm::formatv("  {0,-24} {1,-10} {2,-12} {3,-14} {4,10}\n",
                          site.name, kernelBits, pruned, widths,
                          ebops.count(op)
                              ? llvm::formatv("{0:F1}", ebops[op]).str()
                              : std::string("-"));
  }
  if (quiet)
    return;
  os << llvm::formatv("  total EBOPs {0:F1} (layer level); {1} executor "
                      "runs on {2} samples\n",
                      bops.totalEbops, runCount, searchSamples);
  if (kind == TargetKind::Argmax)
    os << llvm::formatv("  argmax agreement with the float model: {0:P2} on "
                        "{1} calibration samples (target >= {2:P2})\n",
                        fidelity.agreement, samples, 1.0 - allowed);
  else
    os << llvm::formatv("  max |quantized - float| / output range: {0:E3} on "
                        "{1} calibration samples (target <= {2:E3})\n",
                        fidelity.relError, samples, allowed);
}

/// Gives every site its bits at `level`, checks the result on all
/// calibration samples, traces it, counts it and reports.
void AllocateBitsPass::finish(ModuleOp module, func::FuncOp function,
                              const std::vector<exec::InputView> &allInputs,
                              double level) {
  auto allAt = [&](double at) { return std::vector<double>(sites.size(), at); };
  // The result, checked on all calibration samples, traced and counted.
  int64_t samples = allInputs.front().batch();
  if (samples > searchSamples) {
    searchInputs = allInputs;
    if (failed(measureReference(module, function, /*statistics=*/false)))
      return signalPassFailure(), void();
  }
  FailureOr<Fidelity> fidelity =
      evaluate(function, allAt(level), allInputs, searchReference);
  if (failed(fidelity))
    return signalPassFailure(), void();
  FailureOr<BopsReport> bops = traceAndCount(module, function);
  if (failed(bops))
    return signalPassFailure(), void();
  lastConstant.resize(outputCount);
  warnConstantOutputs(function, lastConstant, samples, "hgq-allocate-bits");
  warnZeroKernels(function, "hgq-allocate-bits");
  report(function, *bops, *fidelity, samples);
  if (budgetEbops == 0 && uniformBits == 0 && !meets(*fidelity))
    function.emitWarning()
        << "hgq-allocate-bits: on all " << samples
        << " calibration samples the target is missed (the search used the "
           "first "
        << searchSamples << "); raise max-samples";
}

void AllocateBitsPass::runOnOperation() {
  ModuleOp module = getOperation();
  func::FuncOp function = findEntryFunction(module, functionName);
  if (!function) {
    module.emitError() << "hgq-allocate-bits: "
                       << (functionName.empty()
                               ? std::string("the module has several "
                                             "functions and none is @main; "
                                             "choose one with function=NAME")
                               : "no function @" + functionName);
    return signalPassFailure();
  }
  if (isProxyFunction(function)) {
    function.emitError() << "hgq-allocate-bits: @" << function.getName()
                         << " is already at proxy level; allocate bits on the "
                            "float or layer-level model";
    return signalPassFailure();
  }
  bool quantized = false;
  function.walk([&](Operation *op) {
    quantized |= bool(op->getAttrOfType<QuantizerAttr>("quantizer")) ||
                 bool(op->getAttrOfType<QuantizerAttr>("kernel_quantizer"));
  });
  if (quantized && onlyFloat)
    return;
  if (calibration.empty()) {
    module.emitError() << "hgq-allocate-bits needs calibration data: "
                          "--hgq-allocate-bits=\"calibration=FILE.npy\"";
    return signalPassFailure();
  }
  if (granularity != "element" && granularity != "channel" &&
      granularity != "tensor") {
    module.emitError() << "hgq-allocate-bits: granularity must be element, "
                          "channel or tensor, got '"
                       << granularity << "'";
    return signalPassFailure();
  }
  if (target != "auto" && target != "argmax" && target != "rel-error") {
    module.emitError() << "hgq-allocate-bits: target must be argmax, "
                          "rel-error or auto, got '"
                       << target << "'";
    return signalPassFailure();
  }
  if (maxSamples < 1 || budgetEbops < 0 || !std::isfinite(budgetEbops)) {
    module.emitError() << "hgq-allocate-bits: max-samples must be positive "
                          "and budget-ebops not negative";
    return signalPassFailure();
  }
  if (!quantized && failed(attachQuantizers(module)))
    return signalPassFailure();

  // The data: all of it for the report, the first max-samples for the search.
  CalibrationData calibrationData;
  if (failed(loadCalibration(calibration, function.getNumArguments(), function,
                             "hgq-allocate-bits", calibrationData)))
    return signalPassFailure();
  const std::vector<exec::InputView> &allInputs = calibrationData.views;
  searchInputs = calibrationData.head(maxSamples);
  searchSamples = searchInputs.front().batch();

  collectSites(function);
  if (sites.empty()) {
    function.emitWarning() << "hgq-allocate-bits: the model has nothing to "
                              "quantize";
    return;
  }
  if (failed(measureReference(module, function, /*statistics=*/true)))
    return signalPassFailure();

  // The target.
  bool allClasses = llvm::all_of(searchReference, [](const exec::Tensor &t) {
    return t.featureSize() >= 2;
  });
  kind = target == "argmax" || (target == "auto" && allClasses)
             ? TargetKind::Argmax
             : TargetKind::RelError;
  // A float model that predicts one class for every sample makes argmax
  // agreement meaningless (a constant output would meet it).
  for (size_t out = 0; kind == TargetKind::Argmax && out < outputCount; ++out) {
    const exec::Tensor &tensor = searchReference[out];
    std::optional<int64_t> only;
    bool single = true;
    for (int64_t n = 0; single && n < tensor.batch(); ++n) {
      int64_t best = argmaxOf(tensor, n);
      single = !only || *only == best;
      only = best;
    }
    if (!single)
      continue;
    function.emitWarning()
        << "hgq-allocate-bits: the float model predicts class " << *only
        << " of output " << out << " for every one of the " << searchSamples
        << " calibration samples, so argmax agreement says nothing; the "
           "target is rel-error instead";
    kind = TargetKind::RelError;
  }
  allowed = tolerance >= 0 && (kind == TargetKind::Argmax || target != "argmax")
                ? tolerance
                : (kind == TargetKind::Argmax ? 0.01 : 0.02);

  // Element weights within each site. A layer's output weights serve its
  // kernel site and its output site: computed once.
  DenseMap<Value, std::vector<double>> consumers;
  auto consumersOf = [&](Value value) -> const std::vector<double> & {
    auto found = consumers.find(value);
    if (found == consumers.end())
      found = consumers.try_emplace(value, consumerWeights(value)).first;
    return found->second;
  };
  for (Site &site : sites) {
    int64_t count = 1;
    for (int64_t dim : site.shape)
      count *= dim;
    std::vector<double> weight(size_t(count), 1.0);
    if (site.kernel) {
      auto layer = cast<LayerOpInterface>(site.op);
      const std::vector<double> &rms = inputRms[site.op];
      const std::vector<double> &out = consumersOf(layer.getOutput());
      int64_t outputs = site.shape.back(),
              slots = site.shape[site.shape.size() - 2];
      int64_t groups = 1;
      if (auto conv = dyn_cast<ConvOp>(site.op))
        groups = conv.getGroups();
      int64_t perGroup = outputs / groups;
      // The output weight per channel: RMS over positions.
      std::vector<double> outChannel(size_t(outputs), 1.0);
      if (!out.empty()) {
        std::vector<double> sums(size_t(outputs), 0.0);
        for (size_t e = 0; e < out.size(); ++e)
          sums[e % outputs] += out[e] * out[e];
        for (int64_t o = 0; o < outputs; ++o)
          outChannel[o] = std::sqrt(sums[o] / double(out.size() / outputs));
      }
      for (int64_t e = 0; e < count; ++e) {
        int64_t o = e % outputs, slot = (e / outputs) % slots;
        int64_t channel = (o / perGroup) * slots + slot;
        double x = size_t(channel) < rms.size() ? rms[channel] : 1.0;
        weight[e] = x * outChannel[o];
      }
      site.costPerBit = 6; // times the bits of the input it multiplies
    } else {
      const std::vector<double> &readers = consumersOf(site.op->getResult(0));
      if (readers.size() == weight.size())
        weight = readers;
      // One bit of an activation costs one bit in every product it enters.
      int64_t fanout = 0;
      for (Operation *user : site.op->getResult(0).getUsers())
        if (auto layer = dyn_cast<LayerOpInterface>(user)) {
          auto shape = cast<ShapedType>(layer.getKernel().getType()).getShape();
          int64_t taps = 1;
          for (size_t d = 0; d + 2 < shape.size(); ++d)
            taps *= shape[d];
          fanout += taps * shape.back() /
                    (isa<ConvOp>(user) ? cast<ConvOp>(user).getGroups() : 1);
        }
      site.costPerBit = 3.0 * double(std::max<int64_t>(fanout, 1));
    }
    double sum = 0;
    int64_t relevant = 0;
    site.logWeight.assign(size_t(count), kIrrelevant);
    for (int64_t e = 0; e < count; ++e)
      if (weight[e] > 0 && std::isfinite(weight[e])) {
        site.logWeight[e] = std::log2(weight[e]);
        sum += site.logWeight[e], ++relevant;
      }
    for (double &logWeight : site.logWeight)
      if (logWeight > kIrrelevant && relevant)
        logWeight -= sum / double(relevant);
  }

  // Each site's error scale alpha, quantized a few bits below the RMS of
  // its values while the others keep 8 bits more (their noise is 4^-8 of
  // it): D = alpha * sum(weight^2 * 4^-f).
  std::vector<double> probes;
  for (Site &site : sites) {
    site.offset = 0;
    probes.push_back(std::floor(-std::log2(std::max(site.scale, 1e-30))) + 5);
  }
  if (uniformBits > 0) {
    // The baseline: one width per quantizer, uniformBits in total, the
    // integer bits from the range (a sign bit when it has negative values).
    granularity = "tensor";
    for (Site &site : sites) {
      double magnitude = std::max(-site.low, site.high);
      int keep = site.low < 0 ? 1 : 0;
      int integer =
          magnitude > 0 ? int(std::floor(std::log2(magnitude))) + 1 : 0;
      site.offset = double(int64_t(uniformBits) - keep - integer);
    }
    return finish(module, function, allInputs, 0);
  }
  // Every probe runs with all offsets at 0: a site's measured offset is
  // given to it only once all are measured (an unmeasurable one is NaN).
  std::vector<double> offsets, measured(sites.size(), NAN);
  for (size_t s = 0; s < sites.size(); ++s) {
    Site &site = sites[s];
    double probe = probes[s];
    std::vector<double> levels(sites.size());
    for (size_t other = 0; other < sites.size(); ++other)
      levels[other] = probes[other] + (other == s ? 0 : 8);
    FailureOr<Fidelity> alone =
        evaluate(function, levels, searchInputs, searchReference);
    if (failed(alone))
      return signalPassFailure();
    double noise = 0;
    for (double logWeight : site.logWeight)
      if (logWeight > kIrrelevant) {
        double f = std::clamp(std::nearbyint(probe + logWeight),
                              double(site.original.getBwClipMin()),
                              double(site.original.getBwClipMax()));
        noise += std::exp2(2 * logWeight) * std::exp2(-2 * f);
      }
    double alpha = noise > 0 ? alone->mse / noise : 0;
    measured[s] = alpha > 0 ? 0.5 * std::log2(alpha / site.costPerBit) : NAN;
    if (std::isfinite(measured[s]))
      offsets.push_back(measured[s]);
  }
  // Sites whose error was not measurable sit at the lowest measured offset;
  // none is more than 12 bits from the median.
  double median = 0, lowest = 0;
  if (!offsets.empty()) {
    std::sort(offsets.begin(), offsets.end());
    median = offsets[offsets.size() / 2];
    lowest = offsets.front();
  }
  for (size_t s = 0; s < sites.size(); ++s)
    sites[s].offset =
        std::clamp(std::isfinite(measured[s]) ? measured[s] : lowest,
                   median - 12, median + 12) -
        median;

  auto allAt = [&](double level) {
    return std::vector<double>(sites.size(), level);
  };
  auto meetsAt = [&](const std::vector<double> &at) -> FailureOr<bool> {
    FailureOr<Fidelity> fidelity =
        evaluate(function, at, searchInputs, searchReference);
    if (failed(fidelity))
      return failure();
    return meets(*fidelity);
  };

  double level = 0;
  if (budgetEbops > 0) {
    // The highest level whose EBOPs fit the budget.
    auto ebopsAt = [&](double at) -> FailureOr<double> {
      for (size_t s = 0; s < sites.size(); ++s)
        setSite(sites[s], at);
      FailureOr<BopsReport> bops = traceAndCount(module, function);
      if (failed(bops))
        return failure();
      return bops->totalEbops;
    };
    double low = -16, high = 40;
    FailureOr<double> atLow = ebopsAt(low);
    if (failed(atLow))
      return signalPassFailure();
    if (*atLow > budgetEbops) {
      function.emitError() << "hgq-allocate-bits: budget-ebops " << budgetEbops
                           << " is below the smallest allocation the search "
                              "reaches ("
                           << *atLow << " EBOPs)";
      return signalPassFailure();
    }
    while (high - low > 0.25) {
      double mid = 0.5 * (low + high);
      FailureOr<double> at = ebopsAt(mid);
      if (failed(at))
        return signalPassFailure();
      (*at <= budgetEbops ? low : high) = mid;
    }
    level = low; // the split between sites stays the modelled one
  } else {
    // Bisection on the global level: the lowest that meets the target.
    double high = 8;
    for (;; high += 4) {
      FailureOr<bool> ok = meetsAt(allAt(high));
      if (failed(ok))
        return signalPassFailure();
      if (*ok)
        break;
      if (high >= 40) {
        function.emitWarning()
            << "hgq-allocate-bits: the target is not met even with the "
               "largest fractional bits; keeping them";
        break;
      }
    }
    double low = high - 4;
    for (;;) {
      FailureOr<bool> ok = meetsAt(allAt(low));
      if (failed(ok))
        return signalPassFailure();
      if (!*ok || low <= -16)
        break;
      high = low, low -= 4;
    }
    while (high - low > 0.25) {
      double mid = 0.5 * (low + high);
      FailureOr<bool> ok = meetsAt(allAt(mid));
      if (failed(ok))
        return signalPassFailure();
      (*ok ? high : low) = mid;
    }
    level = high;
    // Greedy: the costliest sites first, one bit lower while it holds.
    std::vector<size_t> order(sites.size());
    std::iota(order.begin(), order.end(), 0);
    auto cost = [&](const Site &site) {
      double bits = 0;
      for (double logWeight : site.logWeight)
        bits += std::max(0.0, level + site.offset + logWeight);
      return bits * site.costPerBit;
    };
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return cost(sites[a]) > cost(sites[b]);
    });
    // A site that cannot go one bit lower may still go half a bit (half of
    // its elements round down).
    for (double step : {1.0, 0.5}) {
      for (int round = 0; round < 3; ++round) {
        bool lowered = false;
        for (size_t s : order) {
          sites[s].offset -= step;
          FailureOr<bool> ok = meetsAt(allAt(level));
          if (failed(ok))
            return signalPassFailure();
          if (*ok)
            lowered = true;
          else
            sites[s].offset += step;
        }
        if (!lowered)
          break;
      }
    }
  }

  finish(module, function, allInputs, level);
}

} // namespace
