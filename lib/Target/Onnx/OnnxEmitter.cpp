//===- OnnxEmitter.cpp - Proxy IR as an ONNX model ------------------------===//
//
// ONNX tensors here are the dialect's tensors, in its (channels-last)
// layout, graph inputs and outputs included; convolutions, pools and batch
// normalizations get Transpose nodes to ONNX's channels-first order and
// back, which --import-onnx relabels without moving data, so a round trip
// gives back the same ops. What ONNX cannot say (per-op types and BOPs, the
// ONNX layout the model came from) is kept in metadata_props as MLIR
// attribute text, which --import-onnx restores.
//
//===----------------------------------------------------------------------===//

#include "hgq/Dialect/HGQ.h"
#include "hgq/Import/OnnxModel.h"
#include "hgq/Support/Permute.h"
#include "hgq/Target/OnnxExport.h"
#include "hgq/Target/Translation.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "onnx/onnx_pb.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>
#include <map>
#include <set>

using namespace mlir;

namespace hgq {
namespace {

/// The ONNX op type of each named activation, inverse of the importer's.
const std::map<std::string, std::string> &onnxActivations() {
  static const std::map<std::string, std::string> names = {
      {"relu", "Relu"},
      {"leaky_relu", "LeakyRelu"},
      {"sigmoid", "Sigmoid"},
      {"tanh", "Tanh"},
      {"hard_sigmoid", "HardSigmoid"},
      {"elu", "Elu"},
      {"selu", "Selu"},
      {"softplus", "Softplus"},
      {"softsign", "Softsign"},
      {"exp", "Exp"},
      {"log", "Log"},
      {"abs", "Abs"},
      {"neg", "Neg"},
      {"sqrt", "Sqrt"},
      {"reciprocal", "Reciprocal"},
      {"sin", "Sin"},
      {"cos", "Cos"},
      {"tan", "Tan"},
      {"asin", "Asin"},
      {"acos", "Acos"},
      {"atan", "Atan"},
      {"sinh", "Sinh"},
      {"cosh", "Cosh"},
      {"asinh", "Asinh"},
      {"acosh", "Acosh"},
      {"atanh", "Atanh"},
      {"erf", "Erf"},
      {"sign", "Sign"},
      {"floor", "Floor"},
      {"ceil", "Ceil"},
      {"round", "Round"},
      {"hard_swish", "HardSwish"},
  };
  return names;
}

class Writer {
public:
  explicit Writer(onnx::ModelProto &model)
      : model(model), graph(*model.mutable_graph()) {}
  LogicalResult write(func::FuncOp function);

private:
  std::string fresh(const std::string &base) {
    std::string name = base;
    for (int suffix = 1; used.count(name); ++suffix)
      name = base + "_" + std::to_string(suffix);
    used.insert(name);
    return name;
  }
  onnx::NodeProto &node(const std::string &opType, const std::string &name,
                        std::vector<std::string> inputs,
                        std::vector<std::string> outputs,
                        const std::string &domain = "") {
    onnx::NodeProto &result = *graph.add_node();
    result.set_op_type(opType);
    result.set_name(name);
    result.set_domain(domain);
    for (const std::string &input : inputs)
      result.add_input(input);
    for (const std::string &output : outputs)
      result.add_output(output);
    return result;
  }
  static void intAttribute(onnx::NodeProto &node, const std::string &name,
                           int64_t value) {
    auto *attribute = node.add_attribute();
    attribute->set_name(name);
    attribute->set_type(onnx::AttributeProto::INT);
    attribute->set_i(value);
  }
  static void intsAttribute(onnx::NodeProto &node, const std::string &name,
                            ArrayRef<int64_t> values) {
    auto *attribute = node.add_attribute();
    attribute->set_name(name);
    attribute->set_type(onnx::AttributeProto::INTS);
    for (int64_t value : values)
      attribute->add_ints(value);
  }
  static void floatAttribute(onnx::NodeProto &node, const std::string &name,
                             float value) {
    auto *attribute = node.add_attribute();
    attribute->set_name(name);
    attribute->set_type(onnx::AttributeProto::FLOAT);
    attribute->set_f(value);
  }
  static void stringAttribute(onnx::NodeProto &node, const std::string &name,
                              const std::string &value) {
    auto *attribute = node.add_attribute();
    attribute->set_name(name);
    attribute->set_type(onnx::AttributeProto::STRING);
    attribute->set_s(value);
  }
  /// An initializer of float values.
  std::string floats(const std::string &name, ArrayRef<int64_t> shape,
                     ArrayRef<float> values) {
    onnx::TensorProto &tensor = *graph.add_initializer();
    std::string unique = fresh(name);
    tensor.set_name(unique);
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t dim : shape)
      tensor.add_dims(dim);
    tensor.set_raw_data(
        std::string(reinterpret_cast<const char *>(values.data()),
                    values.size() * sizeof(float)));
    return unique;
  }
  std::string int8s(const std::string &name, ArrayRef<int64_t> shape,
                    ArrayRef<int8_t> values) {
    onnx::TensorProto &tensor = *graph.add_initializer();
    std::string unique = fresh(name);
    tensor.set_name(unique);
    tensor.set_data_type(onnx::TensorProto::INT8);
    for (int64_t dim : shape)
      tensor.add_dims(dim);
    tensor.set_raw_data(std::string(
        reinterpret_cast<const char *>(values.data()), values.size()));
    return unique;
  }
  std::string int64s(const std::string &name, ArrayRef<int64_t> values) {
    onnx::TensorProto &tensor = *graph.add_initializer();
    std::string unique = fresh(name);
    tensor.set_name(unique);
    tensor.set_data_type(onnx::TensorProto::INT64);
    tensor.add_dims(int64_t(values.size()));
    tensor.set_raw_data(
        std::string(reinterpret_cast<const char *>(values.data()),
                    values.size() * sizeof(int64_t)));
    return unique;
  }
  std::string transpose(const std::string &input, const std::string &name,
                        ArrayRef<int64_t> permutation) {
    std::string output = fresh(name);
    intsAttribute(node("Transpose", output, {input}, {output}), "perm",
                  permutation);
    return output;
  }
  /// The value-info of a dialect value (batch dynamic).
  void valueInfo(onnx::ValueInfoProto &info, const std::string &name,
                 ArrayRef<int64_t> shape) {
    info.set_name(name);
    auto *tensor = info.mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(onnx::TensorProto::FLOAT);
    auto *dims = tensor->mutable_shape();
    for (auto [index, dim] : llvm::enumerate(shape)) {
      auto *entry = dims->add_dim();
      if (index == 0)
        entry->set_dim_param("batch");
      else
        entry->set_dim_value(dim);
    }
  }
  void recordAttributes(Operation *op, const std::string &name);
  void recordInterface(DictionaryAttr attributes, const std::string &key);
  void metadata(const std::string &key, Attribute value);
  LogicalResult quantize(QuantizeOp op, const std::string &name);
  LogicalResult layer(LayerOpInterface op, const std::string &name);

  onnx::ModelProto &model;
  onnx::GraphProto &graph;
  std::set<std::string> used;
  llvm::DenseMap<Value, std::string> names;
};

/// Channels-last to channels-first of a rank-r tensor, and back.
std::vector<int64_t> toChannelsFirst(int64_t rank) {
  std::vector<int64_t> permutation{0, rank - 1};
  for (int64_t d = 1; d < rank - 1; ++d)
    permutation.push_back(d);
  return permutation;
}
std::vector<int64_t> toChannelsLast(int64_t rank) {
  std::vector<int64_t> permutation{0};
  for (int64_t d = 2; d < rank; ++d)
    permutation.push_back(d);
  permutation.push_back(1);
  return permutation;
}

void Writer::recordAttributes(Operation *op, const std::string &name) {
  SmallVector<NamedAttribute> kept;
  for (NamedAttribute named : op->getDiscardableAttrs())
    if (named.getName().strref().starts_with("hgq."))
      kept.push_back(named);
  if (kept.empty())
    return;
  // The op name travels with the attributes: the importer may create
  // helper ops (a Transpose, a Reshape) that carry the same location name.
  MLIRContext *context = op->getContext();
  metadata(
      "hgq.attributes." + name,
      DictionaryAttr::get(
          context, {NamedAttribute(
                        StringAttr::get(context, "op"),
                        StringAttr::get(context, op->getName().getStringRef())),
                    NamedAttribute(StringAttr::get(context, "attributes"),
                                   DictionaryAttr::get(context, kept))}));
}

void Writer::recordInterface(DictionaryAttr attributes,
                             const std::string &key) {
  if (!attributes || attributes.empty())
    return;
  SmallVector<NamedAttribute> kept;
  for (NamedAttribute named : attributes)
    if (named.getName().strref().starts_with("hgq."))
      kept.push_back(named);
  if (!kept.empty())
    metadata(key, DictionaryAttr::get(attributes.getContext(), kept));
}

void Writer::metadata(const std::string &key, Attribute value) {
  std::string text;
  llvm::raw_string_ostream stream(text);
  value.print(stream);
  auto *entry = model.add_metadata_props();
  entry->set_key(key);
  entry->set_value(text);
}

LogicalResult Writer::quantize(QuantizeOp op, const std::string &name) {
  FixedAttr format = op.getFormatAttr();
  // keep_negative, bits = k+i+f and integers = k+i on the broadcast shape.
  SmallVector<int64_t> shape = format.getBitsShape();
  SmallVector<fixed::Format> formats = expandFormats(format, shape);
  std::vector<int8_t> keep, bits, integers;
  for (const fixed::Format &f : formats) {
    keep.push_back(int8_t(f.keepNegative));
    bits.push_back(int8_t(f.width()));
    integers.push_back(int8_t(f.keepNegative + f.integerBits));
  }
  // keep_negative keeps its own shape when it is one value.
  std::string keepName =
      format.getK().getType().getRank() == 0
          ? int8s(name + "/keep_negative", {},
                  {int8_t(*format.getK().getValues<int8_t>().begin())})
          : int8s(name + "/keep_negative", shape, keep);
  onnx::NodeProto &q = node("FixedPointQuantizer", name,
                            {names.lookup(op.getInput()), keepName,
                             int8s(name + "/bits", shape, bits),
                             int8s(name + "/integers", shape, integers)},
                            {name}, "hgq");
  stringAttribute(q, "RND", stringifyRoundingMode(format.getRounding()).str());
  stringAttribute(q, "SAT", stringifyOverflowMode(format.getOverflow()).str());
  return success();
}

LogicalResult Writer::layer(LayerOpInterface op, const std::string &name) {
  if (op.getActivation() != LayerActivation::linear)
    return op.emitOpError() << "has a fused ReLU without a quantizer, which "
                               "ONNX cannot express as one layer";
  auto kernelType = cast<ShapedType>(op.getKernel().getType());
  std::vector<float> kernel = floatsOf(op.getKernel());
  std::string input = names.lookup(op.getInput());
  ElementsAttr biasAttr = op.getBiasAttr();
  auto conv = dyn_cast<ConvOp>(op.getOperation());
  if (!conv) {
    std::string weights =
        floats(name + "/kernel", kernelType.getShape(), kernel);
    std::string product = biasAttr ? fresh(name + "/matmul") : name;
    node("MatMul", name, {input, weights}, {product});
    if (biasAttr) {
      std::vector<float> bias = floatsOf(biasAttr);
      std::string b = floats(name + "/bias", {int64_t(bias.size())}, bias);
      node("Add", name + "_bias", {product, b}, {name});
    }
  } else {
    // (K..., C/g, O) -> (O, C/g, K...)
    int64_t rank = kernelType.getRank();
    std::vector<int64_t> permutation{rank - 1, rank - 2};
    for (int64_t d = 0; d < rank - 2; ++d)
      permutation.push_back(d);
    std::vector<int64_t> shape;
    for (int64_t d : permutation)
      shape.push_back(kernelType.getDimSize(d));
    std::vector<float> reordered = permuteValues(
        kernel, std::vector<int64_t>(kernelType.getShape()), permutation);
    int64_t inputRank = op.getInput().getType().getRank();
    std::string first =
        transpose(input, name + "/to_nchw", toChannelsFirst(inputRank));
    std::vector<std::string> inputs{first,
                                    floats(name + "/kernel", shape, reordered)};
    if (biasAttr) {
      std::vector<float> bias = floatsOf(biasAttr);
      inputs.push_back(floats(name + "/bias", {int64_t(bias.size())}, bias));
    }
    std::string output = fresh(name + "/nchw");
    onnx::NodeProto &convNode = node("Conv", name, inputs, {output});
    intsAttribute(convNode, "strides", conv.getStrideValues());
    intsAttribute(convNode, "dilations", conv.getDilationValues());
    intsAttribute(convNode, "pads", conv.getPadValues());
    intAttribute(convNode, "group", int64_t(conv.getGroups()));
    if (conv.getParallelFactor() != 1) {
      auto *entry = model.add_metadata_props();
      entry->set_key("hgq.parallel_factor." + name);
      entry->set_value(std::to_string(int64_t(conv.getParallelFactor())));
    }
    intsAttribute(node("Transpose", name + "/to_nhwc", {output}, {name}),
                  "perm", toChannelsLast(inputRank));
  }
  return success();
}

LogicalResult Writer::write(func::FuncOp function) {
  graph.set_name(function.getSymName().str());
  for (BlockArgument argument : function.getArguments()) {
    std::string name = argumentName(argument);
    name =
        fresh(name.empty() ? "input_" + std::to_string(argument.getArgNumber())
                           : name);
    // The ONNX input is the dialect's (physical, channels-last) tensor, as
    // hgq-run and the HLS top function take it; the ONNX layout the model
    // came from (hgq.layout) travels in the metadata.
    valueInfo(*graph.add_input(), name,
              cast<RankedTensorType>(argument.getType()).getShape());
    names[argument] = name;
    recordInterface(function.getArgAttrDict(argument.getArgNumber()),
                    "hgq.argument_attributes." +
                        std::to_string(argument.getArgNumber()));
  }
  for (Operation &operation : function.getBody().front()) {
    Operation *op = &operation;
    if (isa<func::ReturnOp>(op))
      continue;
    std::string base = hgq::layerName(op);
    std::string name =
        fresh(base.empty() ? op->getName().stripDialect().str() : base);
    names[op->getResult(0)] = name;
    auto operand = [&](unsigned index) {
      return names.lookup(op->getOperand(index));
    };
    if (!isProxyLevel(op))
      return op->emitOpError() << "is at layer level; run hgq-to-proxy before "
                                  "--emit-onnx";
    LogicalResult result =
        llvm::TypeSwitch<Operation *, LogicalResult>(op)
            .Case([&](QuantizeOp q) { return quantize(q, name); })
            .Case(
                [&](LayerOpInterface layerOp) { return layer(layerOp, name); })
            .Case([&](ActivationOp activation) -> LogicalResult {
              std::string fn = activation.getFn().str();
              if (fn == "softmax") {
                intAttribute(
                    node("Softmax", name, {operand(0)}, {name}), "axis",
                    activation.getAxisAttr() ? activation.getAxisAttr().getInt()
                                             : -1);
                return success();
              }
              if (fn == "linear") {
                node("Identity", name, {operand(0)}, {name});
                return success();
              }
              if (fn == "silu") {
                // x * Sigmoid(x), as PyTorch writes it (the importer reads
                // the pair back as silu).
                std::string gate = name + "/sigmoid";
                node("Sigmoid", gate, {operand(0)}, {gate});
                node("Mul", name, {operand(0), gate}, {name});
                return success();
              }
              if (fn == "clip") {
                // Clip's bounds are inputs from opset 11 on.
                float low =
                    activation.getAlphaAttr()
                        ? float(activation.getAlphaAttr().getValueAsDouble())
                        : std::numeric_limits<float>::lowest();
                float high =
                    activation.getBetaAttr()
                        ? float(activation.getBetaAttr().getValueAsDouble())
                        : std::numeric_limits<float>::max();
                node("Clip", name,
                     {operand(0), floats(name + "/min", {}, {low}),
                      floats(name + "/max", {}, {high})},
                     {name});
                return success();
              }
              if (fn == "bipolar") {
                node("BipolarQuant", name,
                     {operand(0), floats(name + "/scale", {}, {1.0f})}, {name},
                     "qonnx.custom_op.general");
                return success();
              }
              auto found = onnxActivations().find(fn);
              if (found == onnxActivations().end())
                return activation.emitOpError()
                       << "'" << fn << "' has no ONNX operator";
              onnx::NodeProto &n =
                  node(found->second, name, {operand(0)}, {name});
              if (auto alpha = activation.getAlphaAttr())
                floatAttribute(n, "alpha", float(alpha.getValueAsDouble()));
              if (auto beta = activation.getBetaAttr())
                floatAttribute(n, "beta", float(beta.getValueAsDouble()));
              if (auto gamma = activation.getGammaAttr())
                floatAttribute(n, "gamma", float(gamma.getValueAsDouble()));
              return success();
            })
            .Case([&](UnaryLutOp lut) {
              std::vector<float> table = floatsOf(lut.getTable());
              node("UnaryLUT", name,
                   {operand(0),
                    floats(name + "/table", {int64_t(table.size())}, table)},
                   {name}, "hgq");
              return success();
            })
            .Case([&](AddOp add) -> LogicalResult {
              node("Add", name, {operand(0), operand(1)}, {name});
              return success();
            })
            .Case<MaxPoolOp, AvgPoolOp>([&](auto pool) {
              int64_t rank = pool.getInput().getType().getRank();
              std::string first = transpose(operand(0), name + "/to_nchw",
                                            toChannelsFirst(rank));
              std::string output = fresh(name + "/nchw");
              bool average = isa<AvgPoolOp>(pool.getOperation());
              onnx::NodeProto &n = node(average ? "AveragePool" : "MaxPool",
                                        name, {first}, {output});
              intsAttribute(n, "kernel_shape", pool.getWindow());
              intsAttribute(n, "strides", pool.getStrideValues());
              intsAttribute(n, "pads", pool.getPadValues());
              intsAttribute(
                  node("Transpose", name + "/to_nhwc", {output}, {name}),
                  "perm", toChannelsLast(rank));
              return success();
            })
            .Case([&](ConcatOp concat) {
              std::vector<std::string> inputs;
              for (Value input : concat.getInputs())
                inputs.push_back(names.lookup(input));
              intAttribute(node("Concat", name, inputs, {name}), "axis",
                           concat.getAxisAttr().getInt());
              return success();
            })
            .Case([&](FlattenOp) {
              intAttribute(node("Flatten", name, {operand(0)}, {name}), "axis",
                           1);
              return success();
            })
            .Case([&](ReshapeOp reshape) {
              std::vector<int64_t> shape{0};
              for (int64_t dim : reshape.getType().getShape().drop_front())
                shape.push_back(dim);
              node("Reshape", name,
                   {operand(0), int64s(name + "/shape", shape)}, {name});
              return success();
            })
            .Case([&](RescaleOp rescale) {
              auto scaleType = cast<ShapedType>(rescale.getScale().getType());
              std::vector<float> scale = floatsOf(rescale.getScale());
              node(rescale.getDivide() ? "Div" : "Mul", name,
                   {operand(0),
                    floats(name + "/scale", scaleType.getShape(), scale)},
                   {name});
              return success();
            })
            .Case([&](TransposeOp t) {
              intsAttribute(node("Transpose", name, {operand(0)}, {name}),
                            "perm", t.getPermutation());
              return success();
            })
            .Case([&](BatchNormOp bn) {
              int64_t rank = bn.getInput().getType().getRank();
              std::string input = operand(0);
              std::string output = name;
              if (rank > 2) {
                input =
                    transpose(input, name + "/to_nchw", toChannelsFirst(rank));
                output = fresh(name + "/nchw");
              }
              std::vector<std::string> inputs{input};
              for (auto [part, attr] : {std::pair<const char *, ElementsAttr>{
                                            "scale", bn.getGamma()},
                                        {"B", bn.getBeta()},
                                        {"mean", bn.getMean()},
                                        {"var", bn.getVariance()}}) {
                std::vector<float> values = floatsOf(attr);
                inputs.push_back(floats(name + "/" + part,
                                        {int64_t(values.size())}, values));
              }
              floatAttribute(node("BatchNormalization", name, inputs, {output}),
                             "epsilon",
                             float(bn.getEpsilon().convertToDouble()));
              if (rank > 2)
                intsAttribute(
                    node("Transpose", name + "/to_nhwc", {output}, {name}),
                    "perm", toChannelsLast(rank));
              return success();
            })
            .Default([&](Operation *other) {
              return other->emitOpError()
                     << "has no ONNX export (--emit-onnx takes proxy-level "
                        "hgq ops)";
            });
    if (failed(result))
      return failure();
    recordAttributes(op, name);
  }
  auto returnOp = cast<func::ReturnOp>(function.getBody().front().back());
  for (auto [index, value] : llvm::enumerate(returnOp.getOperands())) {
    std::string name = names.lookup(value);
    valueInfo(*graph.add_output(), name,
              cast<RankedTensorType>(value.getType()).getShape());
    recordInterface(function.getResultAttrDict(index),
                    "hgq.result_attributes." + std::to_string(index));
  }
  return success();
}

} // namespace

LogicalResult emitOnnx(ModuleOp module, raw_ostream &os) {
  func::FuncOp function = findEntryFunction(module);
  if (!function)
    return module.emitError() << "--emit-onnx needs one function, or @main";
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("hgq-mlir");
  model.set_producer_version("1");
  for (auto [domain, version] :
       {std::pair<const char *, int>{"", 13}, {"hgq", 1}}) {
    auto *opset = model.add_opset_import();
    opset->set_domain(domain);
    opset->set_version(version);
  }
  Writer writer(model);
  if (failed(writer.write(function)))
    return failure();
  if (!module->getAttrs().empty()) {
    SmallVector<NamedAttribute> kept;
    for (NamedAttribute named : module->getAttrs())
      if (named.getName().strref().starts_with("hgq."))
        kept.push_back(named);
    if (!kept.empty()) {
      std::string text;
      llvm::raw_string_ostream stream(text);
      DictionaryAttr::get(module.getContext(), kept).print(stream);
      auto *entry = model.add_metadata_props();
      entry->set_key("hgq.module_attributes");
      entry->set_value(text);
    }
  }
  for (const auto &node : model.graph().node())
    if (node.domain() == "qonnx.custom_op.general") {
      auto *opset = model.add_opset_import();
      opset->set_domain("qonnx.custom_op.general");
      opset->set_version(1);
      break;
    }
  std::string error;
  if (!onnx_import::checkModel(model, error))
    return module.emitError() << "--emit-onnx wrote a model the ONNX checker "
                                 "refuses (a bug): "
                              << error;
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    return module.emitError() << "--emit-onnx: the model does not serialize";
  os << bytes;
  return success();
}

void registerOnnxExportTranslation() {
  registerModuleEmitter("emit-onnx",
                        "write a proxy-level model as ONNX (standard ops, "
                        "hgq.FixedPointQuantizer, hgq.UnaryLUT)",
                        emitOnnx);
}

} // namespace hgq
