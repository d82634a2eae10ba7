//===- Hls4mlEmitter.cpp - Proxy IR as the hls4ml document ----------------===//
//
// One TypeSwitch over the proxy-level ops; anything else is an error naming
// the op. The emitter only reads the IR.
//
//===----------------------------------------------------------------------===//

#include "hgq/Fixed/ActivationTables.h"
#include "hgq/Target/Hls4ml.h"
#include "hgq/Target/Translation.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/JSON.h"

#include <cmath>
#include <map>
#include <set>

using namespace mlir;

namespace hgq::hls4ml {

std::string precisionString(fixed::Format format, RoundingMode rounding,
                            OverflowMode overflow) {
  return fixed::typeString(format.normalized(), fixed::TypeSyntax::Hls4ml,
                           fixed::Modes{toFixed(rounding), toFixed(overflow)});
}

} // namespace hgq::hls4ml

namespace hgq {
namespace {

using hls4ml::kSchema;

class Emitter {
public:
  Emitter(llvm::json::OStream &json, const HardwareOptions &hardware)
      : json(json), hardware(hardware) {}
  LogicalResult emit(func::FuncOp function);

private:
  std::string nameFor(Operation *op, StringRef fallback) {
    std::string base = hgq::layerName(op);
    if (base.empty())
      base = fallback.str();
    return unique(base);
  }
  std::string unique(std::string base) {
    std::string name = base;
    for (int suffix = 1; used.count(name); ++suffix)
      name = base + "_" + std::to_string(suffix);
    used.insert(name);
    return name;
  }
  void shape(Value value) {
    json.attributeArray("shape", [&] {
      for (int64_t dim :
           cast<RankedTensorType>(value.getType()).getShape().drop_front())
        json.value(dim);
    });
  }
  void inputs(Operation *op) {
    json.attributeArray("inputs", [&] {
      for (Value operand : op->getOperands())
        json.value(names.lookup(operand));
    });
  }
  void array(StringRef key, ArrayRef<int64_t> shapeOf,
             llvm::function_ref<void()> data) {
    json.attributeObject(key, [&] {
      json.attributeArray("shape", [&] {
        for (int64_t dim : shapeOf)
          json.value(dim);
      });
      json.attributeArray("data", data);
    });
  }
  void floats(StringRef key, ElementsAttr attr) {
    array(key, cast<ShapedType>(attr.getType()).getShape(), [&] {
      for (float value : attr.getValues<float>()) {
        // JSON readers take "-0" for the integer 0: keep the sign of zero.
        if (value == 0 && std::signbit(value))
          json.rawValue("-0.0");
        else
          json.value(double(value));
      }
    });
  }
  void bits(StringRef key, DenseIntElementsAttr attr) {
    array(key, attr.getType().getShape(), [&] {
      for (int8_t value : attr.getValues<int8_t>())
        json.value(int64_t(value));
    });
  }
  void ints(StringRef key, ArrayRef<int64_t> values) {
    json.attributeArray(key, [&] {
      for (int64_t value : values)
        json.value(value);
    });
  }
  /// The dialect's exact format, and hls4ml's keep_negative/bits/integers.
  void format(FixedAttr format, ArrayRef<int64_t> features);
  /// Precision strings from the recorded per-tensor types, and the layer's
  /// other recorded figures.
  void recorded(Operation *op, const std::string &name,
                std::map<std::string, std::string> extra = {});
  /// sigmoid/tanh/softmax: the table precisions and size of the algorithm
  /// docs/activations.md defines, and a warning that hls4ml's own tables
  /// differ; other functions hls4ml cannot compute exactly: a warning.
  std::map<std::string, std::string> activationTables(ActivationOp op);
  LogicalResult writeLayer(Operation *op, const std::string &name);
  void writeConfig(const HardwareOptions &hardware, StringRef ioType);

  llvm::json::OStream &json;
  const HardwareOptions &hardware;
  llvm::DenseMap<Value, std::string> names;
  std::set<std::string> used;
  std::map<std::string, std::map<std::string, std::string>> precisions;
  std::map<std::string, int64_t> parallelFactors;
  /// The function is a proxy: what hls4ml loads.
  bool proxy = false;
};

void Emitter::format(FixedAttr attr, ArrayRef<int64_t> features) {
  json.attributeObject("format", [&] {
    bits("k", attr.getK());
    bits("i", attr.getI());
    bits("f", attr.getF());
    json.attribute("rounding", stringifyRoundingMode(attr.getRounding()));
    json.attribute("overflow", stringifyOverflowMode(attr.getOverflow()));
  });
  SmallVector<int64_t> bitsShape = attr.getBitsShape();
  SmallVector<fixed::Format> formats = expandFormats(attr, bitsShape);
  array("keep_negative", bitsShape, [&] {
    for (const fixed::Format &f : formats)
      json.value(int64_t(f.keepNegative));
  });
  array("bits", bitsShape, [&] {
    for (const fixed::Format &f : formats)
      json.value(int64_t(f.width()));
  });
  array("integers", bitsShape, [&] {
    for (const fixed::Format &f : formats)
      json.value(int64_t(f.keepNegative + f.integerBits));
  });
  json.attribute("RND", stringifyRoundingMode(attr.getRounding()));
  json.attribute("SAT", stringifyOverflowMode(attr.getOverflow()));
}

void Emitter::recorded(Operation *op, const std::string &name,
                       std::map<std::string, std::string> strings) {
  // hgq.result_t -> "result", as hls4ml names the precisions.
  for (StringRef attrName : proxyTypeAttrNames())
    if (auto type = op->getAttrOfType<FixedAttr>(attrName))
      if (type.isUniform())
        strings[attrName.drop_front(4).drop_back(2).str()] =
            hls4ml::precisionString(expandFormats(type, {})[0],
                                    type.getRounding(), type.getOverflow());
  if (!strings.empty()) {
    json.attributeObject("precision", [&] {
      for (const auto &[key, value] : strings)
        json.attribute(key, value);
    });
    precisions[name] = strings;
  }
  for (StringRef figure : {HGQDialect::BopsAttrHelper::getNameStr(),
                           HGQDialect::BopsPerPositionAttrHelper::getNameStr(),
                           HGQDialect::EbopsAttrHelper::getNameStr()})
    if (auto value = op->getAttrOfType<FloatAttr>(figure))
      json.attribute(figure.drop_front(4), value.getValueAsDouble());
}

std::map<std::string, std::string> Emitter::activationTables(ActivationOp op) {
  StringRef fn = op.getFn();
  std::map<std::string, std::string> tables;
  auto precision = [](const std::vector<int64_t> &entries) {
    return hls4ml::precisionString(fixed::tableFormat(entries),
                                   RoundingMode::TRN, OverflowMode::WRAP);
  };
  if (fn == "sigmoid" || fn == "tanh") {
    tables["table"] = precision(fn == "sigmoid" ? fixed::sigmoidTable().entries
                                                : fixed::tanhTable().entries);
  } else if (fn == "softmax") {
    ArrayRef<int64_t> shape = op.getInput().getType().getShape();
    int64_t axis = op.getAxisAttr() ? op.getAxisAttr().getInt() : -1;
    if (axis < 0)
      axis += int64_t(shape.size());
    fixed::SoftmaxTables softmax = fixed::softmaxTables(shape[axis]);
    tables["exp_table"] = precision(softmax.exp);
    tables["inv_table"] = precision(softmax.reciprocal);
  } else if (fn == "relu" || fn == "linear") {
    return tables;
  }
  if (!tables.empty())
    op.emitWarning() << "--emit-hls4ml: hls4ml computes '" << fn
                     << "' with its own tables, which differ from the "
                        "algorithm hgq-run and --emit-hls use "
                        "(docs/activations.md): the firmware hls4ml builds "
                        "from this document will not equal hgq-run bit for "
                        "bit; lower the activation to a lookup table "
                        "(--hgq-lower-unary-lut) where its input is narrow "
                        "enough";
  else
    op.emitWarning() << "--emit-hls4ml: hls4ml has no bit-exact '" << fn
                     << "'; lower it to a lookup table "
                        "(--hgq-lower-unary-lut) to keep the model exact";
  return tables;
}

/// One layer entry of the document.
LogicalResult Emitter::writeLayer(Operation *op, const std::string &name) {
  std::map<std::string, std::string> extra;
  auto layer = [&](StringRef className, llvm::function_ref<void()> body) {
    json.object([&] {
      json.attribute("name", name);
      json.attribute("class_name", className);
      inputs(op);
      shape(op->getResult(0));
      body();
      recorded(op, name, extra);
    });
  };
  if (!isProxyLevel(op))
    return op->emitOpError()
           << "is at layer level ("
           << (isa<SignatureOp>(op) ? "a signature" : "an HGQ quantizer")
           << "); run hgq-to-proxy before --emit-hls4ml";
  LogicalResult result = success();
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](QuantizeOp quantize) {
        layer("FixedPointQuantizer", [&] {
          format(quantize.getFormatAttr(),
                 cast<RankedTensorType>(quantize.getType()).getShape());
        });
      })
      .Case([&](DenseOp dense) {
        layer("Dense", [&] {
          auto kernel = cast<ShapedType>(dense.getKernel().getType());
          json.attribute("n_in", kernel.getDimSize(0));
          json.attribute("n_out", kernel.getDimSize(1));
          json.attribute("activation",
                         stringifyLayerActivation(dense.getActivation()));
          json.attributeObject("weights", [&] {
            floats("kernel", dense.getKernel());
            if (ElementsAttr bias = dense.getBiasAttr())
              floats("bias", bias);
          });
        });
      })
      .Case([&](ConvOp conv) {
        layer(conv.getSpatialRank() == 1 ? "Conv1D" : "Conv2D", [&] {
          ints("strides", conv.getStrideValues());
          ints("dilations", conv.getDilationValues());
          ints("pads", conv.getPadValues());
          json.attribute("groups", int64_t(conv.getGroups()));
          json.attribute("parallelization_factor",
                         int64_t(conv.getParallelFactor()));
          json.attribute("activation",
                         stringifyLayerActivation(conv.getActivation()));
          parallelFactors[name] = int64_t(conv.getParallelFactor());
          json.attributeObject("weights", [&] {
            floats("kernel", conv.getKernel());
            if (ElementsAttr bias = conv.getBiasAttr())
              floats("bias", bias);
          });
        });
      })
      .Case([&](ActivationOp activation) {
        // hls4ml's Activation layer knows these functions; any other name
        // in a proxy would not load.
        static const std::set<StringRef> known = {
            "linear", "relu",     "leaky_relu",   "sigmoid",
            "tanh",   "softmax",  "hard_sigmoid", "elu",
            "selu",   "softplus", "softsign"};
        if (proxy && !known.count(activation.getFn())) {
          activation.emitOpError()
              << "--emit-hls4ml: hls4ml has no activation '"
              << activation.getFn()
              << "'; lower it to a lookup table (hgq-opt "
                 "--hgq-lower-unary-lut, which needs a quantizer after it) "
                 "so that the document has a UnaryLUT hls4ml can load";
          result = failure();
          return;
        }
        extra = activationTables(activation);
        layer("Activation", [&] {
          if (!extra.empty())
            json.attribute("table_size", int64_t(1) << fixed::kTableIndexBits);
          json.attribute("activation", activation.getFn());
          if (auto alpha = activation.getAlphaAttr())
            json.attribute("alpha", alpha.getValueAsDouble());
          if (auto beta = activation.getBetaAttr())
            json.attribute("beta", beta.getValueAsDouble());
          if (auto gamma = activation.getGammaAttr())
            json.attribute("gamma", gamma.getValueAsDouble());
          if (auto axis = activation.getAxisAttr())
            json.attribute("axis", axis.getInt());
        });
      })
      .Case([&](UnaryLutOp lut) {
        layer("UnaryLUT", [&] {
          floats("table", lut.getTable());
          json.attribute(
              "table_size",
              cast<ShapedType>(lut.getTable().getType()).getNumElements());
          if (auto fn = lut.getFn())
            json.attribute("function", *fn);
          json.attributeObject("input_format",
                               [&] { format(lut.getInputFormat(), {}); });
        });
      })
      .Case([&](AddOp add) {
        layer("Merge", [&] { json.attribute("op", "add"); });
      })
      .Case<MaxPoolOp, AvgPoolOp>([&](auto pool) {
        bool average = isa<AvgPoolOp>(pool.getOperation());
        layer(pool.getSpatialRank() == 1 ? "Pooling1D" : "Pooling2D", [&] {
          json.attribute("pool_op", average ? "Average" : "Max");
          ints("pool_size", pool.getWindow());
          ints("strides", pool.getStrideValues());
          ints("pads", pool.getPadValues());
        });
      })
      .Case([&](ConcatOp concat) {
        layer("Concatenate",
              [&] { json.attribute("axis", concat.getAxisAttr().getInt()); });
      })
      .Case([&](ReshapeOp) {
        layer("Reshape", [&] { json.attribute("flatten", false); });
      })
      .Case([&](FlattenOp) {
        layer("Reshape", [&] { json.attribute("flatten", true); });
      })
      .Case([&](TransposeOp transpose) {
        layer("Transpose", [&] { ints("perm", transpose.getPermutation()); });
      })
      .Case([&](BatchNormOp batchNorm) {
        layer("BatchNormalization", [&] {
          json.attribute("epsilon", batchNorm.getEpsilon().convertToDouble());
          json.attributeObject("weights", [&] {
            floats("gamma", batchNorm.getGamma());
            floats("beta", batchNorm.getBeta());
            floats("mean", batchNorm.getMean());
            floats("variance", batchNorm.getVariance());
          });
        });
      })
      .Case([&](RescaleOp rescale) {
        layer("Rescale", [&] {
          floats("scale", rescale.getScale());
          json.attribute("divide", rescale.getDivide());
        });
      })
      .Default([&](Operation *other) {
        other->emitOpError() << "has no hls4ml equivalent (--emit-hls4ml "
                                "takes proxy-level hgq ops)";
        result = failure();
      });
  return result;
}

/// hls4ml's configuration: bit-exact, the hardware options, and each
/// layer's recorded precisions.
void Emitter::writeConfig(const HardwareOptions &hardware, StringRef ioType) {
  json.attributeObject("config", [&] {
    json.attributeObject("Model", [&] {
      json.attribute("Precision", "fixed<16,6>");
      json.attribute("ReuseFactor", hardware.reuseFactor);
      json.attribute("Strategy",
                     hardware.strategy == "resource" ? "Resource" : "Latency");
      json.attribute("BitExact", true);
    });
    json.attribute("IOType", ioType);
    json.attributeObject("LayerName", [&] {
      for (const auto &[name, strings] : precisions)
        json.attributeObject(name, [&, name = name] {
          json.attributeObject("Precision", [&] {
            for (const auto &[key, value] : strings)
              json.attribute(key, value);
          });
          auto factor = parallelFactors.find(name);
          if (factor != parallelFactors.end())
            json.attribute("ParallelizationFactor", factor->second);
        });
    });
  });
}

LogicalResult Emitter::emit(func::FuncOp function) {
  LogicalResult result = success();
  proxy = isProxyFunction(function);
  json.attribute("schema", kSchema);
  json.attribute("model", function.getSymName());
  json.attributeArray("layers", [&] {
    for (BlockArgument argument : function.getArguments()) {
      std::string name = argumentName(argument);
      name = unique(name.empty()
                        ? "input_" + std::to_string(argument.getArgNumber())
                        : name);
      names[argument] = name;
      json.object([&] {
        json.attribute("name", name);
        json.attribute("class_name", "InputLayer");
        shape(argument);
        if (auto layout = function.getArgAttrOfType<DenseI64ArrayAttr>(
                argument.getArgNumber(),
                HGQDialect::LayoutAttrHelper::getNameStr()))
          ints("layout", layout.asArrayRef());
      });
    }
    for (Operation &operation : function.getBody().front()) {
      Operation *op = &operation;
      if (isa<func::ReturnOp>(op))
        continue;
      std::string name = nameFor(op, op->getName().stripDialect());
      if (op->getNumResults() == 1)
        names[op->getResult(0)] = name;
      if (failed(writeLayer(op, name)))
        result = failure();
    }
  });
  auto returnOp = cast<func::ReturnOp>(function.getBody().front().back());
  json.attributeArray("outputs", [&] {
    for (auto [index, value] : llvm::enumerate(returnOp.getOperands()))
      json.object([&] {
        json.attribute("name", names.lookup(value));
        if (auto layout = function.getResultAttrOfType<DenseI64ArrayAttr>(
                index, HGQDialect::LayoutAttrHelper::getNameStr()))
          ints("layout", layout.asArrayRef());
      });
  });
  // The IO type: --io-type when given, else the one the proxy was
  // converted for (hgq-to-proxy records it), else io_parallel.
  std::string ioType = hardware.ioType;
  if (!hardware.ioTypeGiven)
    if (auto recorded =
            function->getParentOfType<ModuleOp>()->getAttrOfType<StringAttr>(
                HGQDialect::IoTypeAttrHelper::getNameStr()))
      ioType = recorded.str();
  writeConfig(hardware, ioType);
  return result;
}

} // namespace

LogicalResult emitHls4ml(ModuleOp module, raw_ostream &os) {
  return emitHls4ml(module, os, hardwareOptions());
}

LogicalResult emitHls4ml(ModuleOp module, raw_ostream &os,
                         const HardwareOptions &hardware) {
  func::FuncOp function = findEntryFunction(module);
  if (!function)
    return module.emitError() << "--emit-hls4ml needs one function, or @main";
  if (hardware.ioType != "io_parallel" && hardware.ioType != "io_stream")
    return module.emitError() << "--emit-hls4ml: io-type must be io_parallel "
                                 "or io_stream, got '"
                              << hardware.ioType << "'";
  if (hardware.reuseFactor < 1)
    return module.emitError() << "--emit-hls4ml: reuse-factor must be at "
                                 "least 1, got "
                              << hardware.reuseFactor;
  if (hardware.strategy != "latency" && hardware.strategy != "resource")
    return module.emitError() << "--emit-hls4ml: strategy must be latency or "
                                 "resource, got '"
                              << hardware.strategy << "'";
  std::string text;
  llvm::raw_string_ostream buffer(text);
  llvm::json::OStream json(buffer, 1);
  LogicalResult result = success();
  json.object([&] { result = Emitter(json, hardware).emit(function); });
  if (failed(result))
    return failure();
  os << text << "\n";
  return success();
}

} // namespace hgq

void hgq::registerHls4mlExportTranslation() {
  registerModuleEmitter("emit-hls4ml",
                        "write a proxy-level model as the hls4ml document "
                        "(JSON, docs/hls4ml-format.md)",
                        emitHls4ml);
}
