//===- AttachQuantizers.cpp - HGQ quantizers for a float model ------------===//
//
// hgq-attach-quantizers: post-training heterogeneous quantization starts
// here; hgq-trace-minmax then derives the integer bits.
//
//===----------------------------------------------------------------------===//

#include "hgq/Dialect/HGQ.h"
#include "hgq/Transforms/Calibration.h"
#include "hgq/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLParser.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <map>
#include <set>

namespace hgq {
#define GEN_PASS_DEF_HGQATTACHQUANTIZERS
#include "dialects/hgq/HGQPasses.h.inc"
} // namespace hgq

using namespace mlir;
using namespace hgq;

namespace {

/// One quantizer configuration (HGQ's kq_conf / paq_conf).
struct QuantizerConfig {
  double initBw = 2.0;
  std::string skipDims;
  std::string rnd;
  int bwClipMin = kDefaultBwClipMin, bwClipMax = kDefaultBwClipMax;
  bool exactQValue = true, trainable = true, minmaxRecord = false;
  std::string regularizer = "L1(1e-6)";
};

struct LayerConfig {
  std::map<std::string, std::string> kernel, activation; // raw overrides
  std::optional<int64_t> parallelFactor;                 ///< convolutions only
};

/// Applies one `key: value` override; false with `error` set if invalid.
bool applyOverride(QuantizerConfig &config, const std::string &key,
                   const std::string &value, std::string &error) {
  auto integer = [&](int &target) {
    char *end = nullptr;
    long parsed = std::strtol(value.c_str(), &end, 10);
    if (value.empty() || *end)
      return error = key + " must be an integer, got '" + value + "'", false;
    target = int(parsed);
    return true;
  };
  auto boolean = [&](bool &target) {
    if (value == "true" || value == "True" || value == "1")
      return target = true, true;
    if (value == "false" || value == "False" || value == "0")
      return target = false, true;
    return error = key + " must be true or false, got '" + value + "'", false;
  };
  if (key == "init_bw") {
    char *end = nullptr;
    double parsed = std::strtod(value.c_str(), &end);
    if (value.empty() || *end)
      return error = "init_bw must be a number, got '" + value + "'", false;
    config.initBw = parsed;
    return true;
  }
  if (key == "skip_dims") {
    static const char *known[] = {"none", "batch", "all", "except_last",
                                  "except_1st"};
    for (const char *name : known)
      if (value == name)
        return config.skipDims = value, true;
    // HGQ's Python forms: None, or a list/tuple of the dimensions that share
    // one width ([0], (0,), (0, 2)); dimension 0 of an activation is the
    // batch.
    if (value == "None" || value == "null" || value == "~")
      return config.skipDims = "none", true;
    StringRef text = StringRef(value).trim();
    if ((text.consume_front("[") && text.consume_back("]")) ||
        (text.consume_front("(") && text.consume_back(")"))) {
      std::set<int64_t> dims;
      SmallVector<StringRef> items;
      text.split(items, ',', -1, false);
      for (StringRef item : items) {
        int64_t dim = 0;
        if (item.trim().getAsInteger(10, dim) || dim < 0)
          return error = "skip_dims entry '" + item.trim().str() +
                         "' is not a dimension index",
                 false;
        dims.insert(dim);
      }
      std::string canonical = "[";
      for (int64_t dim : dims)
        canonical += (canonical.size() > 1 ? ", " : "") + std::to_string(dim);
      return config.skipDims = canonical + "]", true;
    }
    return error = "skip_dims must be none, batch, all, except_last, "
                   "except_1st or a list of dimensions such as [0], got '" +
                   value + "'",
           false;
  }
  if (key == "rnd_strategy") {
    if (!symbolizeRoundingStrategy(value == "auto" ? "auto" : value))
      return error = "rnd_strategy '" + value +
                     "' is not one of "
                     "standard_round, floor, auto, stochastic_round, "
                     "fast_uniform_noise_injection",
             false;
    config.rnd = value;
    return true;
  }
  if (key == "bw_clip_min")
    return integer(config.bwClipMin);
  if (key == "bw_clip_max")
    return integer(config.bwClipMax);
  if (key == "exact_q_value")
    return boolean(config.exactQValue);
  if (key == "trainable")
    return boolean(config.trainable);
  if (key == "minmax_record")
    return boolean(config.minmaxRecord);
  if (key == "regularizer")
    return config.regularizer = value, true;
  error = "unknown quantizer option '" + key + "'";
  return false;
}

void printConfig(llvm::json::OStream &json, const QuantizerConfig &config) {
  json.object([&] {
    json.attribute("init_bw", config.initBw);
    json.attribute("skip_dims", config.skipDims);
    json.attribute("rnd_strategy", config.rnd);
    json.attributeArray("bw_clip", [&] {
      json.value(config.bwClipMin);
      json.value(config.bwClipMax);
    });
    json.attribute("exact_q_value", config.exactQValue);
    json.attribute("trainable", config.trainable);
    json.attribute("regularizer", config.regularizer);
    json.attribute("minmax_record", config.minmaxRecord);
  });
}

std::string scalarText(llvm::yaml::Node *node) {
  llvm::SmallString<64> storage;
  if (auto *scalar = dyn_cast_or_null<llvm::yaml::ScalarNode>(node))
    return scalar->getValue(storage).str();
  return "";
}

struct AttachQuantizersPass
    : public hgq::impl::HGQAttachQuantizersBase<AttachQuantizersPass> {
  using HGQAttachQuantizersBase::HGQAttachQuantizersBase;

  QuantizerConfig kernelDefaults, activationDefaults;
  std::map<std::string, LayerConfig> layers;

  LogicalResult readConfig(std::string &error);
  LogicalResult readQuantizerMap(llvm::yaml::MappingNode *node,
                                 std::map<std::string, std::string> &out,
                                 std::string &error);
  FailureOr<QuantizerConfig> configFor(Operation *op, bool kernel);
  LogicalResult applyLayerSettings(ModuleOp module);
  FailureOr<QuantizerAttr> makeQuantizer(Operation *op, bool kernel,
                                         ArrayRef<int64_t> shape);
  void runOnOperation() override;
};

LogicalResult
AttachQuantizersPass::readQuantizerMap(llvm::yaml::MappingNode *node,
                                       std::map<std::string, std::string> &out,
                                       std::string &error) {
  for (llvm::yaml::KeyValueNode &entry : *node) {
    std::string key = scalarText(entry.getKey());
    llvm::yaml::Node *value = entry.getValue();
    if (auto *sequence = dyn_cast_or_null<llvm::yaml::SequenceNode>(value)) {
      // bw_clip: [min, max]
      std::vector<std::string> items;
      for (llvm::yaml::Node &item : *sequence)
        items.push_back(scalarText(&item));
      if (key == "skip_dims") {
        std::string list = "[";
        for (const std::string &item : items)
          list += (list.size() > 1 ? ", " : "") + item;
        out[key] = list + "]";
        continue;
      }
      if (key != "bw_clip" || items.size() != 2) {
        error = "'" + key +
                "' cannot be a list (only bw_clip: [min, max] and "
                "skip_dims: [dims...])";
        return failure();
      }
      out["bw_clip_min"] = items[0];
      out["bw_clip_max"] = items[1];
      continue;
    }
    out[key] = scalarText(value);
  }
  return success();
}

LogicalResult AttachQuantizersPass::readConfig(std::string &error) {
  auto buffer = llvm::MemoryBuffer::getFile(configPath);
  if (!buffer) {
    error = configPath + ": " + buffer.getError().message();
    return failure();
  }
  llvm::SourceMgr sourceMgr;
  std::string messages;
  llvm::raw_string_ostream diagnostics(messages);
  llvm::yaml::Stream stream((*buffer)->getMemBufferRef(), sourceMgr, false);
  sourceMgr.setDiagHandler(
      [](const llvm::SMDiagnostic &diagnostic, void *context) {
        auto *out = static_cast<llvm::raw_string_ostream *>(context);
        *out << diagnostic.getLineNo() << ":" << diagnostic.getColumnNo() + 1
             << ": " << diagnostic.getMessage();
      },
      &diagnostics);
  auto document = stream.begin();
  if (document == stream.end() || stream.failed()) {
    error = configPath + ": not JSON or YAML " + messages;
    return failure();
  }
  auto *root = dyn_cast_or_null<llvm::yaml::MappingNode>(document->getRoot());
  if (!root || stream.failed()) {
    error = configPath + ": the configuration must be a mapping " + messages;
    return failure();
  }
  auto applyAll = [&](QuantizerConfig &config,
                      const std::map<std::string, std::string> &overrides,
                      const std::string &where) {
    for (const auto &[key, value] : overrides)
      if (!applyOverride(config, key, value, error)) {
        error = configPath + ": " + where + ": " + error;
        return false;
      }
    return true;
  };
  for (llvm::yaml::KeyValueNode &entry : *root) {
    std::string key = scalarText(entry.getKey());
    auto *value = dyn_cast_or_null<llvm::yaml::MappingNode>(entry.getValue());
    if (!value) {
      error = configPath + ": '" + key + "' must be a mapping";
      return failure();
    }
    std::map<std::string, std::string> overrides;
    if (key == "kq_conf" || key == "paq_conf") {
      if (failed(readQuantizerMap(value, overrides, error)) ||
          !applyAll(key == "kq_conf" ? kernelDefaults : activationDefaults,
                    overrides, key))
        return failure();
    } else if (key == "layers") {
      for (llvm::yaml::KeyValueNode &layer : *value) {
        std::string name = scalarText(layer.getKey());
        auto *confs =
            dyn_cast_or_null<llvm::yaml::MappingNode>(layer.getValue());
        if (!confs) {
          error = configPath + ": layer '" + name + "' must be a mapping";
          return failure();
        }
        for (llvm::yaml::KeyValueNode &conf : *confs) {
          std::string which = scalarText(conf.getKey());
          if (which == "parallel_factor") {
            std::string text = scalarText(conf.getValue());
            int64_t factor = 0;
            if (StringRef(text).getAsInteger(10, factor) || factor < 1) {
              error = configPath + ": layer '" + name +
                      "': parallel_factor must be a positive integer, got '" +
                      text + "'";
              return failure();
            }
            layers[name].parallelFactor = factor;
            continue;
          }
          auto *map =
              dyn_cast_or_null<llvm::yaml::MappingNode>(conf.getValue());
          if ((which != "kq_conf" && which != "paq_conf") || !map) {
            error = configPath + ": layer '" + name +
                    "': expected kq_conf or paq_conf mappings or "
                    "parallel_factor, got '" +
                    which + "'";
            return failure();
          }
          if (failed(readQuantizerMap(map,
                                      which == "kq_conf"
                                          ? layers[name].kernel
                                          : layers[name].activation,
                                      error)))
            return failure();
        }
      }
    } else {
      error = configPath + ": unknown key '" + key +
              "' (expected kq_conf, paq_conf, layers)";
      return failure();
    }
  }
  if (stream.failed()) {
    error = configPath + ": " + messages;
    return failure();
  }
  return success();
}

FailureOr<QuantizerConfig> AttachQuantizersPass::configFor(Operation *op,
                                                           bool kernel) {
  QuantizerConfig config = kernel ? kernelDefaults : activationDefaults;
  std::string name = layerName(op);
  auto found = layers.find(name);
  if (found != layers.end()) {
    std::string error;
    for (const auto &[key, value] :
         kernel ? found->second.kernel : found->second.activation)
      if (!applyOverride(config, key, value, error))
        return op->emitError()
               << "hgq-attach-quantizers: layer '" << name << "': " << error;
  }
  return config;
}

FailureOr<QuantizerAttr>
AttachQuantizersPass::makeQuantizer(Operation *op, bool kernel,
                                    ArrayRef<int64_t> shape) {
  FailureOr<QuantizerConfig> config = configFor(op, kernel);
  if (failed(config))
    return failure();
  if (config->bwClipMin > config->bwClipMax)
    return op->emitError() << "hgq-attach-quantizers: bw_clip ["
                           << config->bwClipMin << ", " << config->bwClipMax
                           << "] is empty";
  double clipped = std::clamp(config->initBw, double(config->bwClipMin),
                              double(config->bwClipMax));
  int fractional = int(std::nearbyint(clipped)); // round half to even
  std::optional<RoundingStrategy> rnd = symbolizeRoundingStrategy(config->rnd);
  if (kernel && *rnd == RoundingStrategy::auto_)
    return op->emitError() << "hgq-attach-quantizers: a kernel quantizer "
                              "cannot use rnd_strategy auto";
  // The shape of the bit array: skip_dims share one width.
  SmallVector<int64_t> bitsShape(shape.begin(), shape.end());
  const std::string &skip = config->skipDims;
  if (skip == "all") {
    bitsShape.clear();
  } else if (skip == "except_last" || skip == "except_1st") {
    for (size_t d = 0; d + 1 < bitsShape.size(); ++d)
      bitsShape[d] = 1;
  } else if (skip == "batch" && kernel && !bitsShape.empty()) {
    bitsShape[0] = 1; // a kernel has no batch: its first dimension shares
  } else if (!skip.empty() && skip.front() == '[') {
    // Listed dimensions share: an activation's dimension 0 is the batch
    // (the bit array has none), a kernel's is its first dimension.
    SmallVector<StringRef> items;
    StringRef(skip).drop_front().drop_back().split(items, ',', -1, false);
    for (StringRef item : items) {
      int64_t dim = 0;
      item.trim().getAsInteger(10, dim);
      int64_t index = kernel ? dim : dim - 1;
      if (index >= int64_t(bitsShape.size()))
        return op->emitError()
               << "hgq-attach-quantizers: skip_dims " << skip << " names "
               << "dimension " << dim << ", but the "
               << (kernel ? "kernel" : "activation (with its batch)") << " has "
               << bitsShape.size() + (kernel ? 0 : 1) << " dimensions";
      if (index >= 0)
        bitsShape[index] = 1;
    }
  }
  auto type =
      RankedTensorType::get(bitsShape, IntegerType::get(&getContext(), 8));
  auto bits = DenseIntElementsAttr::get(type, int8_t(fractional));
  ++numAttached;
  return QuantizerAttr::get(&getContext(), bits, *rnd, config->bwClipMin,
                            config->bwClipMax, DenseIntElementsAttr(),
                            DenseIntElementsAttr());
}

/// Every layer the configuration names exists (else an error listing the
/// layers that do), and per-layer parallel factors reach their convolution.
LogicalResult AttachQuantizersPass::applyLayerSettings(ModuleOp module) {
  std::map<std::string, Operation *> named;
  module.walk([&](Operation *op) {
    if (isa<HGQDialect>(op->getDialect()))
      if (std::string name = layerName(op); !name.empty())
        named.emplace(name, op);
  });
  for (const auto &[name, config] : layers) {
    auto found = named.find(name);
    if (found == named.end()) {
      std::string known;
      for (const auto &entry : named)
        known += (known.empty() ? "" : ", ") + entry.first;
      return module.emitError()
             << "hgq-attach-quantizers: " << configPath << ": layer '" << name
             << "' is not a layer of the model (layers: "
             << (known.empty() ? "none have names; keep them with "
                                 "--mlir-print-debuginfo"
                               : known)
             << ")";
    }
    if (!config.parallelFactor)
      continue;
    auto conv = dyn_cast<ConvOp>(found->second);
    if (!conv)
      return found->second->emitError()
             << "hgq-attach-quantizers: " << configPath << ": layer '" << name
             << "': parallel_factor applies to convolutions only";
    conv.setParallelFactor(*config.parallelFactor);
    if (failed(mlir::verify(conv)))
      return failure();
  }
  return success();
}

void AttachQuantizersPass::runOnOperation() {
  ModuleOp module = getOperation();
  kernelDefaults.initBw = kernelInitBw;
  kernelDefaults.skipDims = kernelSkipDims;
  kernelDefaults.rnd = kernelRnd;
  activationDefaults.initBw = activationInitBw;
  activationDefaults.skipDims = activationSkipDims;
  activationDefaults.rnd = activationRnd;
  activationDefaults.minmaxRecord = true; // HGQ's paq default
  // The options go through the same checks as the file.
  for (auto [config, prefix] :
       {std::pair<QuantizerConfig *, const char *>{&kernelDefaults, "kq"},
        {&activationDefaults, "paq"}}) {
    std::string error;
    QuantizerConfig probe;
    if (!applyOverride(probe, "skip_dims", config->skipDims, error) ||
        !applyOverride(probe, "rnd_strategy", config->rnd, error)) {
      module.emitError() << "hgq-attach-quantizers: " << prefix << "-" << error;
      return signalPassFailure();
    }
  }
  if (!configPath.empty()) {
    std::string error;
    if (failed(readConfig(error))) {
      module.emitError() << "hgq-attach-quantizers: " << error;
      return signalPassFailure();
    }
  }
  if (printDefaultConfig) {
    llvm::json::OStream json(llvm::outs(), 2);
    json.object([&] {
      json.attributeBegin("kq_conf");
      printConfig(json, kernelDefaults);
      json.attributeEnd();
      json.attributeBegin("paq_conf");
      printConfig(json, activationDefaults);
      json.attributeEnd();
    });
    llvm::outs() << "\n";
  }

  if (failed(applyLayerSettings(module)))
    return signalPassFailure();

  for (func::FuncOp function : module.getOps<func::FuncOp>()) {
    // Input quantizers (HQuantize) on the arguments.
    OpBuilder builder(function.getBody());
    for (BlockArgument argument : function.getArguments()) {
      bool quantized = llvm::any_of(argument.getUsers(), [](Operation *user) {
        return isa<QuantizeOp, SignatureOp>(user);
      });
      if (quantized || argument.use_empty())
        continue;
      std::string name = argumentName(argument);
      Location loc = NameLoc::get(
          StringAttr::get(&getContext(), (name.empty() ? "input" : name) +
                                             std::string("_quantizer")));
      auto placeholder = QuantizeOp::create(builder, loc, argument.getType(),
                                            argument, nullptr, nullptr);
      FailureOr<QuantizerAttr> quantizer =
          makeQuantizer(placeholder, false, featuresOf(argument));
      if (failed(quantizer))
        return signalPassFailure();
      placeholder.setQuantizerAttr(*quantizer);
      argument.replaceAllUsesExcept(placeholder.getOutput(), placeholder);
    }

    SmallVector<Operation *> ops;
    function.walk([&](Operation *op) { ops.push_back(op); });
    llvm::DenseSet<Operation *> erased; // ReLUs folded into their layer
    for (Operation *op : ops) {
      if (erased.contains(op))
        continue;
      auto attachLayer = [&](LayerOpInterface layer) -> LogicalResult {
        if (!layer.getKernelQuantizerAttr()) {
          FailureOr<QuantizerAttr> kernel = makeQuantizer(
              layer, true,
              cast<ShapedType>(layer.getKernel().getType()).getShape());
          if (failed(kernel))
            return failure();
          layer.setKernelQuantizerAttr(*kernel);
        }
        if (layer.getQuantizerAttr())
          return success();
        FailureOr<QuantizerAttr> output =
            makeQuantizer(layer, false, featuresOf(layer.getOutput()));
        if (failed(output))
          return failure();
        layer.setQuantizerAttr(*output);
        // A ReLU right after the layer is its fused activation.
        if (ActivationOp relu = foldFollowingRelu(layer)) {
          erased.insert(relu);
          relu.erase();
        }
        return success();
      };
      LogicalResult result = success();
      if (auto layer = dyn_cast<LayerOpInterface>(op))
        result = attachLayer(layer);
      else if (auto activation = dyn_cast<ActivationOp>(op)) {
        if (!activation.getQuantizerAttr() && activation.getFn() != "linear") {
          FailureOr<QuantizerAttr> quantizer =
              makeQuantizer(op, false, featuresOf(activation.getOutput()));
          if (failed(quantizer))
            return signalPassFailure();
          activation.setQuantizerAttr(*quantizer);
        }
      } else if (auto add = dyn_cast<AddOp>(op)) {
        if (!add.getQuantizerAttr()) {
          FailureOr<QuantizerAttr> quantizer =
              makeQuantizer(op, false, featuresOf(add.getOutput()));
          if (failed(quantizer))
            return signalPassFailure();
          add.setQuantizerAttr(*quantizer);
        }
      }
      if (failed(result))
        return signalPassFailure();
    }
    warnZeroKernels(function, "hgq-attach-quantizers");
  }
}

} // namespace
