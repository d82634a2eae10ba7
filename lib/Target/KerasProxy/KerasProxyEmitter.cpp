//===- KerasProxyEmitter.cpp - Proxy IR as HGQ's Keras HDF5 proxy ---------===//
//
// The inverse of the Keras reader's proxy half: one Keras layer per op of
// the entry function, in a Functional model_config (Keras 2 legacy
// serialization), and the weights under model_weights/<layer>/<layer>/
// <weight>:0 in float32, as HGQ's to_proxy_model(...).save() leaves them:
// quantizers as FixedPointQuantizer with keep_negative/bits/integers arrays
// shaped (1, features...) (1 where the format is shared), Dense and Conv
// kernels in Keras's (channels-last) order, which is the dialect's. The file
// is built in memory with HDF5's core driver and written in one piece.
// Anything Keras cannot express (explicit pads that are neither 'valid' nor
// 'same', activations with parameters, float ops) is refused naming the op.
//
//===----------------------------------------------------------------------===//

#include "hgq/Dialect/EntryFunction.h"
#include "hgq/Dialect/HGQ.h"
#include "hgq/Fixed/Range.h"
#include "hgq/Support/Keras.h"
#include "hgq/Target/KerasProxy.h"
#include "hgq/Target/Translation.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <set>

using namespace mlir;
namespace json = llvm::json;

namespace hgq {
namespace {

/// One weight of a layer (float32, as Keras keeps them).
struct Weight {
  std::string name; ///< "kernel", written as "kernel:0"
  std::vector<int64_t> shape;
  std::vector<float> values;
  bool int8 = false; ///< HGQ keeps quantizer bit counts as int8 variables
};

/// One layer of the model config.
struct KerasLayer {
  std::string name;
  std::string className;
  json::Object config;
  std::vector<std::string> inputs;
  std::vector<Weight> weights;
};

json::Array ints(ArrayRef<int64_t> values) {
  json::Array array;
  for (int64_t value : values)
    array.push_back(value);
  return array;
}

class Writer {
public:
  explicit Writer(func::FuncOp function) : function(function) {}
  /// The model config and weights; failure after a diagnostic.
  LogicalResult collect();
  /// The HDF5 file's bytes.
  FailureOr<std::string> write();

private:
  std::string uniqueName(std::string base);
  /// The layer that computes `value`.
  std::string producerOf(Value value) { return producers.lookup(value); }
  KerasLayer &add(Operation *op, StringRef className, ValueRange inputs);
  LogicalResult layer(Operation *op);
  LogicalResult quantizer(QuantizeOp op);
  LogicalResult linear(LayerOpInterface op);
  /// 'valid' or 'same' for explicit pads, or failure after a diagnostic.
  FailureOr<std::string> padding(Operation *op, ArrayRef<int64_t> input,
                                 ArrayRef<int64_t> window,
                                 ArrayRef<int64_t> strides,
                                 ArrayRef<int64_t> dilations,
                                 ArrayRef<int64_t> pads);

  func::FuncOp function;
  std::vector<KerasLayer> layers;
  llvm::DenseMap<Value, std::string> producers;
  std::set<std::string> used;
  /// Convolutions with a parallel_factor no quantizer after them carries.
  std::set<std::string> uncarried;
};

std::string Writer::uniqueName(std::string base) {
  // HDF5 group names cannot hold '/': a nested model's "inner/dense"
  // becomes "inner_dense".
  for (char &c : base)
    if (c == '/')
      c = '_';
  if (base.empty())
    base = "layer";
  std::string name = base;
  for (int suffix = 1; used.count(name); ++suffix)
    name = base + "_" + std::to_string(suffix);
  used.insert(name);
  return name;
}

KerasLayer &Writer::add(Operation *op, StringRef className, ValueRange inputs) {
  std::string base = layerName(op);
  if (base.empty())
    base = op->getName().stripDialect().str();
  KerasLayer layer;
  layer.name = uniqueName(base);
  layer.className = className.str();
  layer.config["name"] = layer.name;
  layer.config["trainable"] = false;
  layer.config["dtype"] = "float32";
  for (Value input : inputs)
    layer.inputs.push_back(producerOf(input));
  for (Value result : op->getResults())
    producers[result] = layer.name;
  layers.push_back(std::move(layer));
  return layers.back();
}

FailureOr<std::string> Writer::padding(Operation *op, ArrayRef<int64_t> input,
                                       ArrayRef<int64_t> window,
                                       ArrayRef<int64_t> strides,
                                       ArrayRef<int64_t> dilations,
                                       ArrayRef<int64_t> pads) {
  if (llvm::all_of(pads, [](int64_t pad) { return pad == 0; }))
    return std::string("valid");
  if (ArrayRef(samePads(input, window, strides, dilations)) != pads)
    return op->emitOpError() << "--emit-keras-proxy: pads " << shapeString(pads)
                             << " are neither Keras's 'valid' nor its 'same'";
  return std::string("same");
}

LogicalResult Writer::quantizer(QuantizeOp op) {
  FixedAttr format = op.getFormatAttr();
  if (!format)
    return op.emitOpError() << "--emit-keras-proxy: the model is at layer "
                               "level; run hgq-opt --hgq-proxy-pipeline first";
  KerasLayer &layer = add(op, "HGQ>FixedPointQuantizer", op.getInput());
  layer.config["RND"] = stringifyRoundingMode(format.getRounding()).str();
  layer.config["SAT"] = stringifyOverflowMode(format.getOverflow()).str();
  // HGQ marks a quantizer fusible into the layer before it when it is one
  // format for the tensor and that layer feeds nothing else.
  Operation *producer = op.getInput().getDefiningOp();
  layer.config["fusible"] =
      format.isUniform() && producer && op.getInput().hasOneUse();
  // The arrays, shaped (1, features...) with 1 where the format is shared
  // ((1,) for one format), as kbi: keep_negative, bits, integers.
  ArrayRef<int64_t> features = featuresOf(op.getInput());
  SmallVector<int64_t> shape = format.getBitsShape();
  std::vector<int64_t> own(
      features.size() - std::min(features.size(), shape.size()), 1);
  own.insert(own.end(), shape.begin(), shape.end());
  if (shape.empty())
    own.clear();
  std::vector<int64_t> written{1};
  written.insert(written.end(), own.begin(), own.end());
  std::vector<float> keep, bits, integers;
  for (const fixed::Format &element : expandFormats(format, own)) {
    // HGQ zeroes keep_negative and integers of a dead (zero-bit) element.
    bool dead = element.isDead();
    keep.push_back(dead ? 0.0f : float(element.keepNegative));
    bits.push_back(float(element.width()));
    integers.push_back(
        dead ? 0.0f : float(element.keepNegative + element.integerBits));
  }
  layer.config["shape"] = ints(written);
  layer.weights.push_back({"keep_negative", written, keep, true});
  layer.weights.push_back({"bits", written, bits, true});
  layer.weights.push_back({"integers", written, integers, true});
  // HGQ's overrides for the layer before a quantizer: the accumulation
  // multiplicity (kernel size over outputs) and a convolution's
  // parallelization factor.
  if (auto source = op.getInput().getDefiningOp<LayerOpInterface>()) {
    auto kernel = cast<ShapedType>(source.getKernel().getType());
    std::string name = producerOf(op.getInput());
    json::Object entry{{"_accum_multiplicity",
                        kernel.getNumElements() / kernel.getShape().back()}};
    if (auto conv = dyn_cast<ConvOp>(source.getOperation()))
      entry["parallelization_factor"] = conv.getParallelFactor();
    uncarried.erase(name);
    json::Object entries;
    entries[name] = std::move(entry);
    layer.config["overrides"] = json::Object{{"layers", std::move(entries)}};
  }
  return success();
}

LogicalResult Writer::linear(LayerOpInterface op) {
  if (op.getKernelQuantizerAttr() || op.getQuantizerAttr())
    return op->emitOpError() << "--emit-keras-proxy: the model is at layer "
                                "level; run hgq-opt --hgq-proxy-pipeline first";
  auto conv = dyn_cast<ConvOp>(op.getOperation());
  auto kernelType = cast<ShapedType>(op.getKernel().getType());
  int64_t outputs = kernelType.getShape().back();
  KerasLayer &layer = add(
      op, conv ? (conv.getSpatialRank() == 1 ? "Conv1D" : "Conv2D") : "Dense",
      op.getInput());
  layer.config["activation"] =
      op.getActivation() == LayerActivation::relu ? "relu" : "linear";
  layer.config["use_bias"] = bool(op.getBiasAttr());
  if (!conv) {
    layer.config["units"] = outputs;
  } else {
    ArrayRef<int64_t> window = kernelType.getShape().drop_back(2);
    FailureOr<std::string> pad = padding(
        op, featuresOf(op.getInput()).drop_back(), window,
        conv.getStrideValues(), conv.getDilationValues(), conv.getPadValues());
    if (failed(pad))
      return failure();
    layer.config["filters"] = outputs;
    layer.config["kernel_size"] = ints(window);
    layer.config["strides"] = ints(conv.getStrideValues());
    layer.config["padding"] = *pad;
    layer.config["data_format"] = "channels_last";
    layer.config["dilation_rate"] = ints(conv.getDilationValues());
    layer.config["groups"] = conv.getGroups();
    if (conv.getParallelFactor() != 1)
      uncarried.insert(layer.name);
  }
  layer.weights.push_back({"kernel",
                           std::vector<int64_t>(kernelType.getShape().begin(),
                                                kernelType.getShape().end()),
                           floatsOf(op.getKernel())});
  if (ElementsAttr bias = op.getBiasAttr())
    layer.weights.push_back({"bias", {outputs}, floatsOf(bias)});
  return success();
}

LogicalResult Writer::layer(Operation *op) {
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](QuantizeOp o) { return quantizer(o); })
      .Case([&](LayerOpInterface o) { return linear(o); })
      .Case<MaxPoolOp, AvgPoolOp>([&](Operation *o) -> LogicalResult {
        auto max = dyn_cast<MaxPoolOp>(o);
        auto avg = dyn_cast<AvgPoolOp>(o);
        ArrayRef<int64_t> window = max ? max.getWindow() : avg.getWindow();
        SmallVector<int64_t> strides =
            max ? max.getStrideValues() : avg.getStrideValues();
        SmallVector<int64_t> pads =
            max ? max.getPadValues() : avg.getPadValues();
        SmallVector<int64_t> ones(window.size(), 1);
        FailureOr<std::string> pad =
            padding(o, featuresOf(o->getOperand(0)).drop_back(), window,
                    strides, ones, pads);
        if (failed(pad))
          return failure();
        std::string kind = max ? "MaxPooling" : "AveragePooling";
        KerasLayer &layer = add(o, kind + std::to_string(window.size()) + "D",
                                o->getOperand(0));
        layer.config["pool_size"] = ints(window);
        layer.config["strides"] = ints(strides);
        layer.config["padding"] = *pad;
        layer.config["data_format"] = "channels_last";
        return success();
      })
      .Case([&](ActivationOp o) -> LogicalResult {
        const auto &names = keras::activationNames();
        auto found = llvm::find_if(names, [&](const auto &entry) {
          return entry.second == o.getFn();
        });
        int64_t rank = o.getInput().getType().getRank();
        bool lastAxis = !o.getAxisAttr() || o.getAxisAttr().getInt() == -1 ||
                        o.getAxisAttr().getInt() == rank - 1;
        if (found == names.end() || o.getAlphaAttr() || o.getBetaAttr() ||
            o.getGammaAttr() || !lastAxis || o.getQuantizerAttr())
          return o.emitOpError()
                 << "--emit-keras-proxy: activation '" << o.getFn()
                 << "' (or its parameters) has no Keras Activation layer; "
                    "lower it to a lookup table (--hgq-lower-unary-lut)";
        KerasLayer &layer = add(o, "Activation", o.getInput());
        layer.config["activation"] = found->first;
        return success();
      })
      .Case([&](UnaryLutOp o) -> LogicalResult {
        KerasLayer &layer = add(o, "HGQ>UnaryLUT", o.getInput());
        if (o.getFnAttr())
          layer.config["function"] = o.getFnAttr().str();
        std::vector<float> table = floatsOf(o.getTable());
        // HGQ's constructor arguments: the (k, i, f) of the index and of
        // the entries.
        fixed::Format in = expandFormats(o.getInputFormat(), {})[0];
        std::vector<double> entries(table.begin(), table.end());
        std::optional<fixed::Format> out =
            fixed::minimalContainer(entries.data(), entries.size());
        if (!out)
          return o.emitOpError() << "--emit-keras-proxy: a table entry has "
                                    "no fixed-point format";
        layer.config["kif_in"] =
            json::Array{in.keepNegative, in.integerBits, in.fractionalBits};
        layer.config["kif_out"] = json::Array{
            out->keepNegative, out->integerBits, out->fractionalBits};
        layer.weights.push_back(
            {"table", {int64_t(table.size())}, std::move(table)});
        return success();
      })
      .Case([&](AddOp o) -> LogicalResult {
        if (o->getAttr("quantizer"))
          return o.emitOpError() << "--emit-keras-proxy: the model is at "
                                    "layer level; run hgq-opt "
                                    "--hgq-proxy-pipeline first";
        add(o, "Add", {o.getLhs(), o.getRhs()});
        return success();
      })
      .Case([&](ConcatOp o) -> LogicalResult {
        KerasLayer &layer = add(o, "Concatenate", o.getInputs());
        layer.config["axis"] = int64_t(o.getAxis());
        return success();
      })
      .Case([&](FlattenOp o) -> LogicalResult {
        KerasLayer &layer = add(o, "Flatten", o.getInput());
        layer.config["data_format"] = "channels_last";
        return success();
      })
      .Case([&](ReshapeOp o) -> LogicalResult {
        KerasLayer &layer = add(o, "Reshape", o.getInput());
        layer.config["target_shape"] = ints(featuresOf(o.getOutput()));
        return success();
      })
      .Case([&](TransposeOp o) -> LogicalResult {
        KerasLayer &layer = add(o, "Permute", o.getInput());
        layer.config["dims"] = ints(o.getPermutation().drop_front());
        return success();
      })
      .Case([&](func::ReturnOp) { return success(); })
      .Default([&](Operation *o) {
        return o->emitOpError() << "--emit-keras-proxy: no Keras proxy layer "
                                   "for this op (HGQ's proxy models hold "
                                   "quantizers, dense, conv, pooling, "
                                   "activations, lookup tables, add, concat "
                                   "and shape layers)";
      });
}

LogicalResult Writer::collect() {
  if (failed(requireStaticInputs(function, "--emit-keras-proxy")))
    return failure();
  for (BlockArgument argument : function.getArguments()) {
    auto type = cast<RankedTensorType>(argument.getType());
    std::string base = argumentName(argument);
    if (base.empty())
      base = "input_" + std::to_string(argument.getArgNumber() + 1);
    KerasLayer layer;
    layer.name = uniqueName(base);
    layer.className = "InputLayer";
    json::Array shape;
    shape.push_back(nullptr);
    for (int64_t dim : type.getShape().drop_front())
      shape.push_back(dim);
    layer.config["batch_input_shape"] = std::move(shape);
    layer.config["dtype"] = "float32";
    layer.config["sparse"] = false;
    layer.config["ragged"] = false;
    layer.config["name"] = layer.name;
    producers[argument] = layer.name;
    layers.push_back(std::move(layer));
  }
  for (Operation &op : function.getBody().front())
    if (failed(layer(&op)))
      return failure();
  // HGQ carries a convolution's parallelization factor in the overrides of
  // the quantizer after it.
  if (!uncarried.empty())
    return function.emitOpError()
           << "--emit-keras-proxy: convolution '" << *uncarried.begin()
           << "' has a parallel_factor but no quantizer after it to carry it";
  return success();
}

using keras::Handle;

bool writeString(hid_t object, const char *name, const std::string &text) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  if (!type || H5Tset_size(type.id, std::max<size_t>(text.size(), 1)) < 0)
    return false;
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attribute(
      H5Acreate2(object, name, type.id, space.id, H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose);
  return attribute && H5Awrite(attribute.id, type.id, text.c_str()) >= 0;
}

/// A fixed-length string array attribute, as h5py writes numpy bytes arrays.
bool writeStrings(hid_t object, const char *name,
                  const std::vector<std::string> &texts) {
  size_t width = 1;
  for (const std::string &text : texts)
    width = std::max(width, text.size());
  std::vector<char> data(width * std::max<size_t>(texts.size(), 1), '\0');
  for (size_t index = 0; index < texts.size(); ++index)
    std::copy(texts[index].begin(), texts[index].end(),
              data.begin() + index * width);
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  if (!type || H5Tset_size(type.id, width) < 0 ||
      H5Tset_strpad(type.id, H5T_STR_NULLPAD) < 0)
    return false;
  hsize_t count = texts.size();
  Handle space(H5Screate_simple(1, &count, nullptr), H5Sclose);
  Handle attribute(
      H5Acreate2(object, name, type.id, space.id, H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose);
  return attribute &&
         (texts.empty() || H5Awrite(attribute.id, type.id, data.data()) >= 0);
}

FailureOr<std::string> Writer::write() {
  json::Array layerList, inputLayers, outputLayers;
  for (KerasLayer &layer : layers) {
    json::Object entry;
    entry["class_name"] = layer.className;
    entry["name"] = layer.name;
    json::Array node;
    for (const std::string &input : layer.inputs)
      node.push_back(json::Array{input, 0, 0, json::Object()});
    json::Array nodes;
    if (layer.className != "InputLayer")
      nodes.push_back(std::move(node));
    else
      inputLayers.push_back(json::Array{layer.name, 0, 0});
    entry["inbound_nodes"] = std::move(nodes);
    entry["config"] = json::Object(layer.config);
    layerList.push_back(std::move(entry));
  }
  auto returnOp = cast<func::ReturnOp>(function.getBody().front().back());
  for (Value value : returnOp.getOperands())
    outputLayers.push_back(json::Array{producerOf(value), 0, 0});
  json::Object config{{"name", function.getName().str()},
                      {"layers", std::move(layerList)},
                      {"input_layers", std::move(inputLayers)},
                      {"output_layers", std::move(outputLayers)}};
  json::Object model{{"class_name", "Functional"},
                     {"config", std::move(config)}};
  std::string modelConfig;
  llvm::raw_string_ostream(modelConfig) << json::Value(std::move(model));

  auto failure = [&](StringRef what) {
    return function.emitOpError()
           << "--emit-keras-proxy: the HDF5 library failed to " << what;
  };
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  // The core driver without a backing store: the file lives in memory.
  if (!access || H5Pset_fapl_core(access.id, 1 << 20, 0) < 0)
    return failure("set up an in-memory file");
  std::string bytes;
  {
    Handle file(
        H5Fcreate("keras-proxy.h5", H5F_ACC_TRUNC, H5P_DEFAULT, access.id),
        H5Fclose);
    if (!file || !writeString(file.id, "keras_version", "2.13.1") ||
        !writeString(file.id, "backend", "tensorflow") ||
        !writeString(file.id, "model_config", modelConfig))
      return failure("write the root attributes");
    Handle weights(H5Gcreate2(file.id, "model_weights", H5P_DEFAULT,
                              H5P_DEFAULT, H5P_DEFAULT),
                   H5Gclose);
    std::vector<std::string> names;
    for (const KerasLayer &layer : layers)
      names.push_back(layer.name);
    if (!weights || !writeStrings(weights.id, "layer_names", names) ||
        !writeString(weights.id, "keras_version", "2.13.1") ||
        !writeString(weights.id, "backend", "tensorflow"))
      return failure("write model_weights");
    Handle intermediate(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
    H5Pset_create_intermediate_group(intermediate.id, 1);
    for (const KerasLayer &layer : layers) {
      Handle group(H5Gcreate2(weights.id, layer.name.c_str(), H5P_DEFAULT,
                              H5P_DEFAULT, H5P_DEFAULT),
                   H5Gclose);
      std::vector<std::string> weightNames;
      for (const Weight &weight : layer.weights) {
        std::string path = layer.name + "/" + weight.name + ":0";
        weightNames.push_back(path);
        std::vector<hsize_t> dims(weight.shape.begin(), weight.shape.end());
        Handle space(H5Screate_simple(int(dims.size()), dims.data(), nullptr),
                     H5Sclose);
        Handle dataset(H5Dcreate2(group.id, path.c_str(),
                                  weight.int8 ? H5T_STD_I8LE : H5T_IEEE_F32LE,
                                  space.id, intermediate.id, H5P_DEFAULT,
                                  H5P_DEFAULT),
                       H5Dclose);
        if (!dataset || H5Dwrite(dataset.id, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL,
                                 H5P_DEFAULT, weight.values.data()) < 0)
          return failure("write weight '" + path + "'");
      }
      if (!group || !writeStrings(group.id, "weight_names", weightNames))
        return failure("write the group of layer '" + layer.name + "'");
    }
    if (H5Fflush(file.id, H5F_SCOPE_GLOBAL) < 0)
      return failure("flush the file");
    ssize_t size = H5Fget_file_image(file.id, nullptr, 0);
    if (size <= 0)
      return failure("read the file image");
    bytes.resize(size_t(size));
    if (H5Fget_file_image(file.id, bytes.data(), bytes.size()) != size)
      return failure("read the file image");
  }
  return bytes;
}

} // namespace

LogicalResult emitKerasProxy(ModuleOp module, llvm::raw_ostream &os) {
  func::FuncOp function = findEntryFunction(module);
  if (!function)
    return failure();
  for (Operation &op : function.getBody().front())
    if (!isProxyLevel(&op))
      return op.emitOpError() << "--emit-keras-proxy: the model is at layer "
                                 "level (HGQ quantizers without explicit "
                                 "formats); run hgq-opt --hgq-proxy-pipeline "
                                 "first";
  Writer writer(function);
  if (failed(writer.collect()))
    return failure();
  FailureOr<std::string> bytes = writer.write();
  if (failed(bytes))
    return failure();
  os << *bytes;
  return success();
}

void registerKerasProxyExportTranslation() {
  registerModuleEmitter("emit-keras-proxy",
                        "write a proxy-level model as the Keras HDF5 proxy "
                        "model HGQ saves (docs/keras-proxy.md), which "
                        "hls4ml's Keras frontend reads",
                        emitKerasProxy);
}

} // namespace hgq
