//===- KerasImporter.cpp - HGQ's saved Keras models to hgq IR -------------===//
//
// The HDF5 file holds the model's JSON (`model_config`, a Sequential or
// Functional model, possibly nesting others) and its weights
// (`model_weights/<layer>/.../kernel:0`, matched by the last component of
// their name). Keras is channels-last like the dialect, and its kernels are
// already in the dialect's order ((in, out), (k..., in/groups, out)), so
// layers map one to one: a proxy model's FixedPointQuantizer layers carry
// the traced per-element formats as HGQ's kbi arrays; a trained model's H
// layers carry learned fractional bits (HgqLayers.cpp). Every refusal names
// the file, the layer and the field.
//
//===----------------------------------------------------------------------===//

#include "hgq/Import/KerasImporter.h"
#include "Reader.h"
#include "hgq/Support/Keras.h"
#include "hgq/Support/TextNesting.h"
#include "hgq/Target/Translation.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/JSON.h"

#include <cmath>
#include <map>
#include <set>

using namespace mlir;
namespace json = llvm::json;

namespace hgq::keras_import {

std::string shapeText(ArrayRef<int64_t> shape) {
  std::string text = "(";
  for (auto [index, dim] : llvm::enumerate(shape))
    text += (index ? ", " : "") + std::to_string(dim);
  return text + (shape.size() == 1 ? ",)" : ")");
}

FailureOr<Layer> Reader::parseLayer(const json::Value &value, bool functional,
                                    const std::string &prefix,
                                    const std::string &weightRoot) {
  const json::Object *object = value.getAsObject();
  if (!object)
    return error(prefix) << "model_config: every entry of 'layers' must be an "
                            "object";
  Layer layer;
  layer.config = object->getObject("config");
  std::optional<StringRef> className = object->getString("class_name");
  std::optional<StringRef> name =
      layer.config ? layer.config->getString("name") : std::nullopt;
  if (!name)
    name = object->getString("name");
  if (!name)
    return error(prefix) << "model_config: a layer has no 'name'";
  layer.name = prefix + name->str();
  if (!className || !layer.config)
    return error(layer.name) << "needs 'class_name' and 'config'";
  // Keras's legacy serialization names registered classes "HGQ>HDense".
  layer.className = className->rsplit('>').second.str();
  if (layer.className.empty())
    layer.className = className->str();
  // Top-level layers keep their weights in model_weights/NAME; the layers
  // of a nested model in model_weights/MODEL/NAME (MODEL: the outermost
  // nested model, whose group holds the weights of all layers inside it).
  layer.weights = weightRoot.empty() ? "/model_weights/" + name->str()
                                     : weightRoot + "/" + name->str();
  if (!functional)
    return layer;
  const json::Array *nodes = object->getArray("inbound_nodes");
  if (!nodes)
    return error(layer.name) << "field 'inbound_nodes' is missing";
  if (nodes->size() > 1)
    return error(layer.name) << "is called " << nodes->size()
                             << " times; shared layers are not supported";
  // Keras 2 writes [[name, node, tensor, kwargs], ...]; Keras 3 writes
  // {"args": [{"class_name": "__keras_tensor__", "config": {"keras_history":
  // [name, node, tensor]}}, ...]}.
  std::string bad;
  std::function<void(const json::Value &)> collect = [&](const json::Value &v) {
    if (const json::Array *array = v.getAsArray()) {
      if (array->size() >= 3 && (*array)[0].getAsString() &&
          (*array)[1].getAsInteger()) {
        if ((*array)[1].getAsInteger() != 0 || (*array)[2].getAsInteger() != 0)
          bad = (*array)[0].getAsString()->str();
        layer.inputs.push_back(prefix + (*array)[0].getAsString()->str());
        return;
      }
      for (const json::Value &item : *array)
        collect(item);
    } else if (const json::Object *o = v.getAsObject()) {
      if (const json::Object *config = o->getObject("config"))
        if (const json::Value *history = config->get("keras_history")) {
          collect(*history);
          return;
        }
      if (const json::Value *args = o->get("args"))
        collect(*args);
    }
  };
  if (!nodes->empty())
    collect((*nodes)[0]);
  if (!bad.empty())
    return error(layer.name) << "reads a second output or call of '" << bad
                             << "'; shared layers are not supported";
  return layer;
}

FailureOr<std::vector<int64_t>> Reader::inputShape(const Layer &layer) {
  const json::Array *shape = layer.config->getArray("batch_input_shape");
  if (!shape)
    shape = layer.config->getArray("batch_shape");
  if (!shape)
    return error(layer.name) << "field 'batch_input_shape' (or 'batch_shape') "
                                "is missing";
  std::vector<int64_t> features;
  for (size_t d = 1; d < shape->size(); ++d) {
    std::optional<int64_t> dim = (*shape)[d].getAsInteger();
    if (!dim || *dim <= 0)
      return error(layer.name) << "field 'batch_input_shape': dimension " << d
                               << " must be a positive number (only the batch "
                                  "may be null)";
    features.push_back(*dim);
  }
  if (features.empty())
    return error(layer.name) << "field 'batch_input_shape' has no dimension "
                                "besides the batch";
  return features;
}

FailureOr<std::vector<int64_t>> Reader::ints(const Layer &layer, StringRef key,
                                             size_t count, bool required) {
  const json::Value *value = layer.config->get(key);
  if (!value || value->kind() == json::Value::Null) {
    if (required)
      return error(layer.name) << "field '" << key << "' is missing";
    return std::vector<int64_t>();
  }
  std::vector<int64_t> result;
  if (std::optional<int64_t> one = value->getAsInteger()) {
    result.assign(count, *one);
  } else if (const json::Array *array = value->getAsArray()) {
    for (const json::Value &item : *array) {
      std::optional<int64_t> number = item.getAsInteger();
      if (!number)
        return error(layer.name) << "field '" << key << "' must hold integers";
      result.push_back(*number);
    }
  }
  if (result.size() != count ||
      llvm::any_of(result, [](int64_t v) { return v <= 0; }))
    return error(layer.name) << "field '" << key << "' must be " << count
                             << " positive integer(s)";
  return result;
}

FailureOr<std::string> Reader::padding(const Layer &layer) {
  std::string text = layer.config->getString("padding").value_or("valid").str();
  if (text != "valid" && text != "same")
    return error(layer.name) << "field 'padding' is '" << text
                             << "'; 'valid' and 'same' are supported";
  return text;
}

LogicalResult Reader::channelsLast(const Layer &layer) {
  std::optional<StringRef> format = layer.config->getString("data_format");
  if (format && *format != "channels_last")
    return error(layer.name) << "field 'data_format' is '" << *format
                             << "'; HGQ proxies are channels_last";
  return success();
}

FailureOr<std::optional<Array<float>>> Reader::weight(const Layer &layer,
                                                      StringRef name) {
  // One walk of the layer's group serves all its weights.
  auto cached = datasets.find(layer.weights);
  if (cached == datasets.end())
    cached =
        datasets.emplace(layer.weights, file.datasets(layer.weights)).first;
  const std::map<std::string, std::string> &found = cached->second;
  for (std::string candidate : {name.str() + ":0", name.str()}) {
    auto entry = found.find(candidate);
    if (entry == found.end())
      continue;
    Array<float> array;
    std::string problem;
    if (!file.readFloats(entry->second, array, problem))
      return error(layer.name) << "weight '" << candidate << "': " << problem;
    for (float value : array.values)
      if (!std::isfinite(value))
        return error(layer.name) << "weight '" << candidate
                                 << "' holds a value that is not finite";
    return std::optional<Array<float>>(std::move(array));
  }
  return std::optional<Array<float>>();
}

FailureOr<Array<float>> Reader::requiredWeight(const Layer &layer,
                                               StringRef name) {
  FailureOr<std::optional<Array<float>>> array = weight(layer, name);
  if (failed(array))
    return failure();
  if (!*array)
    return error(layer.name) << "weight '" << name << ":0' is missing from "
                             << StringRef(layer.weights).drop_front();
  return std::move(**array);
}

FailureOr<DenseElementsAttr> Reader::floats(const Layer &layer, StringRef name,
                                            ArrayRef<int64_t> expected) {
  FailureOr<Array<float>> array = requiredWeight(layer, name);
  if (failed(array))
    return failure();
  if (array->shape != std::vector<int64_t>(expected.begin(), expected.end()))
    return error(layer.name)
           << "weight '" << name << ":0' has shape " << shapeText(array->shape)
           << ", expected " << shapeText(expected);
  auto type = RankedTensorType::get(expected, Float32Type::get(context));
  return DenseElementsAttr::get(type, ArrayRef<float>(array->values));
}

LogicalResult Reader::kernelAndBias(const Layer &layer,
                                    ArrayRef<int64_t> kernelShape,
                                    DenseElementsAttr &kernel,
                                    ElementsAttr &bias) {
  FailureOr<DenseElementsAttr> k = floats(layer, "kernel", kernelShape);
  if (failed(k))
    return failure();
  kernel = *k;
  if (!layer.config->getBoolean("use_bias").value_or(true))
    return success();
  FailureOr<DenseElementsAttr> b = floats(layer, "bias", {kernelShape.back()});
  if (failed(b))
    return failure();
  bias = *b;
  return success();
}

LogicalResult Reader::checkWindow(const Layer &layer, Value input,
                                  ArrayRef<int64_t> window,
                                  ArrayRef<int64_t> strides,
                                  ArrayRef<int64_t> dilations,
                                  ArrayRef<int64_t> pads) {
  auto type = cast<RankedTensorType>(input.getType());
  WindowShape shape =
      windowResultShape(type.getShape(), window, strides, dilations, pads,
                        type.getShape().back());
  if (std::optional<int64_t> axis = shape.misfitAxis)
    return error(layer.name) << "the window of size " << window[*axis]
                             << " does not fit spatial dimension " << *axis
                             << " of size " << type.getDimSize(*axis + 1);
  return success();
}

FailureOr<Value> Reader::quantizer(const Layer &layer, Value input) {
  std::string rounding = layer.config->getString("RND").value_or("TRN").str();
  std::string overflow = layer.config->getString("SAT").value_or("WRAP").str();
  std::optional<RoundingMode> r = symbolizeRoundingMode(rounding);
  std::optional<OverflowMode> o = symbolizeOverflowMode(overflow);
  if (!r)
    return error(layer.name)
           << "field 'RND' is '" << rounding << "', not a rounding mode";
  if (!o)
    return error(layer.name)
           << "field 'SAT' is '" << overflow << "', not an overflow mode";
  ArrayRef<int64_t> features = featuresOf(input);
  // Each array is (1, *features) or (1,): HGQ keeps a leading batch axis of
  // one. The format keeps their common broadcast shape (one value per
  // channel stays one per channel), padded to the feature rank.
  SmallVector<DenseIntElementsAttr, 3> arrays;
  for (StringRef name : {"keep_negative", "bits", "integers"}) {
    FailureOr<Array<float>> array = requiredWeight(layer, name);
    if (failed(array))
      return failure();
    std::vector<int64_t> shape = array->shape;
    std::vector<int64_t> expected{1};
    expected.insert(expected.end(), features.begin(), features.end());
    if (shape != std::vector<int64_t>{1} &&
        !sharesDimensionsOf(shape, expected))
      return error(layer.name)
             << "weight '" << name << ":0' has shape " << shapeText(shape)
             << ", expected (1,) or " << shapeText(expected)
             << " (or 1 in place of a dimension)";
    SmallVector<int8_t> values;
    for (float value : array->values) {
      if (value != std::floor(value) || std::abs(value) > 127)
        return error(layer.name) << "weight '" << name << ":0' holds " << value
                                 << "; bit counts are integers";
      values.push_back(int8_t(value));
    }
    // Without HGQ's leading axis of one; (1,) becomes one value.
    std::vector<int64_t> own(shape.begin() + 1, shape.end());
    arrays.push_back(DenseIntElementsAttr::get(
        RankedTensorType::get(own, IntegerType::get(context, 8)),
        ArrayRef<int8_t>(values)));
  }
  auto emit = [&]() { return error(layer.name) << "invalid format: "; };
  FixedAttr format =
      kbiFormat(context, arrays[0], arrays[1], arrays[2], *r, *o, emit);
  if (!format)
    return failure();
  Location loc = this->loc(layer.name);
  return QuantizeOp::create(builder, loc, input.getType(), input, nullptr,
                            format)
      .getOutput();
}

FailureOr<Value> Reader::activation(const Layer &layer, Value input,
                                    StringRef function, Location loc) {
  if (function == "linear")
    return input;
  const auto &names = keras::activationNames();
  auto found = llvm::find_if(
      names, [&](const auto &entry) { return entry.first == function; });
  if (found == names.end())
    return error(layer.name) << "field 'activation' is '" << function
                             << "', which is not supported";
  auto op = ActivationOp::create(builder, loc, input, found->second);
  // Keras's softmax runs over the last axis; the dialect states it, as the
  // ONNX reader does.
  if (found->second == "softmax")
    op.setAxisAttr(builder.getI64IntegerAttr(
        cast<RankedTensorType>(input.getType()).getRank() - 1));
  return op.getOutput();
}

/// The layer's own activation (Dense, Conv), as an hgq.activation after it.
static StringRef activationOf(const Layer &layer) {
  return layer.config->getString("activation").value_or("linear");
}

FailureOr<LayerOpInterface> Reader::linear(const Layer &layer, Value input,
                                           int64_t spatial, bool batchNorm) {
  ArrayRef<int64_t> features = featuresOf(input);
  DenseElementsAttr kernel;
  ElementsAttr bias;
  if (spatial == 0) {
    std::optional<int64_t> units = layer.config->getInteger("units");
    if (!units || *units <= 0)
      return error(layer.name) << "field 'units' must be a positive integer";
    if (failed(kernelAndBias(layer, {features.back(), *units}, kernel, bias)) ||
        (batchNorm && failed(foldBatchNorm(layer, kernel, bias))))
      return failure();
    return cast<LayerOpInterface>(
        DenseOp::create(builder, loc(layer.name), input, kernel, bias)
            .getOperation());
  }
  if (int64_t(features.size()) != spatial + 1)
    return error(layer.name) << "expects (batch, spatial..., channels) with "
                             << spatial << " spatial dimension(s), got "
                             << shapeText(features) << " after the batch";
  std::optional<int64_t> filters = layer.config->getInteger("filters");
  if (!filters || *filters <= 0)
    return error(layer.name) << "field 'filters' must be a positive integer";
  FailureOr<std::vector<int64_t>> window =
      ints(layer, "kernel_size", spatial, true);
  FailureOr<std::vector<int64_t>> strides =
      ints(layer, "strides", spatial, false);
  FailureOr<std::vector<int64_t>> dilations =
      ints(layer, "dilation_rate", spatial, false);
  FailureOr<std::string> pad = padding(layer);
  if (failed(window) || failed(strides) || failed(dilations) || failed(pad) ||
      failed(channelsLast(layer)))
    return failure();
  if (strides->empty())
    strides->assign(spatial, 1);
  if (dilations->empty())
    dilations->assign(spatial, 1);
  int64_t groups = layer.config->getInteger("groups").value_or(1);
  if (groups <= 0 || features.back() % groups != 0 || *filters % groups != 0)
    return error(layer.name)
           << "field 'groups' (" << groups << ") must divide the "
           << features.back() << " input channels and the " << *filters
           << " filters";
  std::vector<int64_t> kernelShape(window->begin(), window->end());
  kernelShape.push_back(features.back() / groups);
  kernelShape.push_back(*filters);
  if (failed(kernelAndBias(layer, kernelShape, kernel, bias)) ||
      (batchNorm && failed(foldBatchNorm(layer, kernel, bias))))
    return failure();
  std::vector<int64_t> pads =
      *pad == "same"
          ? samePads(features.drop_back(), *window, *strides, *dilations)
          : std::vector<int64_t>(2 * spatial, 0);
  if (failed(checkWindow(layer, input, *window, *strides, *dilations, pads)))
    return failure();
  return cast<LayerOpInterface>(ConvOp::create(builder, loc(layer.name), input,
                                               kernel, bias, *strides,
                                               *dilations, pads, groups)
                                    .getOperation());
}

FailureOr<Value> Reader::dense(const Layer &layer, Value input) {
  FailureOr<LayerOpInterface> op = linear(layer, input, 0, false);
  if (failed(op))
    return failure();
  return activation(layer, op->getOutput(), activationOf(layer),
                    loc(layer.name + "_activation"));
}

FailureOr<Value> Reader::conv(const Layer &layer, Value input,
                              int64_t spatial) {
  FailureOr<LayerOpInterface> op = linear(layer, input, spatial, false);
  if (failed(op))
    return failure();
  return activation(layer, op->getOutput(), activationOf(layer),
                    loc(layer.name + "_activation"));
}

FailureOr<Value> Reader::pool(const Layer &layer, Value input, int64_t spatial,
                              bool average) {
  ArrayRef<int64_t> features = featuresOf(input);
  if (int64_t(features.size()) != spatial + 1)
    return error(layer.name) << "expects (batch, spatial..., channels) with "
                             << spatial << " spatial dimension(s), got "
                             << shapeText(features) << " after the batch";
  FailureOr<std::vector<int64_t>> window =
      ints(layer, "pool_size", spatial, true);
  FailureOr<std::vector<int64_t>> strides =
      ints(layer, "strides", spatial, false);
  FailureOr<std::string> pad = padding(layer);
  if (failed(window) || failed(strides) || failed(pad) ||
      failed(channelsLast(layer)))
    return failure();
  if (strides->empty())
    *strides = *window; // Keras: strides default to the pool size
  std::vector<int64_t> ones(spatial, 1);
  std::vector<int64_t> pads =
      *pad == "same" ? samePads(features.drop_back(), *window, *strides, ones)
                     : std::vector<int64_t>(2 * spatial, 0);
  if (failed(checkWindow(layer, input, *window, *strides, ones, pads)))
    return failure();
  Location loc = this->loc(layer.name);
  if (average)
    return AvgPoolOp::create(builder, loc, input, *window, *strides, pads)
        .getOutput();
  return MaxPoolOp::create(builder, loc, input, *window, *strides, pads)
      .getOutput();
}

FailureOr<Value> Reader::unaryLut(const Layer &layer, Value input) {
  // The table is indexed by the bits of the input word, whose format the
  // quantizer before it gives; it must be one format for the whole tensor.
  auto producer = input.getDefiningOp<QuantizeOp>();
  FixedAttr format = producer ? producer.getFormatAttr() : nullptr;
  if (!format || !format.getBitsShape().empty())
    return error(layer.name) << "a UnaryLUT reads the output of a "
                                "FixedPointQuantizer with one format for the "
                                "whole tensor (its table is indexed by that "
                                "format's bits)";
  FailureOr<std::optional<Array<float>>> table = weight(layer, "table");
  if (failed(table))
    return failure();
  if (!*table || (*table)->shape.size() != 1)
    return error(layer.name) << "weight 'table:0' must be present and "
                                "one-dimensional";
  auto type = RankedTensorType::get({int64_t((*table)->values.size())},
                                    Float32Type::get(context));
  StringAttr fn;
  if (std::optional<StringRef> function = layer.config->getString("function"))
    fn = builder.getStringAttr(*function);
  Location loc = this->loc(layer.name);
  return UnaryLutOp::create(
             builder, loc, input.getType(), input,
             DenseElementsAttr::get(type, ArrayRef<float>((*table)->values)),
             format, fn)
      .getOutput();
}

FailureOr<Value> Reader::reshape(const Layer &layer, Value input) {
  Location loc = this->loc(layer.name);
  ArrayRef<int64_t> features = featuresOf(input);
  int64_t elements = ShapedType::getNumElements(features);
  const json::Array *target = layer.config->getArray("target_shape");
  if (!target)
    return error(layer.name) << "field 'target_shape' is missing";
  std::vector<int64_t> shape;
  int64_t known = 1, inferred = -1;
  for (const json::Value &dim : *target) {
    std::optional<int64_t> value = dim.getAsInteger();
    if (!value || (*value <= 0 && *value != -1) ||
        (*value == -1 && inferred >= 0))
      return error(layer.name) << "field 'target_shape' must hold positive "
                                  "integers and at most one -1";
    if (*value == -1)
      inferred = int64_t(shape.size());
    else
      known *= *value;
    shape.push_back(*value);
  }
  if (inferred >= 0 && elements % known == 0)
    shape[inferred] = elements / known;
  if (llvm::is_contained(shape, -1) ||
      ShapedType::getNumElements(shape) != elements)
    return error(layer.name) << "field 'target_shape' " << shapeText(shape)
                             << " does not hold the " << elements
                             << " elements of " << shapeText(features);
  return ReshapeOp::create(builder, loc, tensorType(shape), input).getOutput();
}

FailureOr<Value> Reader::add(const Layer &layer, ArrayRef<Value> inputs) {
  Location loc = this->loc(layer.name);
  Value input = inputs.front();
  for (Value other : inputs.drop_front())
    if (other.getType() != input.getType())
      return error(layer.name) << "adds inputs of different shapes";
  Value sum = input;
  for (Value other : inputs.drop_front())
    sum = AddOp::create(builder, loc, input.getType(), sum, other, nullptr)
              .getOutput();
  return sum;
}

FailureOr<Value> Reader::concatenate(const Layer &layer,
                                     ArrayRef<Value> inputs) {
  Location loc = this->loc(layer.name);
  ArrayRef<int64_t> features = featuresOf(inputs.front());
  int64_t rank = int64_t(features.size()) + 1;
  int64_t axis = layer.config->getInteger("axis").value_or(-1);
  if (axis < 0)
    axis += rank;
  if (axis < 1 || axis >= rank)
    return error(layer.name) << "field 'axis' must name a non-batch "
                                "dimension";
  for (Value other : inputs) {
    ArrayRef<int64_t> otherFeatures = featuresOf(other);
    if (otherFeatures.size() != features.size())
      return error(layer.name) << "concatenates inputs of different ranks";
    for (size_t d = 0; d < features.size(); ++d)
      if (int64_t(d) != axis - 1 && otherFeatures[d] != features[d])
        return error(layer.name) << "inputs differ outside the "
                                    "concatenation axis";
  }
  return ConcatOp::create(builder, loc, ValueRange(inputs), axis).getOutput();
}

/// The layer classes of a proxy model: how many inputs each takes and how
/// it is built. The one list a new class joins.
const std::vector<Reader::Rule> &Reader::rules() {
  using Inputs = ArrayRef<Value>;
  static const std::vector<Rule> table = {
      {"FixedPointQuantizer", false,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.quantizer(l, in[0]);
       }},
      {"Dense", false,
       [](Reader &r, const Layer &l, Inputs in) { return r.dense(l, in[0]); }},
      {"Conv1D", false,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.conv(l, in[0], 1);
       }},
      {"Conv2D", false,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.conv(l, in[0], 2);
       }},
      {"MaxPooling1D", false,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.pool(l, in[0], 1, false);
       }},
      {"MaxPooling2D", false,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.pool(l, in[0], 2, false);
       }},
      {"AveragePooling1D", false,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.pool(l, in[0], 1, true);
       }},
      {"AveragePooling2D", false,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.pool(l, in[0], 2, true);
       }},
      {"Activation", false,
       [](Reader &r, const Layer &l, Inputs in) -> FailureOr<Value> {
         std::optional<StringRef> fn = l.config->getString("activation");
         if (!fn)
           return r.error(l.name) << "field 'activation' is missing";
         return r.activation(l, in[0], *fn, r.loc(l.name));
       }},
      {"UnaryLUT", false,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.unaryLut(l, in[0]);
       }},
      {"Flatten", false,
       [](Reader &r, const Layer &l, Inputs in) -> FailureOr<Value> {
         return FlattenOp::create(r.builder, r.loc(l.name), in[0]).getOutput();
       }},
      {"Reshape", false,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.reshape(l, in[0]);
       }},
      {"Add", true,
       [](Reader &r, const Layer &l, Inputs in) { return r.add(l, in); }},
      {"Concatenate", true,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.concatenate(l, in);
       }},
      {"Permute", false,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.permute(l, in[0]);
       }},
      // Inference: the identity.
      {"Dropout", false,
       [](Reader &, const Layer &, Inputs in) -> FailureOr<Value> {
         return in[0];
       }},

      // HGQ's layer-level classes (trained models), HgqLayers.cpp.
      {"HQuantize", false,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.hgqQuantize(l, in[0]);
       }},
      {"HDense", false,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.hgqLinear(l, in[0], 0, false);
       }},
      {"HDenseBatchNorm", false,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.hgqLinear(l, in[0], 0, true);
       }},
      {"HConv1D", false,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.hgqLinear(l, in[0], 1, false);
       }},
      {"HConv2D", false,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.hgqLinear(l, in[0], 2, false);
       }},
      {"HConv1DBatchNorm", false,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.hgqLinear(l, in[0], 1, true);
       }},
      {"HConv2DBatchNorm", false,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.hgqLinear(l, in[0], 2, true);
       }},
      {"HActivation", false,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.hgqActivation(l, in[0]);
       }},
      {"HAdd", true,
       [](Reader &r, const Layer &l, Inputs in) -> FailureOr<Value> {
         FailureOr<Value> sum = r.add(l, in);
         if (failed(sum))
           return failure();
         return r.hgqQuantize(l, *sum);
       }},
      {"Signature", false,
       [](Reader &r, const Layer &l, Inputs in) {
         return r.signature(l, in[0]);
       }},
  };
  return table;
}

FailureOr<Value> Reader::build(const Layer &layer, ArrayRef<Value> inputs,
                               std::vector<Layer> &all) {
  // A nested model: its layers join the graph, named "MODEL/LAYER", their
  // weights under the outermost nested model's group.
  if (layer.className == "Functional" || layer.className == "Sequential" ||
      layer.className == "Model") {
    json::Object root;
    root["class_name"] = layer.className;
    root["config"] = json::Value(json::Object(*layer.config));
    std::string weightRoot = layer.weights;
    if (size_t slash = layer.name.find('/'); slash != std::string::npos)
      weightRoot = "/model_weights/" + layer.name.substr(0, slash);
    documents.push_back(std::make_unique<json::Value>(std::move(root)));
    FailureOr<SmallVector<Value>> outputs =
        buildModel(*documents.back()->getAsObject(), layer.name + "/",
                   weightRoot, inputs, all);
    if (failed(outputs))
      return failure();
    if (outputs->size() != 1)
      return error(layer.name) << "a nested model with " << outputs->size()
                               << " outputs is not supported";
    return outputs->front();
  }
  // HGQ's passive layers compute what the Keras layer they derive from
  // computes.
  static const std::map<StringRef, StringRef> passive = {
      {"PMaxPooling1D", "MaxPooling1D"},
      {"PMaxPool1D", "MaxPooling1D"},
      {"PMaxPooling2D", "MaxPooling2D"},
      {"PMaxPool2D", "MaxPooling2D"},
      {"PAveragePooling1D", "AveragePooling1D"},
      {"PAvgPool1D", "AveragePooling1D"},
      {"PAveragePooling2D", "AveragePooling2D"},
      {"PAvgPool2D", "AveragePooling2D"},
      {"PConcatenate", "Concatenate"},
      {"PReshape", "Reshape"},
      {"PFlatten", "Flatten"},
      {"PPermute", "Permute"},
      {"PDropout", "Dropout"}};
  StringRef className = layer.className;
  if (auto alias = passive.find(className); alias != passive.end())
    className = alias->second;
  const std::vector<Rule> &table = rules();
  const Rule *rule = nullptr;
  for (const Rule &candidate : table)
    if (candidate.className == className)
      rule = &candidate;
  if (!rule) {
    std::string known;
    for (const Rule &candidate : table)
      known += (known.empty() ? "" : ", ") + candidate.className.str();
    for (const auto &[alias, base] : passive)
      known += ", " + alias.str();
    return error(layer.name)
           << "class_name '" << layer.className
           << "' is not supported (known: InputLayer, Functional, Sequential, "
           << known << ")";
  }
  if (rule->merge ? inputs.size() < 2 : inputs.size() != 1)
    return error(layer.name)
           << layer.className << " takes "
           << (rule->merge ? "two or more inputs" : "one input") << ", got "
           << inputs.size();
  FailureOr<Value> result = rule->build(*this, layer, inputs);
  if (failed(result))
    return failure();
  if (Operation *op = result->getDefiningOp())
    if (failed(mlir::verify(op)))
      return error(layer.name) << "the layer does not make a valid op (see "
                                  "the note above)";
  return result;
}

/// HGQ writes hls4ml settings into each quantizer's `overrides`:
/// {"layers": {NAME: {"parallelization_factor": N, "weight_t": ...}}}. The
/// per-tensor types are recomputed by the proxy conversion; a parallelization
/// factor is the convolution's parallel_factor. An entry naming no
/// convolution changes nothing: a warning says so.
LogicalResult Reader::applyOverrides(const std::vector<Layer> &layers) {
  std::map<std::string, ConvOp> convs;
  graph.function.walk(
      [&](ConvOp conv) { convs.emplace(layerName(conv), conv); });
  for (const Layer &layer : layers) {
    if (layer.className != "FixedPointQuantizer")
      continue;
    const json::Object *overrides = layer.config->getObject("overrides");
    const json::Object *entries =
        overrides ? overrides->getObject("layers") : nullptr;
    if (!entries)
      continue;
    for (const auto &[target, value] : *entries) {
      const json::Object *conf = value.getAsObject();
      const json::Value *factor =
          conf ? conf->get("parallelization_factor") : nullptr;
      if (!factor)
        continue;
      std::optional<int64_t> number = factor->getAsInteger();
      if (!number || *number < 1)
        return error(layer.name)
               << "overrides: layer '" << target.str()
               << "': parallelization_factor must be a positive integer";
      auto conv = convs.find(target.str());
      if (conv == convs.end()) {
        emitWarning(graph.loc(path))
            << path << ": layer '" << layer.name << "': overrides name '"
            << target.str()
            << "', which is not a convolution of the model; its "
               "parallelization_factor is ignored";
        continue;
      }
      conv->second.setParallelFactor(*number);
      if (failed(mlir::verify(conv->second)))
        return error(layer.name) << "overrides: layer '" << target.str()
                                 << "': parallelization_factor " << *number
                                 << " does not fit the convolution";
    }
  }
  return success();
}

FailureOr<SmallVector<Value>> Reader::buildModel(const json::Object &root,
                                                 const std::string &prefix,
                                                 const std::string &weightRoot,
                                                 ArrayRef<Value> callInputs,
                                                 std::vector<Layer> &all) {
  std::string where = prefix.empty() ? "" : prefix.substr(0, prefix.size() - 1);
  std::optional<StringRef> modelClass = root.getString("class_name");
  const json::Object *config = root.getObject("config");
  if (!modelClass || !config)
    return error(where) << "model_config needs 'class_name' and 'config'";
  bool functional = *modelClass == "Functional" || *modelClass == "Model";
  if (!functional && *modelClass != "Sequential")
    return error(where) << "model_config: class_name '" << *modelClass
                        << "' is not Sequential or Functional";
  const json::Array *layerList = config->getArray("layers");
  if (!layerList)
    return error(where) << "model_config: field 'layers' is missing";
  std::vector<Layer> layers;
  for (const json::Value &value : *layerList) {
    FailureOr<Layer> layer = parseLayer(value, functional, prefix, weightRoot);
    if (failed(layer))
      return failure();
    if (graph.contains(layer->name) ||
        llvm::any_of(layers, [&](const Layer &other) {
          return other.name == layer->name;
        }))
      return error(layer->name) << "the name is used twice";
    layers.push_back(std::move(*layer));
  }
  if (layers.empty())
    return error(where) << "model_config: the model has no layers";

  // Inputs: InputLayer entries, or the first layer of a Sequential model
  // with its batch_input_shape.
  std::vector<std::pair<std::string, std::vector<int64_t>>> inputs;
  for (const Layer &layer : layers)
    if (layer.className == "InputLayer") {
      FailureOr<std::vector<int64_t>> shape = inputShape(layer);
      if (failed(shape))
        return failure();
      inputs.push_back({layer.name, *shape});
    }
  if (inputs.empty() && !functional) {
    std::vector<int64_t> shape;
    if (callInputs.empty()) {
      FailureOr<std::vector<int64_t>> declared = inputShape(layers.front());
      if (failed(declared))
        return failure();
      shape = *declared;
    }
    inputs.push_back({prefix + "input", shape});
  }
  if (inputs.empty())
    return error(where) << "model_config: the model has no InputLayer";

  std::string modelName =
      prefix + config->getString("name").value_or("model").str();
  if (callInputs.empty()) {
    std::vector<std::pair<std::string, Type>> arguments;
    for (const auto &entry : inputs)
      arguments.push_back({entry.first, tensorType(entry.second)});
    graph.begin("main", graph.loc(modelName), arguments);
  } else {
    if (callInputs.size() != inputs.size())
      return error(where) << "the nested model has " << inputs.size()
                          << " input(s) but is called with "
                          << callInputs.size();
    for (auto [entry, value] : llvm::zip(inputs, callInputs)) {
      if (!entry.second.empty() && featuresOf(value) != ArrayRef(entry.second))
        return error(entry.first) << "expects " << shapeText(entry.second)
                                  << " after the batch, the outer model gives "
                                  << shapeText(featuresOf(value));
      graph.define(entry.first, value);
    }
  }

  Value last;
  if (!functional) {
    last = *graph.lookup(inputs.front().first);
    for (const Layer &layer : layers) {
      if (layer.className == "InputLayer")
        continue;
      FailureOr<Value> result = build(layer, {last}, all);
      if (failed(result))
        return failure();
      graph.define(layer.name, last = *result);
    }
  } else {
    // Layers in any order: build each once its inputs exist.
    std::vector<const Layer *> pending;
    for (const Layer &layer : layers)
      if (layer.className != "InputLayer")
        pending.push_back(&layer);
    while (!pending.empty()) {
      std::vector<const Layer *> waiting;
      for (const Layer *layer : pending) {
        SmallVector<Value> operands;
        for (const std::string &input : layer->inputs)
          if (std::optional<Value> value = graph.lookup(input))
            operands.push_back(*value);
        if (operands.size() != layer->inputs.size()) {
          waiting.push_back(layer);
          continue;
        }
        FailureOr<Value> result = build(*layer, operands, all);
        if (failed(result))
          return failure();
        graph.define(layer->name, *result);
      }
      if (waiting.size() == pending.size()) {
        const Layer *stuck = waiting.front();
        for (const std::string &input : stuck->inputs)
          if (!llvm::any_of(layers, [&](const Layer &layer) {
                return layer.name == input;
              }))
            return error(stuck->name)
                   << "field 'inbound_nodes' names '"
                   << StringRef(input).drop_front(prefix.size())
                   << "', which is not a layer of the model";
        return error(stuck->name)
               << "its inputs form a cycle or come from no input";
      }
      pending = std::move(waiting);
    }
  }
  all.insert(all.end(), layers.begin(), layers.end());

  // Outputs: output_layers ([[name, 0, 0], ...] or [name, 0, 0]), or the
  // last layer of a Sequential model.
  SmallVector<Value> results;
  if (!functional) {
    results.push_back(last);
    return results;
  }
  const json::Array *outputs = config->getArray("output_layers");
  if (!outputs || outputs->empty())
    return error(where) << "model_config: field 'output_layers' is missing";
  std::vector<const json::Array *> entries;
  if ((*outputs)[0].getAsString())
    entries.push_back(outputs);
  else
    for (const json::Value &entry : *outputs)
      entries.push_back(entry.getAsArray());
  for (const json::Array *entry : entries) {
    std::optional<StringRef> name =
        entry && !entry->empty() ? (*entry)[0].getAsString() : std::nullopt;
    std::optional<Value> value =
        name ? graph.lookup(prefix + name->str()) : std::nullopt;
    if (!value)
      return error(where) << "model_config: field 'output_layers' names "
                          << (name ? "'" + name->str() +
                                         "', which is not a "
                                         "layer"
                                   : std::string("no layer"));
    results.push_back(*value);
  }
  return results;
}

OwningOpRef<ModuleOp> Reader::read() {
  std::optional<std::string> text = file.rootStringAttribute("model_config");
  if (!text) {
    error("") << "no 'model_config' attribute at the root; not a Keras model "
                 "file";
    return nullptr;
  }
  if (std::string deep = jsonNestingError(*text); !deep.empty()) {
    error("") << "model_config is not a Keras model: " << deep;
    return nullptr;
  }
  llvm::Expected<json::Value> parsed = json::parse(*text);
  if (!parsed) {
    error("") << "model_config is not JSON: "
              << llvm::toString(parsed.takeError());
    return nullptr;
  }
  const json::Object *root = parsed->getAsObject();
  if (!root) {
    error("") << "model_config needs 'class_name' and 'config'";
    return nullptr;
  }
  if (!file.hasGroup("/model_weights")) {
    error("") << "no 'model_weights' group; the file holds no weights";
    return nullptr;
  }
  std::vector<Layer> layers;
  FailureOr<SmallVector<Value>> results = buildModel(*root, "", "", {}, layers);
  if (failed(results))
    return nullptr;
  const json::Object *config = root->getObject("config");
  graph.setResults(
      *results, graph.loc(config->getString("name").value_or("model").str()));
  if (failed(applyOverrides(layers)))
    return nullptr;
  return graph.finish();
}

} // namespace hgq::keras_import

namespace hgq {

OwningOpRef<ModuleOp> importKeras(StringRef path, StringRef bytes,
                                  MLIRContext *context) {
  context->loadDialect<HGQDialect, func::FuncDialect>();
  std::string problem;
  keras_import::Hdf5File file(bytes, problem);
  if (!file.isOpen()) {
    emitError(NameLoc::get(StringAttr::get(context, path)))
        << path << ": " << problem;
    return nullptr;
  }
  return keras_import::Reader(context, path, file).read();
}

void setKerasReaderCpuLimit(unsigned seconds) {
  keras_import::Hdf5File::setCpuLimit(seconds);
}

void registerKerasImportTranslation() {
  registerFileImport("import-keras",
                     "read a Keras HDF5 model saved by HGQ: a trained "
                     "layer-level model (HDense, HConv, HQuantize, ...) into "
                     "layer-level IR, or a proxy model (FixedPointQuantizer) "
                     "into proxy-level IR",
                     importKeras);
  registerFileImport("import-keras-proxy",
                     "the same as --import-keras (kept for existing scripts)",
                     importKeras);
}

} // namespace hgq
