//===- HgqLayers.cpp - HGQ's layer-level Keras classes --------------------===//
//
// A model trained with HGQ and saved with model.save('m.h5') holds, per
// layer, the Keras weights and the learned fractional bit widths of its
// quantizers (kernel_bw:0, activation_bw:0); the integer bits were never
// saved (hgq-trace-minmax finds them). Each class becomes the layer-level
// op that computes what HGQ's inference (training=False) computes
// (semantics.md 1 and 4): HDense/HConv are a dense/conv with their kernel
// and pre-activation quantizers and a fused relu or none; their BatchNorm
// variants fold the normalization first, in float32, as HGQ does;
// HQuantize, HActivation and HAdd end in a quantize op with the layer's
// pre-activation quantizer; Signature states a format.
//
//===----------------------------------------------------------------------===//

#include "Reader.h"

#include "mlir/IR/Verifier.h"

#include <cmath>

using namespace mlir;
namespace json = llvm::json;

namespace hgq::keras_import {

namespace {

/// HGQ's rounding strategies, by name or by the integer HGQ stores after
/// resolving "auto" (0 round, 3 floor; 1 and 2 are training-time noise and
/// round at inference).
std::optional<RoundingStrategy> strategyOf(const json::Value &value) {
  if (std::optional<int64_t> code = value.getAsInteger()) {
    switch (*code) {
    case 0:
      return RoundingStrategy::standard_round;
    case 1:
      return RoundingStrategy::stochastic_round;
    case 2:
      return RoundingStrategy::fast_uniform_noise_injection;
    case 3:
      return RoundingStrategy::floor;
    default:
      return std::nullopt;
    }
  }
  std::optional<StringRef> name = value.getAsString();
  if (!name)
    return std::nullopt;
  return symbolizeRoundingStrategy(*name);
}

/// The numbers of a scalar or a nested list, and the list's shape.
bool nestedNumbers(const json::Value &value, std::vector<double> &numbers,
                   std::vector<int64_t> &shape, size_t depth = 0) {
  if (std::optional<double> number = value.getAsNumber()) {
    numbers.push_back(*number);
    return depth == shape.size();
  }
  const json::Array *array = value.getAsArray();
  if (!array || array->empty())
    return false;
  if (depth == shape.size())
    shape.push_back(int64_t(array->size()));
  else if (shape[depth] != int64_t(array->size()))
    return false;
  for (const json::Value &item : *array)
    if (!nestedNumbers(item, numbers, shape, depth + 1))
      return false;
  return true;
}

} // namespace

FailureOr<Value> Reader::permute(const Layer &layer, Value input) {
  // Keras's dims: the input dimension (1-based, batch excluded) of each
  // result dimension.
  FailureOr<std::vector<int64_t>> dims =
      ints(layer, "dims", featuresOf(input).size(), true);
  if (failed(dims))
    return failure();
  std::vector<int64_t> permutation{0};
  permutation.insert(permutation.end(), dims->begin(), dims->end());
  std::vector<int64_t> sorted(dims->begin(), dims->end());
  llvm::sort(sorted);
  for (size_t d = 0; d < sorted.size(); ++d)
    if (sorted[d] != int64_t(d) + 1)
      return error(layer.name)
             << "field 'dims' must be a permutation of 1.." << sorted.size();
  return TransposeOp::create(builder, loc(layer.name), input, permutation)
      .getOutput();
}

FailureOr<QuantizerAttr>
Reader::hgqQuantizer(const Layer &layer, StringRef confName, StringRef bitsName,
                     ArrayRef<int64_t> target, bool kernel) {
  const json::Object *conf = layer.config->getObject(confName);
  RoundingStrategy rnd =
      kernel ? RoundingStrategy::standard_round : RoundingStrategy::auto_;
  int32_t clipMin = kDefaultBwClipMin, clipMax = kDefaultBwClipMax;
  if (conf) {
    if (const json::Value *value = conf->get("rnd_strategy")) {
      std::optional<RoundingStrategy> parsed = strategyOf(*value);
      if (!parsed)
        return error(layer.name)
               << confName << ": rnd_strategy must be one of standard_round, "
               << "floor, auto, stochastic_round, fast_uniform_noise_injection "
                  "(or 0-3)";
      rnd = *parsed;
    }
    if (const json::Value *value = conf->get("bw_clip");
        value && value->kind() != json::Value::Null) {
      const json::Array *clip = value->getAsArray();
      std::optional<int64_t> low, high;
      if (clip && clip->size() == 2) {
        low = (*clip)[0].getAsInteger();
        high = (*clip)[1].getAsInteger();
      }
      if (!low || !high || *low > *high || *low < -127 || *high > 127)
        return error(layer.name) << confName
                                 << ": bw_clip must be two integers [min, max] "
                                    "with -127 <= min <= max <= 127";
      clipMin = int32_t(*low);
      clipMax = int32_t(*high);
    }
  }
  if (kernel && rnd == RoundingStrategy::auto_)
    return error(layer.name)
           << confName << ": a kernel quantizer cannot round 'auto'";
  FailureOr<Array<float>> bits = requiredWeight(layer, bitsName);
  if (failed(bits))
    return failure();
  // HGQ's bit arrays: the target's shape with shared (skipped) dimensions
  // set to 1.
  const std::vector<int64_t> &shape = bits->shape;
  if (!sharesDimensionsOf(shape, target))
    return error(layer.name)
           << "weight '" << bitsName << ":0' has shape " << shapeText(shape)
           << ", expected " << shapeText(target)
           << " (or 1 in place of a shared dimension)";
  SmallVector<int8_t> f;
  for (float value : bits->values) {
    if (!std::isfinite(value))
      return error(layer.name)
             << "weight '" << bitsName << ":0' holds a value that is not "
             << "finite";
    // Inference: f = round_half_even(clip(fbw, bw_clip)).
    float clipped = std::min(std::max(value, float(clipMin)), float(clipMax));
    f.push_back(int8_t(std::nearbyint(clipped)));
  }
  // Pre-activation bits have HGQ's leading batch axis of one; the
  // dialect's arrays broadcast against the tensor without it.
  std::vector<int64_t> own(shape.begin() + (kernel ? 0 : 1), shape.end());
  DenseIntElementsAttr array =
      f.size() == 1 && llvm::all_of(own, [](int64_t d) { return d == 1; })
          ? makeBitsArray(context, f.front())
          : DenseIntElementsAttr::get(
                RankedTensorType::get(own, IntegerType::get(context, 8)),
                ArrayRef<int8_t>(f));
  auto emit = [&]() {
    return error(layer.name) << "invalid " << confName << " quantizer: ";
  };
  QuantizerAttr quantizer =
      QuantizerAttr::getChecked(emit, context, array, rnd, clipMin, clipMax,
                                DenseIntElementsAttr(), DenseIntElementsAttr());
  if (!quantizer)
    return failure();
  return quantizer;
}

LogicalResult Reader::foldBatchNorm(const Layer &layer,
                                    DenseElementsAttr &kernel,
                                    ElementsAttr &bias) {
  auto kernelType = cast<ShapedType>(kernel.getType());
  int64_t channels = kernelType.getShape().back();
  auto channelWeight =
      [&](StringRef name) -> FailureOr<std::optional<std::vector<float>>> {
    FailureOr<std::optional<Array<float>>> array = weight(layer, name);
    if (failed(array))
      return failure();
    if (!*array)
      return std::optional<std::vector<float>>();
    if ((*array)->shape != std::vector<int64_t>{channels})
      return error(layer.name) << "weight '" << name << ":0' has shape "
                               << shapeText((*array)->shape) << ", expected "
                               << shapeText({channels});
    return std::optional<std::vector<float>>((*array)->values);
  };
  auto gamma = channelWeight("bn_gamma"), beta = channelWeight("bn_beta"),
       mean = channelWeight("moving_mean"),
       variance = channelWeight("moving_variance");
  if (failed(gamma) || failed(beta) || failed(mean) || failed(variance))
    return failure();
  // HGQ saves no BatchNorm settings: `scale` is there when bn_gamma is,
  // `center` when bn_beta is (HGQ drops it without a bias).
  if (*gamma && !*variance)
    return error(layer.name) << "has 'bn_gamma:0' but no 'moving_variance:0'";
  if (*beta && bias && !*mean)
    return error(layer.name) << "has 'bn_beta:0' but no 'moving_mean:0'";
  float epsilon = 1e-3f;
  if (std::optional<double> value = layer.config->getNumber("epsilon"))
    epsilon = float(*value);
  std::vector<float> scale(channels, 1.0f);
  if (*gamma)
    for (int64_t c = 0; c < channels; ++c)
      scale[c] = (**gamma)[c] / std::sqrt((**variance)[c] + epsilon);
  std::vector<float> values = floatsOf(kernel);
  for (size_t index = 0; index < values.size(); ++index)
    values[index] *= scale[index % channels]; // the output channel is last
  kernel = DenseElementsAttr::get(
      RankedTensorType::get(kernelType.getShape(), Float32Type::get(context)),
      ArrayRef<float>(values));
  if (bias && *beta) {
    std::vector<float> shifted = floatsOf(bias);
    for (int64_t c = 0; c < channels; ++c) {
      float centred = shifted[c] - (**mean)[c] * scale[c];
      shifted[c] = centred + (**beta)[c];
    }
    bias = DenseElementsAttr::get(
        RankedTensorType::get({channels}, Float32Type::get(context)),
        ArrayRef<float>(shifted));
  }
  return success();
}

FailureOr<Value> Reader::hgqLinear(const Layer &layer, Value input,
                                   int64_t spatial, bool batchNorm) {
  std::string function =
      layer.config->getString("activation").value_or("linear").str();
  if (function != "linear" && function != "relu")
    return error(layer.name) << "field 'activation' is '" << function
                             << "'; HGQ's dense and convolution layers apply "
                                "relu or linear (others go in HActivation)";
  FailureOr<LayerOpInterface> op = linear(layer, input, spatial, batchNorm);
  if (failed(op))
    return failure();
  auto kernelShape = cast<ShapedType>(op->getKernel().getType()).getShape();
  std::vector<int64_t> activationShape{1};
  ArrayRef<int64_t> features = featuresOf(op->getOutput());
  activationShape.insert(activationShape.end(), features.begin(),
                         features.end());
  FailureOr<QuantizerAttr> kq =
      hgqQuantizer(layer, "kq_conf", "kernel_bw", kernelShape, true);
  FailureOr<QuantizerAttr> paq =
      hgqQuantizer(layer, "paq_conf", "activation_bw", activationShape, false);
  if (failed(kq) || failed(paq))
    return failure();
  op->setKernelQuantizerAttr(*kq);
  op->setQuantizerAttr(*paq);
  if (function == "relu")
    op->setActivation(LayerActivation::relu);
  if (auto conv = dyn_cast<ConvOp>(op->getOperation())) {
    // parallel_factor: absent in files older than HGQ v0.2.4.
    const json::Value *factor = layer.config->get("parallel_factor");
    if (factor && factor->kind() != json::Value::Null) {
      std::optional<int64_t> number = factor->getAsInteger();
      if (!number || *number < 1)
        return error(layer.name)
               << "field 'parallel_factor' must be a positive integer";
      conv.setParallelFactor(*number);
    }
  }
  if (failed(mlir::verify(*op)))
    return error(layer.name) << "the layer does not make a valid op (see the "
                                "note above)";
  return op->getOutput();
}

FailureOr<Value> Reader::hgqQuantize(const Layer &layer, Value input) {
  std::vector<int64_t> shape{1};
  ArrayRef<int64_t> features = featuresOf(input);
  shape.insert(shape.end(), features.begin(), features.end());
  FailureOr<QuantizerAttr> paq =
      hgqQuantizer(layer, "paq_conf", "activation_bw", shape, false);
  if (failed(paq))
    return failure();
  return QuantizeOp::create(builder, loc(layer.name), input.getType(), input,
                            *paq, nullptr)
      .getOutput();
}

FailureOr<Value> Reader::hgqActivation(const Layer &layer, Value input) {
  std::optional<StringRef> function = layer.config->getString("activation");
  if (!function)
    return error(layer.name)
           << "field 'activation' is missing or not a name (a Python "
              "function is saved by name only; our dialect knows relu, "
              "tanh, sigmoid, softmax, elu, selu, softplus, softsign, "
              "exponential, hard_sigmoid, linear)";
  FailureOr<Value> activated =
      activation(layer, input, *function, loc(layer.name + "_function"));
  if (failed(activated))
    return failure();
  FailureOr<Value> quantized = hgqQuantize(layer, *activated);
  if (failed(quantized))
    return failure();
  // HActivation rounds an "auto" quantizer to nearest (it has no bias).
  auto op = quantized->getDefiningOp<QuantizeOp>();
  QuantizerAttr paq = op.getQuantizerAttr();
  if (paq.getRnd() == RoundingStrategy::auto_)
    op.setQuantizerAttr(QuantizerAttr::get(
        context, paq.getF(), RoundingStrategy::standard_round,
        paq.getBwClipMin(), paq.getBwClipMax(), paq.getK(), paq.getI()));
  return *quantized;
}

FailureOr<Value> Reader::signature(const Layer &layer, Value input) {
  // (keep_negative, bits, int_bits), int_bits counting the sign; each a
  // number or a nested list shaped (1, features...) with 1 for a shared
  // dimension. HGQ's get_config names keep_negative 'cat'.
  std::vector<int64_t> target{1};
  ArrayRef<int64_t> features = featuresOf(input);
  target.insert(target.end(), features.begin(), features.end());
  SmallVector<DenseIntElementsAttr, 3> arrays;
  for (StringRef key : {"keep_negative", "bits", "int_bits"}) {
    const json::Value *value = layer.config->get(key);
    if (!value && key == "keep_negative")
      value = layer.config->get("cat");
    if (!value)
      return error(layer.name) << "field '" << key << "' is missing";
    std::vector<double> numbers;
    std::vector<int64_t> shape;
    if (!nestedNumbers(*value, numbers, shape) ||
        !(shape.empty() || sharesDimensionsOf(shape, target)))
      return error(layer.name)
             << "field '" << key << "' must be a number or a list shaped "
             << shapeText(target) << " (1 for a shared dimension)";
    SmallVector<int8_t> values;
    for (double number : numbers) {
      if (number != std::floor(number) || std::abs(number) > 127)
        return error(layer.name) << "field '" << key << "' holds " << number
                                 << "; bit counts are integers";
      values.push_back(int8_t(number));
    }
    std::vector<int64_t> own =
        shape.empty() ? shape
                      : std::vector<int64_t>(shape.begin() + 1, shape.end());
    arrays.push_back(DenseIntElementsAttr::get(
        RankedTensorType::get(own, IntegerType::get(context, 8)),
        ArrayRef<int8_t>(values)));
  }
  // kbiFormat takes (keep_negative, bits, integers-with-sign).
  auto emit = [&]() { return error(layer.name) << "invalid format: "; };
  FixedAttr format = kbiFormat(context, arrays[0], arrays[1], arrays[2],
                               RoundingMode::TRN, OverflowMode::WRAP, emit);
  if (!format)
    return failure();
  return SignatureOp::create(builder, loc(layer.name), input.getType(), input,
                             format)
      .getOutput();
}

} // namespace hgq::keras_import
