//===- Hls4mlImporter.cpp - The hls4ml document back to proxy IR ----------===//
//
// The inverse of Hls4mlEmitter.cpp. Every refusal names the file, the layer
// and the field.
//
//===----------------------------------------------------------------------===//

#include "hgq/Import/Hls4mlImporter.h"
#include "hgq/Import/GraphBuilder.h"
#include "hgq/Support/Shape.h"
#include "hgq/Support/TextNesting.h"
#include "hgq/Target/Hls4ml.h"
#include "hgq/Target/Translation.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cmath>
#include <map>

using namespace mlir;
namespace json = llvm::json;

namespace hgq {
namespace {

class Reader {
public:
  Reader(MLIRContext *context, StringRef path)
      : graph(context, path), context(context), builder(graph.builder),
        path(path.str()) {}
  OwningOpRef<ModuleOp> read(StringRef text);

private:
  InFlightDiagnostic error(const std::string &layer) {
    return graph.error(layer);
  }
  Location locOf(const std::string &name) { return graph.loc(name); }
  RankedTensorType tensorType(ArrayRef<int64_t> features) {
    return graph.batchTensor(features);
  }

  FailureOr<std::vector<int64_t>> ints(const json::Object &object,
                                       StringRef key, const std::string &layer);
  /// A {"shape", "data"} field, or an error naming the layer and field.
  LogicalResult tensor(const json::Object &object, StringRef key,
                       const std::string &layer, StringRef what,
                       std::vector<int64_t> &shape, std::vector<double> &data);
  FailureOr<DenseElementsAttr> floats(const json::Object &object, StringRef key,
                                      const std::string &layer);
  FailureOr<DenseIntElementsAttr> bits(const json::Object &object,
                                       StringRef key, const std::string &layer);
  FailureOr<FixedAttr> format(const json::Object &layer,
                              const std::string &name);
  FixedAttr precision(StringRef text);
  LogicalResult layer(const json::Object &object);

  /// One layer entry, its inputs resolved.
  struct LayerInput {
    const json::Object &object;
    std::string name;
    Location loc;
    RankedTensorType type; ///< from the entry's "shape"
    std::vector<Value> operands;
  };
  /// How one hls4ml class becomes an op.
  struct Rule {
    StringLiteral className;
    int inputs; ///< exact count, or 0 for one or more
    FailureOr<Operation *> (*build)(Reader &, const LayerInput &);
  };
  static const std::vector<Rule> &rules();
  FailureOr<LayerActivation> activationOf(const LayerInput &in);
  FailureOr<ElementsAttr> optionalBias(const json::Object &weights,
                                       const std::string &name);
  FailureOr<Operation *> dense(const LayerInput &in);
  FailureOr<Operation *> conv(const LayerInput &in);
  FailureOr<Operation *> activation(const LayerInput &in);
  FailureOr<Operation *> unaryLut(const LayerInput &in);
  FailureOr<Operation *> pool(const LayerInput &in);
  FailureOr<Operation *> batchNorm(const LayerInput &in);

  GraphBuilder graph;
  MLIRContext *context;
  OpBuilder &builder;
  std::string path;
};

FailureOr<std::vector<int64_t>> Reader::ints(const json::Object &object,
                                             StringRef key,
                                             const std::string &layer) {
  const json::Array *array = object.getArray(key);
  if (!array)
    return error(layer) << "field '" << key
                        << "' is missing or not an array of integers";
  std::vector<int64_t> out;
  for (const json::Value &value : *array) {
    std::optional<int64_t> number = value.getAsInteger();
    if (!number)
      return error(layer) << "field '" << key << "' holds a non-integer";
    out.push_back(*number);
  }
  return out;
}

/// {"shape": [...], "data": [...]} as numbers.
static bool readTensor(const json::Object *object, std::vector<int64_t> &shape,
                       std::vector<double> &data) {
  if (!object)
    return false;
  const json::Array *dims = object->getArray("shape");
  const json::Array *values = object->getArray("data");
  if (!dims || !values)
    return false;
  for (const json::Value &dim : *dims) {
    std::optional<int64_t> size = dim.getAsInteger();
    if (!size)
      return false;
    shape.push_back(*size);
  }
  std::optional<int64_t> count = elementCount(shape);
  if (!count || int64_t(values->size()) != *count)
    return false;
  for (const json::Value &value : *values) {
    std::optional<double> number = value.getAsNumber();
    if (!number)
      return false;
    data.push_back(*number);
  }
  return true;
}

LogicalResult Reader::tensor(const json::Object &object, StringRef key,
                             const std::string &layer, StringRef what,
                             std::vector<int64_t> &shape,
                             std::vector<double> &data) {
  if (readTensor(object.getObject(key), shape, data))
    return success();
  return error(layer) << "field '" << key
                      << "' must be {\"shape\": [...], \"data\": [...]} "
                         "with as many "
                      << what << " as the shape holds";
}

FailureOr<DenseElementsAttr> Reader::floats(const json::Object &object,
                                            StringRef key,
                                            const std::string &layer) {
  std::vector<int64_t> shape;
  std::vector<double> data;
  if (failed(tensor(object, key, layer, "numbers", shape, data)))
    return failure();
  std::vector<float> narrow(data.begin(), data.end());
  for (size_t index = 0; index < narrow.size(); ++index)
    if (!std::isfinite(narrow[index]))
      return error(layer) << "field '" << key << "' element " << index << " is "
                          << data[index] << ", beyond the float32 range";
  return DenseElementsAttr::get(
      RankedTensorType::get(shape, Float32Type::get(context)),
      ArrayRef<float>(narrow));
}

FailureOr<DenseIntElementsAttr> Reader::bits(const json::Object &object,
                                             StringRef key,
                                             const std::string &layer) {
  std::vector<int64_t> shape;
  std::vector<double> data;
  if (failed(tensor(object, key, layer, "integers", shape, data)))
    return failure();
  std::vector<int8_t> narrow;
  for (double value : data) {
    if (value != std::round(value) || value < -128 || value > 127)
      return error(layer) << "field '" << key << "' holds " << value
                          << ", not an int8 bit count";
    narrow.push_back(int8_t(value));
  }
  return DenseIntElementsAttr::get(
      RankedTensorType::get(shape, IntegerType::get(context, 8)),
      ArrayRef<int8_t>(narrow));
}

FailureOr<FixedAttr> Reader::format(const json::Object &object,
                                    const std::string &name) {
  // Either the exact form {"format": {k, i, f, rounding, overflow}} or
  // hls4ml's view: keep_negative, bits = W, integers = k + i, RND, SAT.
  const json::Object *exact = object.getObject("format");
  std::optional<StringRef> rounding =
      exact ? exact->getString("rounding") : object.getString("RND");
  std::optional<StringRef> overflow =
      exact ? exact->getString("overflow") : object.getString("SAT");
  std::optional<RoundingMode> r =
      rounding ? symbolizeRoundingMode(*rounding) : std::nullopt;
  std::optional<OverflowMode> o =
      overflow ? symbolizeOverflowMode(*overflow) : std::nullopt;
  if (!r)
    return error(name) << "the rounding mode is missing or unknown";
  if (!o)
    return error(name) << "the overflow mode is missing or unknown";
  auto emit = [&]() { return error(name) << "invalid format: "; };
  if (exact) {
    FailureOr<DenseIntElementsAttr> k = bits(*exact, "k", name);
    FailureOr<DenseIntElementsAttr> i = bits(*exact, "i", name);
    FailureOr<DenseIntElementsAttr> f = bits(*exact, "f", name);
    if (failed(k) || failed(i) || failed(f))
      return failure();
    if (!FixedAttr::getChecked(emit, context, *k, *i, *f, *r, *o))
      return failure();
    return canonicalFixed(context, *k, *i, *f, *r, *o);
  }
  FailureOr<DenseIntElementsAttr> keep = bits(object, "keep_negative", name);
  FailureOr<DenseIntElementsAttr> width = bits(object, "bits", name);
  FailureOr<DenseIntElementsAttr> integers = bits(object, "integers", name);
  if (failed(keep) || failed(width) || failed(integers))
    return failure();
  if (keep->getType() != width->getType() ||
      keep->getType() != integers->getType())
    return error(name) << "keep_negative, bits and integers must have one "
                          "shape";
  FixedAttr attr = kbiFormat(context, *keep, *width, *integers, *r, *o, emit);
  if (!attr)
    return failure();
  return attr;
}

FixedAttr Reader::precision(StringRef text) {
  bool isUnsigned = text.consume_front("u");
  if (!text.consume_front("fixed<") || !text.consume_back(">"))
    return nullptr;
  SmallVector<StringRef> parts;
  text.split(parts, ',');
  if (parts.size() != 4)
    return nullptr;
  int64_t width, integer;
  if (parts[0].trim().getAsInteger(10, width) ||
      parts[1].trim().getAsInteger(10, integer))
    return nullptr;
  std::optional<RoundingMode> rounding = symbolizeRoundingMode(parts[2].trim());
  std::optional<OverflowMode> overflow = symbolizeOverflowMode(parts[3].trim());
  if (!rounding || !overflow)
    return nullptr;
  int k = isUnsigned ? 0 : 1;
  // The dialect's bit arrays are 8-bit: refuse what would wrap.
  if (width < 0 || width > 127 || integer < -127 || integer > 127 ||
      width - integer < -127 || width - integer > 127 || integer - k < -127)
    return nullptr;
  return FixedAttr::get(context, makeBitsArray(context, int8_t(k)),
                        makeBitsArray(context, int8_t(integer - k)),
                        makeBitsArray(context, int8_t(width - integer)),
                        *rounding, *overflow);
}

FailureOr<LayerActivation> Reader::activationOf(const LayerInput &in) {
  std::optional<StringRef> text = in.object.getString("activation");
  std::optional<LayerActivation> activation =
      text ? symbolizeLayerActivation(*text) : LayerActivation::linear;
  if (!activation)
    return error(in.name) << "activation must be linear or relu";
  return *activation;
}

FailureOr<ElementsAttr> Reader::optionalBias(const json::Object &weights,
                                             const std::string &name) {
  if (!weights.get("bias"))
    return ElementsAttr();
  FailureOr<DenseElementsAttr> bias = floats(weights, "bias", name);
  if (failed(bias))
    return failure();
  return ElementsAttr(*bias);
}

FailureOr<Operation *> Reader::dense(const LayerInput &in) {
  const json::Object *weights = in.object.getObject("weights");
  if (!weights)
    return error(in.name) << "Dense needs 'weights'";
  FailureOr<DenseElementsAttr> kernel = floats(*weights, "kernel", in.name);
  FailureOr<LayerActivation> activation = activationOf(in);
  FailureOr<ElementsAttr> bias = optionalBias(*weights, in.name);
  if (failed(kernel) || failed(activation) || failed(bias))
    return failure();
  return DenseOp::create(builder, in.loc, in.type, in.operands[0], *kernel,
                         *bias, nullptr, nullptr,
                         LayerActivationAttr::get(context, *activation))
      .getOperation();
}

FailureOr<Operation *> Reader::conv(const LayerInput &in) {
  const json::Object *weights = in.object.getObject("weights");
  if (!weights)
    return error(in.name) << "a convolution needs 'weights'";
  FailureOr<DenseElementsAttr> kernel = floats(*weights, "kernel", in.name);
  FailureOr<std::vector<int64_t>> strides = ints(in.object, "strides", in.name);
  FailureOr<std::vector<int64_t>> dilations =
      ints(in.object, "dilations", in.name);
  FailureOr<std::vector<int64_t>> pads = ints(in.object, "pads", in.name);
  FailureOr<LayerActivation> activation = activationOf(in);
  FailureOr<ElementsAttr> bias = optionalBias(*weights, in.name);
  if (failed(kernel) || failed(strides) || failed(dilations) || failed(pads) ||
      failed(activation) || failed(bias))
    return failure();
  int64_t groups = in.object.getInteger("groups").value_or(1);
  int64_t factor = in.object.getInteger("parallelization_factor").value_or(1);
  return ConvOp::create(builder, in.loc, in.type, in.operands[0], *kernel,
                        *bias, builder.getDenseI64ArrayAttr(*strides),
                        builder.getDenseI64ArrayAttr(*dilations),
                        builder.getDenseI64ArrayAttr(*pads),
                        builder.getI64IntegerAttr(groups),
                        builder.getI64IntegerAttr(factor), nullptr, nullptr,
                        LayerActivationAttr::get(context, *activation))
      .getOperation();
}

FailureOr<Operation *> Reader::activation(const LayerInput &in) {
  std::optional<StringRef> fn = in.object.getString("activation");
  if (!fn)
    return error(in.name) << "Activation needs 'activation'";
  auto number = [&](StringRef key) -> FloatAttr {
    if (std::optional<double> value = in.object.getNumber(key))
      return builder.getF32FloatAttr(float(*value));
    return nullptr;
  };
  IntegerAttr axis;
  if (std::optional<int64_t> value = in.object.getInteger("axis"))
    axis = builder.getI64IntegerAttr(*value);
  return ActivationOp::create(builder, in.loc, in.type, in.operands[0],
                              builder.getStringAttr(*fn), number("alpha"),
                              number("beta"), number("gamma"), axis, nullptr)
      .getOperation();
}

FailureOr<Operation *> Reader::unaryLut(const LayerInput &in) {
  const json::Object *input = in.object.getObject("input_format");
  if (!input)
    return error(in.name) << "UnaryLUT needs 'input_format'";
  FailureOr<DenseElementsAttr> table = floats(in.object, "table", in.name);
  FailureOr<FixedAttr> fmt = format(*input, in.name);
  if (failed(table) || failed(fmt))
    return failure();
  StringAttr fn;
  if (std::optional<StringRef> function = in.object.getString("function"))
    fn = builder.getStringAttr(*function);
  return UnaryLutOp::create(builder, in.loc, in.type, in.operands[0], *table,
                            *fmt, fn)
      .getOperation();
}

FailureOr<Operation *> Reader::pool(const LayerInput &in) {
  FailureOr<std::vector<int64_t>> window =
      ints(in.object, "pool_size", in.name);
  FailureOr<std::vector<int64_t>> strides = ints(in.object, "strides", in.name);
  FailureOr<std::vector<int64_t>> pads = ints(in.object, "pads", in.name);
  if (failed(window) || failed(strides) || failed(pads))
    return failure();
  std::optional<StringRef> kind = in.object.getString("pool_op");
  bool max = kind == std::optional<StringRef>("Max");
  if (!max && kind != std::optional<StringRef>("Average"))
    return error(in.name) << "pool_op must be Max or Average";
  DenseI64ArrayAttr windowAttr = builder.getDenseI64ArrayAttr(*window);
  DenseI64ArrayAttr stridesAttr = builder.getDenseI64ArrayAttr(*strides);
  DenseI64ArrayAttr padsAttr = builder.getDenseI64ArrayAttr(*pads);
  if (max)
    return MaxPoolOp::create(builder, in.loc, in.type, in.operands[0],
                             windowAttr, stridesAttr, padsAttr)
        .getOperation();
  return AvgPoolOp::create(builder, in.loc, in.type, in.operands[0], windowAttr,
                           stridesAttr, padsAttr)
      .getOperation();
}

FailureOr<Operation *> Reader::batchNorm(const LayerInput &in) {
  const json::Object *weights = in.object.getObject("weights");
  std::optional<double> epsilon = in.object.getNumber("epsilon");
  if (!weights || !epsilon)
    return error(in.name) << "BatchNormalization needs 'weights' and "
                             "'epsilon'";
  FailureOr<DenseElementsAttr> gamma = floats(*weights, "gamma", in.name);
  FailureOr<DenseElementsAttr> beta = floats(*weights, "beta", in.name);
  FailureOr<DenseElementsAttr> mean = floats(*weights, "mean", in.name);
  FailureOr<DenseElementsAttr> variance = floats(*weights, "variance", in.name);
  if (failed(gamma) || failed(beta) || failed(mean) || failed(variance))
    return failure();
  return BatchNormOp::create(builder, in.loc, in.type, in.operands[0], *gamma,
                             *beta, *mean, *variance,
                             builder.getF64FloatAttr(*epsilon))
      .getOperation();
}

/// The layer classes of the document: how many inputs each takes (0: one or
/// more) and how it is built. The one list a new class joins.
const std::vector<Reader::Rule> &Reader::rules() {
  using In = const LayerInput &;
  static const std::vector<Rule> table = {
      {"FixedPointQuantizer", 1,
       [](Reader &r, In in) -> FailureOr<Operation *> {
         FailureOr<FixedAttr> fmt = r.format(in.object, in.name);
         if (failed(fmt))
           return failure();
         return QuantizeOp::create(r.builder, in.loc, in.type, in.operands[0],
                                   nullptr, *fmt)
             .getOperation();
       }},
      {"Dense", 1, [](Reader &r, In in) { return r.dense(in); }},
      {"Conv1D", 1, [](Reader &r, In in) { return r.conv(in); }},
      {"Conv2D", 1, [](Reader &r, In in) { return r.conv(in); }},
      {"Activation", 1, [](Reader &r, In in) { return r.activation(in); }},
      {"UnaryLUT", 1, [](Reader &r, In in) { return r.unaryLut(in); }},
      {"Merge", 2,
       [](Reader &r, In in) -> FailureOr<Operation *> {
         if (in.object.getString("op") != std::optional<StringRef>("add"))
           return r.error(in.name) << "only Merge op 'add' is supported";
         return AddOp::create(r.builder, in.loc, in.type, in.operands[0],
                              in.operands[1], nullptr)
             .getOperation();
       }},
      {"Pooling1D", 1, [](Reader &r, In in) { return r.pool(in); }},
      {"Pooling2D", 1, [](Reader &r, In in) { return r.pool(in); }},
      {"Concatenate", 0,
       [](Reader &r, In in) -> FailureOr<Operation *> {
         std::optional<int64_t> axis = in.object.getInteger("axis");
         if (!axis)
           return r.error(in.name) << "Concatenate needs 'axis'";
         return ConcatOp::create(r.builder, in.loc, in.type, in.operands,
                                 r.builder.getI64IntegerAttr(*axis))
             .getOperation();
       }},
      {"Reshape", 1,
       [](Reader &r, In in) -> FailureOr<Operation *> {
         if (in.object.getBoolean("flatten").value_or(false))
           return FlattenOp::create(r.builder, in.loc, in.type, in.operands[0])
               .getOperation();
         return ReshapeOp::create(r.builder, in.loc, in.type, in.operands[0])
             .getOperation();
       }},
      {"Transpose", 1,
       [](Reader &r, In in) -> FailureOr<Operation *> {
         FailureOr<std::vector<int64_t>> perm =
             r.ints(in.object, "perm", in.name);
         if (failed(perm))
           return failure();
         return TransposeOp::create(r.builder, in.loc, in.type, in.operands[0],
                                    r.builder.getDenseI64ArrayAttr(*perm))
             .getOperation();
       }},
      {"BatchNormalization", 1,
       [](Reader &r, In in) { return r.batchNorm(in); }},
      {"Rescale", 1,
       [](Reader &r, In in) -> FailureOr<Operation *> {
         FailureOr<DenseElementsAttr> scale =
             r.floats(in.object, "scale", in.name);
         if (failed(scale))
           return failure();
         return RescaleOp::create(r.builder, in.loc, in.type, in.operands[0],
                                  *scale,
                                  in.object.getBoolean("divide").value_or(false)
                                      ? r.builder.getUnitAttr()
                                      : nullptr)
             .getOperation();
       }},
  };
  return table;
}

LogicalResult Reader::layer(const json::Object &object) {
  std::optional<StringRef> nameField = object.getString("name");
  std::optional<StringRef> classField = object.getString("class_name");
  if (!nameField || !classField)
    return error("") << "every layer needs a name and a class_name";
  std::string name = nameField->str();
  StringRef className = *classField;
  if (graph.contains(name))
    return error(name) << "the name is used twice";
  FailureOr<std::vector<int64_t>> shape = ints(object, "shape", name);
  if (failed(shape))
    return failure();
  std::vector<Value> operands;
  if (const json::Array *inputs = object.getArray("inputs")) {
    for (const json::Value &input : *inputs) {
      std::optional<StringRef> inputName = input.getAsString();
      std::optional<Value> found =
          inputName ? graph.lookup(*inputName) : std::nullopt;
      if (!found)
        return error(name) << "input '" << (inputName ? inputName->str() : "?")
                           << "' is not a layer defined before it";
      operands.push_back(*found);
    }
  }
  const Rule *rule = nullptr;
  for (const Rule &candidate : rules())
    if (candidate.className == className)
      rule = &candidate;
  if (!rule) {
    std::string known;
    for (const Rule &candidate : rules())
      known += (known.empty() ? "" : ", ") + candidate.className.str();
    return error(name) << "class_name '" << className
                       << "' is not supported (known: InputLayer, " << known
                       << ")";
  }
  if (rule->inputs ? operands.size() != size_t(rule->inputs) : operands.empty())
    return error(name) << className << " takes "
                       << (rule->inputs ? std::to_string(rule->inputs)
                                        : std::string("one or more"))
                       << " input(s), got " << operands.size();
  LayerInput in{object, name, locOf(name), tensorType(*shape), operands};
  FailureOr<Operation *> built = rule->build(*this, in);
  if (failed(built))
    return failure();
  Operation *op = *built;

  if (const json::Object *precisions = object.getObject("precision"))
    for (const auto &[key, value] : *precisions) {
      // An activation's table types follow from its algorithm
      // (docs/activations.md); the writer states them for hls4ml.
      if (isa<ActivationOp>(op) &&
          (key == "table" || key == "exp_table" || key == "inv_table"))
        continue;
      std::optional<StringRef> text = value.getAsString();
      FixedAttr type = text ? precision(*text) : nullptr;
      if (!type)
        return error(name) << "precision '" << key.str()
                           << "' is not fixed<W,I,RND,SAT> or ufixed<...> "
                              "with 0 <= W <= 127 and |I|, |W - I| <= 127";
      op->setAttr(("hgq." + key.str() + "_t"), type);
    }
  for (const char *figure : {"bops", "bops_per_position", "ebops"})
    if (std::optional<double> value = object.getNumber(figure))
      op->setAttr(std::string("hgq.") + figure,
                  builder.getF64FloatAttr(*value));
  graph.define(name, op->getResult(0));
  return success();
}

OwningOpRef<ModuleOp> Reader::read(StringRef text) {
  if (std::string deep = jsonNestingError(text); !deep.empty()) {
    error("") << "not an hls4ml proxy document: " << deep;
    return nullptr;
  }
  llvm::Expected<json::Value> parsed = json::parse(text);
  if (!parsed) {
    error("") << "not JSON: " << llvm::toString(parsed.takeError());
    return nullptr;
  }
  const json::Object *root = parsed->getAsObject();
  if (!root ||
      root->getString("schema") != std::optional<StringRef>(hls4ml::kSchema)) {
    error("") << "not an hls4ml proxy document (expected \"schema\": \""
              << hls4ml::kSchema << "\")";
    return nullptr;
  }
  const json::Array *layers = root->getArray("layers");
  const json::Array *outputs = root->getArray("outputs");
  if (!layers || !outputs) {
    error("") << "'layers' and 'outputs' must be arrays";
    return nullptr;
  }
  std::vector<std::pair<std::string, Type>> arguments;
  SmallVector<const json::Object *> inputLayers;
  for (const json::Value &value : *layers) {
    const json::Object *object = value.getAsObject();
    if (!object) {
      error("") << "every layer must be an object";
      return nullptr;
    }
    if (object->getString("class_name") ==
        std::optional<StringRef>("InputLayer")) {
      std::string name = object->getString("name").value_or("").str();
      FailureOr<std::vector<int64_t>> shape = ints(*object, "shape", name);
      if (failed(shape))
        return nullptr;
      arguments.push_back({name, tensorType(*shape)});
      inputLayers.push_back(object);
    }
  }
  std::string model = root->getString("model").value_or("main").str();
  func::FuncOp function = graph.begin(model, locOf(model), arguments);
  for (auto [index, object] : llvm::enumerate(inputLayers)) {
    std::string name = object->getString("name").value_or("").str();
    if (object->get("layout")) {
      FailureOr<std::vector<int64_t>> layout = ints(*object, "layout", name);
      if (failed(layout))
        return nullptr;
      function.setArgAttr(index, HGQDialect::LayoutAttrHelper::getNameStr(),
                          builder.getDenseI64ArrayAttr(*layout));
    }
  }
  for (const json::Value &value : *layers) {
    const json::Object *object = value.getAsObject();
    if (object->getString("class_name") ==
        std::optional<StringRef>("InputLayer"))
      continue;
    if (failed(layer(*object)))
      return nullptr;
  }
  SmallVector<Value> results;
  SmallVector<std::optional<std::vector<int64_t>>> layouts;
  for (const json::Value &value : *outputs) {
    const json::Object *object = value.getAsObject();
    std::optional<StringRef> name =
        object ? object->getString("name") : std::nullopt;
    std::optional<Value> found = name ? graph.lookup(*name) : std::nullopt;
    if (!found) {
      error("") << "output '" << (name ? name->str() : "?")
                << "' is not a layer of the document";
      return nullptr;
    }
    results.push_back(*found);
    layouts.push_back(std::nullopt);
    if (object->get("layout")) {
      FailureOr<std::vector<int64_t>> layout =
          ints(*object, "layout", name->str());
      if (failed(layout))
        return nullptr;
      layouts.back() = *layout;
    }
  }
  graph.setResults(results, locOf("outputs"));
  for (auto [index, layout] : llvm::enumerate(layouts))
    if (layout)
      function.setResultAttr(index, HGQDialect::LayoutAttrHelper::getNameStr(),
                             builder.getDenseI64ArrayAttr(*layout));
  return graph.finish();
}

} // namespace

OwningOpRef<ModuleOp> importHls4ml(StringRef path, StringRef text,
                                   MLIRContext *context) {
  context->loadDialect<HGQDialect, func::FuncDialect>();
  return Reader(context, path).read(text);
}

void registerHls4mlImportTranslation() {
  registerFileImport("import-hls4ml",
                     "read an hls4ml document back into proxy-level IR",
                     [](StringRef path, StringRef bytes, MLIRContext *context) {
                       return importHls4ml(path, bytes, context);
                     });
}

} // namespace hgq
