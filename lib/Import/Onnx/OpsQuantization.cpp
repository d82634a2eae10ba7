//===- OpsQuantization.cpp - hgq, QONNX and QDQ quantizers ----------------===//
//
// Three encodings of quantization, one dialect: an HGQ quantizer becomes
// #hgq.quantizer (layer level, folded into the layer it follows), every
// fixed-point encoding becomes #hgq.fixed (proxy level). On a constant, a
// quantizer is applied at import (exactly), except hgq.Quantizer, which
// becomes the kernel quantizer of the layer that uses the constant.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"
#include "hgq/Support/Permute.h"

#include "hgq/Fixed/Fixed.h"

#include "mlir/IR/Verifier.h"

#include <cmath>

using namespace mlir;

namespace hgq::onnx_import {
namespace {

/// NumPy broadcast of shapes, or nullopt.
std::optional<std::vector<int64_t>>
broadcast(const std::vector<std::vector<int64_t>> &shapes) {
  size_t rank = 0;
  for (const auto &shape : shapes)
    rank = std::max(rank, shape.size());
  std::vector<int64_t> result(rank, 1);
  for (const auto &shape : shapes)
    for (size_t d = 0; d < shape.size(); ++d) {
      int64_t &target = result[rank - shape.size() + d];
      int64_t dim = shape[d];
      if (dim != 1 && target != 1 && dim != target)
        return std::nullopt;
      if (dim != 1)
        target = dim;
    }
  return result;
}

/// The values of `tensor` broadcast to `shape` (right-aligned).
std::vector<double> expand(const ConstTensor &tensor,
                           const std::vector<int64_t> &shape) {
  std::vector<int64_t> sources = broadcastSources(tensor.shape, shape);
  std::vector<double> out(sources.size());
  for (size_t flat = 0; flat < sources.size(); ++flat)
    out[flat] = tensor.values[sources[flat]];
  return out;
}

ConstTensor makeTensor(std::vector<int64_t> shape, std::vector<double> values) {
  ConstTensor tensor;
  tensor.shape = std::move(shape);
  tensor.values = std::move(values);
  return tensor;
}

/// A fixed-point format per element, in ONNX layout.
struct OnnxFormat {
  std::vector<int64_t> shape;
  std::vector<double> k, i, f;
  fixed::Rounding rounding = fixed::Rounding::TRN;
  fixed::Overflow overflow = fixed::Overflow::WRAP;
};

/// The format as #hgq.fixed on an activation (physical layout).
FailureOr<FixedAttr> formatFor(Importer &importer, const onnx::NodeProto &node,
                               const OnnxFormat &format,
                               const Activation &activation) {
  FailureOr<DenseIntElementsAttr> k = importer.physicalBits(
      node, makeTensor(format.shape, format.k), activation);
  FailureOr<DenseIntElementsAttr> i = importer.physicalBits(
      node, makeTensor(format.shape, format.i), activation);
  FailureOr<DenseIntElementsAttr> f = importer.physicalBits(
      node, makeTensor(format.shape, format.f), activation);
  if (failed(k) || failed(i) || failed(f))
    return failure();
  auto emit = [&]() { return importer.nodeError(node) << "invalid format: "; };
  FixedAttr attr =
      FixedAttr::getChecked(emit, importer.context, *k, *i, *f,
                            RoundingMode(uint32_t(format.rounding)),
                            OverflowMode(uint32_t(format.overflow)));
  if (attr)
    attr = canonicalFixed(importer.context, attr.getK(), attr.getI(),
                          attr.getF(), attr.getRounding(), attr.getOverflow());
  if (!attr)
    return failure();
  return attr;
}

/// Quantizes a constant exactly with a per-element format broadcast against
/// its full shape.
FailureOr<ConstTensor> quantizeConstant(Importer &importer,
                                        const onnx::NodeProto &node,
                                        const ConstTensor &value,
                                        const OnnxFormat &format) {
  std::optional<std::vector<int64_t>> shape =
      broadcast({value.shape, format.shape});
  if (!shape || *shape != value.shape)
    return importer.nodeError(node)
           << "the quantizer's parameters do not broadcast against the "
              "constant it quantizes";
  ConstTensor k = makeTensor(format.shape, format.k);
  ConstTensor i = makeTensor(format.shape, format.i);
  ConstTensor f = makeTensor(format.shape, format.f);
  std::vector<double> ks = expand(k, value.shape), is = expand(i, value.shape),
                      fs = expand(f, value.shape);
  ConstTensor result = value;
  result.type = onnx::TensorProto::FLOAT;
  result.quantizer.reset();
  for (size_t index = 0; index < value.values.size(); ++index) {
    fixed::Format element{int(ks[index]), int(is[index]), int(fs[index])};
    fixed::QuantizedDouble q = fixed::quantizeDouble(
        value.values[index], element, format.rounding, format.overflow);
    if (!q.ok())
      return importer.nodeError(node)
             << "cannot quantize constant value " << index << ": "
             << fixed::statusMessage(q.status);
    result.values[index] = q.value;
  }
  return result;
}

/// Applies `format` to input 0: a constant is quantized at import, an
/// activation gets an hgq.quantize. Sets output 0 (and `alias` if given).
LogicalResult applyFormat(Importer &importer, const onnx::NodeProto &node,
                          const OnnxFormat &format, const std::string &output) {
  // The dialect's bit arrays are 8-bit: a width, integer or fractional bit
  // count beyond +-127 would wrap into another format.
  for (size_t index = 0; index < format.k.size(); ++index) {
    double k = format.k[index], i = format.i[index], f = format.f[index];
    if (std::fabs(i) > 127 || std::fabs(f) > 127 || k + i + f > 127)
      return importer.nodeError(node)
             << "the format (k = " << int64_t(k) << ", i = " << int64_t(i)
             << ", f = " << int64_t(f)
             << ") is wider than the 127 bits a quantizer can have";
  }
  if (importer.isConstant(node.input(0))) {
    FailureOr<const ConstTensor *> value = importer.constant(node, 0);
    FailureOr<ConstTensor> quantized =
        quantizeConstant(importer, node, **value, format);
    if (failed(quantized))
      return failure();
    importer.setConstant(output, *quantized);
    return success();
  }
  FailureOr<Activation> input = importer.activation(node, 0);
  if (failed(input))
    return failure();
  FailureOr<FixedAttr> attr = formatFor(importer, node, format, *input);
  if (failed(attr))
    return failure();
  auto op =
      QuantizeOp::create(importer.builder, importer.locationOf(node),
                         input->value.getType(), input->value, nullptr, *attr);
  importer.setElementwise(output, *input, op.getOutput(),
                          attr->isUniform() ? *attr : FixedAttr());
  return success();
}

/// Scales that are powers of two, as fractional bits; nullopt otherwise.
std::optional<std::vector<double>> fractionalBitsOf(const ConstTensor &scale) {
  std::vector<double> fractional;
  for (double value : scale.values) {
    if (!(value > 0))
      return std::nullopt;
    int exponent = 0;
    double mantissa = std::frexp(value, &exponent);
    if (mantissa != 0.5)
      return std::nullopt;
    fractional.push_back(double(1 - exponent)); // value = 2^(exponent-1)
  }
  return fractional;
}

//===----------------------------------------------------------------------===//
// hgq domain
//===----------------------------------------------------------------------===//

std::optional<RoundingStrategy> strategyNamed(const std::string &name) {
  if (name == "standard_round")
    return RoundingStrategy::standard_round;
  if (name == "floor")
    return RoundingStrategy::floor;
  if (name == "auto")
    return RoundingStrategy::auto_;
  if (name == "stochastic_round")
    return RoundingStrategy::stochastic_round;
  if (name == "fast_uniform_noise_injection")
    return RoundingStrategy::fast_uniform_noise_injection;
  return std::nullopt;
}

LogicalResult importHgqQuantizer(Importer &importer,
                                 const onnx::NodeProto &node) {
  FailureOr<const ConstTensor *> bits = importer.constant(node, 1);
  if (failed(bits))
    return failure();
  std::string name =
      importer.stringAttr(node, "rnd_strategy", "standard_round");
  std::optional<RoundingStrategy> rnd = strategyNamed(name);
  if (!rnd)
    return importer.nodeError(node)
           << "rnd_strategy '" << name
           << "' is not one of standard_round, floor, auto, stochastic_round, "
              "fast_uniform_noise_injection";
  for (double value : (*bits)->values)
    if (value != std::round(value) || value < -128 || value > 127)
      return importer.nodeError(node) << "fractional bits must be int8 "
                                         "integers, got "
                                      << value;

  if (importer.isConstant(node.input(0))) {
    // A kernel quantizer: the layer that reads the constant applies it.
    if (*rnd == RoundingStrategy::auto_)
      return importer.nodeError(node) << "a kernel quantizer cannot use "
                                         "rnd_strategy auto";
    FailureOr<const ConstTensor *> value = importer.constant(node, 0);
    ConstTensor quantized = **value;
    if (quantized.quantizer)
      return importer.nodeError(node) << "the constant is already quantized";
    quantized.quantizer = ConstTensor::Quantizer{
        (*bits)->shape,
        std::vector<int64_t>((*bits)->values.begin(), (*bits)->values.end()),
        *rnd};
    importer.setConstant(node.output(0), std::move(quantized));
    return success();
  }

  FailureOr<Activation> input = importer.activation(node, 0);
  if (failed(input))
    return failure();
  FailureOr<DenseIntElementsAttr> f =
      importer.physicalBits(node, **bits, *input);
  if (failed(f))
    return failure();
  if (f->isSplat() && f->getNumElements() == 1)
    *f = makeBitsArray(importer.context, f->getSplatValue<int8_t>());
  auto emit = [&]() {
    return importer.nodeError(node) << "invalid quantizer: ";
  };
  QuantizerAttr quantizer = QuantizerAttr::getChecked(
      emit, importer.context, *f, *rnd, kDefaultBwClipMin, kDefaultBwClipMax,
      DenseIntElementsAttr(), DenseIntElementsAttr());
  if (!quantizer)
    return failure();
  Location loc = importer.locationOf(node);

  // The pre-activation quantizer of the dense/conv that computes the input.
  Operation *producer = input->value.getDefiningOp();
  bool single = producer && input->value.use_empty() &&
                !importer.isUsedElsewhere(node.input(0), node);
  auto fold = [&](auto layer) {
    if (!layer || layer.getQuantizerAttr() ||
        layer.getActivation() != LayerActivation::linear)
      return false;
    layer.setQuantizerAttr(quantizer);
    layer->setLoc(FusedLoc::get(importer.context, {layer.getLoc(), loc}));
    return true;
  };
  if (single &&
      (fold(dyn_cast<DenseOp>(producer)) || fold(dyn_cast<ConvOp>(producer)))) {
    if (failed(mlir::verify(producer)))
      return importer.nodeError(node) << "cannot attach the quantizer to the "
                                         "layer before it";
    importer.setActivation(node.output(0), *input);
    return success();
  }
  auto op = QuantizeOp::create(importer.builder, loc, input->value.getType(),
                               input->value, quantizer, nullptr);
  importer.setElementwise(node.output(0), *input, op.getOutput());
  return success();
}

LogicalResult importFixedPointQuantizer(Importer &importer,
                                        const onnx::NodeProto &node) {
  FailureOr<const ConstTensor *> keep = importer.constant(node, 1);
  FailureOr<const ConstTensor *> bits = importer.constant(node, 2);
  FailureOr<const ConstTensor *> integers = importer.constant(node, 3);
  if (failed(keep) || failed(bits) || failed(integers))
    return failure();
  std::optional<std::vector<int64_t>> shape =
      broadcast({(*keep)->shape, (*bits)->shape, (*integers)->shape});
  if (!shape)
    return importer.nodeError(node) << "keep_negative, bits and integers do "
                                       "not broadcast against each other";
  OnnxFormat format;
  format.shape = *shape;
  std::vector<double> k = expand(**keep, *shape), w = expand(**bits, *shape),
                      integer = expand(**integers, *shape);
  for (size_t index = 0; index < k.size(); ++index) {
    format.k.push_back(k[index]);
    format.i.push_back(integer[index] - k[index]);
    format.f.push_back(w[index] - integer[index]);
  }
  std::string rounding = importer.stringAttr(node, "RND", "TRN");
  std::string overflow = importer.stringAttr(node, "SAT", "WRAP");
  std::optional<fixed::Rounding> r = fixed::parseRounding(rounding);
  std::optional<fixed::Overflow> o = fixed::parseOverflow(overflow);
  if (!r)
    return importer.nodeError(node)
           << "RND '" << rounding << "' is not a rounding mode";
  if (!o)
    return importer.nodeError(node)
           << "SAT '" << overflow << "' is not an overflow mode";
  format.rounding = *r;
  format.overflow = *o;
  return applyFormat(importer, node, format, node.output(0));
}

LogicalResult importSignature(Importer &importer, const onnx::NodeProto &node) {
  FailureOr<Activation> input = importer.activation(node, 0);
  if (failed(input))
    return failure();
  int64_t keep = importer.intAttr(node, "keep_negative", 1);
  int64_t bits = importer.intAttr(node, "bits", -1);
  int64_t integers = importer.intAttr(node, "integers", -1);
  if (bits < 0 || integers == -1)
    return importer.nodeError(node) << "Signature needs the attributes "
                                       "keep_negative, bits and integers";
  if (keep < 0 || keep > 1 || bits > 127 || integers < -127 || integers > 127)
    return importer.nodeError(node)
           << "invalid format: keep_negative = " << keep << ", bits = " << bits
           << ", integers = " << integers
           << " (keep_negative is 0 or 1, at most 127 bits)";
  auto emit = [&]() { return importer.nodeError(node) << "invalid format: "; };
  FixedAttr format = FixedAttr::getChecked(
      emit, importer.context, makeBitsArray(importer.context, int8_t(keep)),
      makeBitsArray(importer.context, int8_t(integers - keep)),
      makeBitsArray(importer.context, int8_t(bits - integers)),
      RoundingMode::TRN, OverflowMode::WRAP);
  if (!format)
    return failure();
  auto op = SignatureOp::create(importer.builder, importer.locationOf(node),
                                input->value.getType(), input->value, format);
  importer.setElementwise(node.output(0), *input, op.getOutput(), format);
  return success();
}

LogicalResult importUnaryLut(Importer &importer, const onnx::NodeProto &node) {
  FailureOr<Activation> input = importer.activation(node, 0);
  FailureOr<const ConstTensor *> table = importer.constant(node, 1);
  if (failed(input) || failed(table))
    return failure();
  if (!input->uniformFormat)
    return importer.nodeError(node)
           << "UnaryLUT indexes its table by the raw bits of its input, so "
              "the input must come from a FixedPointQuantizer or Signature "
              "with one format for every element";
  fixed::Format format = expandFormats(input->uniformFormat, {})[0];
  int64_t entries = int64_t(1) << std::max(format.width(), 0);
  if ((*table)->shape.size() != 1 || (*table)->size() != entries)
    return importer.nodeError(node)
           << "the table has " << (*table)->size() << " entries but the input "
           << format.str() << " needs 2^" << format.width() << " = " << entries;
  auto op = UnaryLutOp::create(
      importer.builder, importer.locationOf(node), input->value.getType(),
      input->value, importer.floatElements({entries}, (*table)->values),
      input->uniformFormat, nullptr);
  importer.setElementwise(node.output(0), *input, op.getOutput());
  return success();
}

//===----------------------------------------------------------------------===//
// QONNX
//===----------------------------------------------------------------------===//

std::optional<fixed::Rounding> qonnxRounding(const std::string &name) {
  if (name == "ROUND" || name == "HALF_EVEN")
    return fixed::Rounding::RND_CONV;
  if (name == "FLOOR")
    return fixed::Rounding::TRN;
  if (name == "HALF_UP")
    return fixed::Rounding::RND_INF;
  if (name == "HALF_DOWN")
    return fixed::Rounding::RND_ZERO;
  if (name == "DOWN")
    return fixed::Rounding::TRN_ZERO;
  return std::nullopt;
}

/// The fixed-point part of an integer quantizer with power-of-two scales:
/// `bitwidth` bits, signed or not, scale 2^-f per element.
OnnxFormat integerFormat(const std::vector<int64_t> &shape,
                         const std::vector<double> &fractional, double bitwidth,
                         bool isSigned, fixed::Rounding rounding,
                         fixed::Overflow overflow) {
  OnnxFormat format;
  format.shape = shape;
  for (double f : fractional) {
    format.k.push_back(isSigned ? 1 : 0);
    format.i.push_back(bitwidth - (isSigned ? 1 : 0) - f);
    format.f.push_back(f);
  }
  format.rounding = rounding;
  format.overflow = overflow;
  return format;
}

/// y = scale * Q(x / scale) for scales that are not powers of two: a float
/// divide, an integer format (f = 0), a float multiply. Warns.
LogicalResult rescaledInteger(Importer &importer, const onnx::NodeProto &node,
                              const ConstTensor &scale, OnnxFormat integer) {
  importer.nodeWarning(
      node, "scale is not a power of two: imported as a float rescale around "
            "an integer format, which is not bit-exact fixed-point hardware");
  if (importer.isConstant(node.input(0))) {
    FailureOr<const ConstTensor *> value = importer.constant(node, 0);
    ConstTensor divided = **value;
    std::vector<double> scales = expand(scale, divided.shape);
    for (size_t index = 0; index < divided.values.size(); ++index)
      divided.values[index] =
          double(float(divided.values[index]) / float(scales[index]));
    FailureOr<ConstTensor> quantized =
        quantizeConstant(importer, node, divided, integer);
    if (failed(quantized))
      return failure();
    for (size_t index = 0; index < quantized->values.size(); ++index)
      quantized->values[index] =
          double(float(quantized->values[index]) * float(scales[index]));
    importer.setConstant(node.output(0), *quantized);
    return success();
  }
  if (scale.size() != 1)
    return importer.nodeError(node)
           << "per-channel non-power-of-two scales on activations are not "
              "supported (one scale per tensor is)";
  FailureOr<Activation> input = importer.activation(node, 0);
  if (failed(input))
    return failure();
  Location loc = importer.locationOf(node);
  auto scaleAttr = importer.floatElements({}, scale.values);
  Value divided = RescaleOp::create(importer.builder, loc,
                                    input->value.getType(), input->value,
                                    scaleAttr, importer.builder.getUnitAttr());
  // Q(x / scale), then * scale, through two internal names.
  std::string integerName = node.output(0) + "/integer";
  std::string quantizedName = node.output(0) + "/quantized";
  importer.setElementwise(integerName, *input, divided);
  onnx::NodeProto inner = node;
  inner.set_input(0, integerName);
  if (failed(applyFormat(importer, inner, integer, quantizedName)))
    return failure();
  inner.set_input(0, quantizedName);
  FailureOr<Activation> quantized = importer.activation(inner, 0);
  if (failed(quantized))
    return failure();
  Value multiplied =
      RescaleOp::create(importer.builder, loc, quantized->value.getType(),
                        quantized->value, scaleAttr, nullptr);
  importer.setElementwise(node.output(0), *quantized, multiplied);
  return success();
}

LogicalResult importQuant(Importer &importer, const onnx::NodeProto &node) {
  FailureOr<const ConstTensor *> scale = importer.constant(node, 1);
  FailureOr<const ConstTensor *> zero = importer.constant(node, 2);
  FailureOr<const ConstTensor *> width = importer.constant(node, 3);
  if (failed(scale) || failed(zero) || failed(width))
    return failure();
  for (double value : (*zero)->values)
    if (value != 0)
      return importer.nodeError(node) << "a non-zero zero point is not a "
                                         "fixed-point format";
  if ((*width)->size() != 1 || (*width)->values[0] < 1 ||
      (*width)->values[0] != std::round((*width)->values[0]))
    return importer.nodeError(node) << "bitwidth must be one positive integer";
  double bitwidth = (*width)->values[0];
  bool isSigned = importer.intAttr(node, "signed", 1) != 0;
  bool narrow = importer.intAttr(node, "narrow", 0) != 0;
  std::string mode = importer.stringAttr(node, "rounding_mode", "ROUND");
  std::optional<fixed::Rounding> rounding = qonnxRounding(mode);
  if (!rounding)
    return importer.nodeError(node)
           << "rounding_mode '" << mode << "' has no fixed-point equivalent";
  if (narrow && !isSigned)
    return importer.nodeError(node) << "narrow unsigned ranges have no "
                                       "fixed-point overflow mode";
  fixed::Overflow overflow =
      narrow ? fixed::Overflow::SAT_SYM : fixed::Overflow::SAT;
  if (std::optional<std::vector<double>> fractional = fractionalBitsOf(**scale))
    return applyFormat(importer, node,
                       integerFormat((*scale)->shape, *fractional, bitwidth,
                                     isSigned, *rounding, overflow),
                       node.output(0));
  return rescaledInteger(
      importer, node, **scale,
      integerFormat({}, {0.0}, bitwidth, isSigned, *rounding, overflow));
}

LogicalResult importBipolarQuant(Importer &importer,
                                 const onnx::NodeProto &node) {
  FailureOr<const ConstTensor *> scale = importer.constant(node, 1);
  if (failed(scale))
    return failure();
  if (importer.isConstant(node.input(0))) {
    FailureOr<const ConstTensor *> value = importer.constant(node, 0);
    ConstTensor result = **value;
    std::vector<double> scales = expand(**scale, result.shape);
    for (size_t index = 0; index < result.values.size(); ++index)
      result.values[index] = (result.values[index] >= 0 ? 1.0 : -1.0) *
                             double(float(scales[index]));
    result.quantizer.reset();
    importer.setConstant(node.output(0), std::move(result));
    return success();
  }
  FailureOr<Activation> input = importer.activation(node, 0);
  if (failed(input))
    return failure();
  Location loc = importer.locationOf(node);
  auto sign =
      ActivationOp::create(importer.builder, loc, input->value, "bipolar");
  Value result = sign.getOutput();
  bool unit = llvm::all_of((*scale)->values, [](double v) { return v == 1.0; });
  if (!unit) {
    if ((*scale)->size() != 1)
      return importer.nodeError(node) << "per-element BipolarQuant scales on "
                                         "activations are not supported";
    result = RescaleOp::create(importer.builder, loc, result.getType(), result,
                               importer.floatElements({}, (*scale)->values),
                               nullptr);
  }
  importer.setElementwise(node.output(0), *input, result);
  return success();
}

LogicalResult importTrunc(Importer &importer, const onnx::NodeProto &node) {
  FailureOr<const ConstTensor *> scale = importer.constant(node, 1);
  FailureOr<const ConstTensor *> zero = importer.constant(node, 2);
  FailureOr<const ConstTensor *> inWidth = importer.constant(node, 3);
  FailureOr<const ConstTensor *> outWidth = importer.constant(node, 4);
  if (failed(scale) || failed(zero) || failed(inWidth) || failed(outWidth))
    return failure();
  for (double value : (*zero)->values)
    if (value != 0)
      return importer.nodeError(node) << "a non-zero zero point is not a "
                                         "fixed-point format";
  if ((*inWidth)->size() != 1 || (*outWidth)->size() != 1)
    return importer.nodeError(node) << "bit widths must be scalars";
  double in = (*inWidth)->values[0], out = (*outWidth)->values[0];
  if (out > in || out < 1)
    return importer.nodeError(node) << "output_bit_width must lie in [1, "
                                       "input_bit_width]";
  std::optional<std::vector<double>> fractional = fractionalBitsOf(**scale);
  if (!fractional)
    return importer.nodeError(node) << "Trunc needs power-of-two scales";
  std::string mode = importer.stringAttr(node, "rounding_mode", "FLOOR");
  std::optional<fixed::Rounding> rounding = qonnxRounding(mode);
  if (!rounding)
    return importer.nodeError(node)
           << "rounding_mode '" << mode << "' has no fixed-point equivalent";
  bool isSigned = importer.intAttr(node, "signed", 1) != 0;
  // Same integer bits, in - out fewer fractional bits.
  std::vector<double> truncated;
  for (double f : *fractional)
    truncated.push_back(f - (in - out));
  return applyFormat(importer, node,
                     integerFormat((*scale)->shape, truncated, out, isSigned,
                                   *rounding, fixed::Overflow::WRAP),
                     node.output(0));
}

//===----------------------------------------------------------------------===//
// QDQ
//===----------------------------------------------------------------------===//

/// Scale and zero point of a Q or DQ node, with its integer type.
struct LinearQuantization {
  const ConstTensor *scale = nullptr;
  const ConstTensor *zero = nullptr;
  int32_t type = onnx::TensorProto::UINT8;
  int64_t axis = 1;
};

FailureOr<LinearQuantization> linearParameters(Importer &importer,
                                               const onnx::NodeProto &node) {
  LinearQuantization result;
  FailureOr<const ConstTensor *> scale = importer.constant(node, 1);
  if (failed(scale))
    return failure();
  result.scale = *scale;
  if (importer.hasInput(node, 2)) {
    FailureOr<const ConstTensor *> zero = importer.constant(node, 2);
    if (failed(zero))
      return failure();
    result.zero = *zero;
    result.type = (*zero)->type;
    for (double value : (*zero)->values)
      if (value != 0)
        return importer.nodeError(node) << "a non-zero zero point is not a "
                                           "fixed-point format";
  }
  result.axis = importer.intAttr(node, "axis", 1);
  // Opset 21 additions: blocked quantization, and the integer type given by
  // an attribute when there is no zero point.
  if (importer.intAttr(node, "block_size", 0) != 0)
    return importer.nodeError(node) << "blocked quantization (block_size) is "
                                       "not supported";
  if (!result.zero)
    result.type = int32_t(importer.intAttr(node, "output_dtype", result.type));
  return result;
}

/// The shape of a per-axis parameter against a tensor of rank `rank`.
std::vector<int64_t> axisShape(const ConstTensor &scale, int64_t axis,
                               int64_t rank) {
  if (scale.size() == 1)
    return {};
  std::vector<int64_t> shape(rank - axis, 1);
  shape[0] = scale.size();
  return shape;
}

FailureOr<OnnxFormat> qdqFormat(Importer &importer, const onnx::NodeProto &node,
                                const LinearQuantization &q, int64_t rank) {
  int64_t bits;
  bool isSigned;
  switch (q.type) {
  case onnx::TensorProto::INT8:
    bits = 8, isSigned = true;
    break;
  case onnx::TensorProto::UINT8:
    bits = 8, isSigned = false;
    break;
  case onnx::TensorProto::INT16:
    bits = 16, isSigned = true;
    break;
  case onnx::TensorProto::UINT16:
    bits = 16, isSigned = false;
    break;
  default:
    return importer.nodeError(node)
           << "integer type "
           << onnx::TensorProto_DataType_Name(
                  onnx::TensorProto_DataType(q.type))
           << " is not supported (int8, uint8, int16, uint16)";
  }
  std::optional<std::vector<double>> fractional = fractionalBitsOf(*q.scale);
  if (!fractional)
    return importer.nodeError(node)
           << "scale is not a power of two; only power-of-two QDQ scales are "
              "fixed-point formats";
  int64_t axis = q.axis < 0 ? q.axis + rank : q.axis;
  return integerFormat(axisShape(*q.scale, axis, rank), *fractional,
                       double(bits), isSigned, fixed::Rounding::RND_CONV,
                       fixed::Overflow::SAT);
}

LogicalResult importQuantizeLinear(Importer &importer,
                                   const onnx::NodeProto &node) {
  FailureOr<LinearQuantization> q = linearParameters(importer, node);
  if (failed(q))
    return failure();
  // Every reader of the integer tensor must be a DequantizeLinear with the
  // same parameters: the pair is one fixed-point quantizer.
  std::vector<const onnx::NodeProto *> dequantizers;
  for (const auto &reader : importer.model.graph().node()) {
    bool reads = false;
    for (const std::string &name : reader.input())
      reads |= name == node.output(0);
    if (!reads)
      continue;
    if (reader.op_type() != "DequantizeLinear" ||
        reader.input(0) != node.output(0))
      return importer.nodeError(node)
             << "its integer output feeds '" << reader.op_type()
             << "'; only QuantizeLinear -> DequantizeLinear pairs are "
                "supported";
    FailureOr<LinearQuantization> dq = linearParameters(importer, reader);
    if (failed(dq))
      return failure();
    if (dq->scale->values != q->scale->values || dq->axis != q->axis)
      return importer.nodeError(reader)
             << "its scale or axis differs from the QuantizeLinear's";
    dequantizers.push_back(&reader);
  }
  if (dequantizers.empty())
    return importer.nodeError(node) << "QuantizeLinear without "
                                       "DequantizeLinear is not supported";
  int64_t rank;
  if (importer.isConstant(node.input(0))) {
    FailureOr<const ConstTensor *> value = importer.constant(node, 0);
    rank = int64_t((*value)->shape.size());
  } else {
    FailureOr<Activation> input = importer.activation(node, 0);
    if (failed(input))
      return failure();
    rank = input->rank();
  }
  FailureOr<OnnxFormat> format = qdqFormat(importer, node, *q, rank);
  if (failed(format))
    return failure();
  if (!importer.isConstant(node.input(0)) && !format->shape.empty()) {
    // Per-axis bits broadcast against the input without its batch.
    if (q->axis == 0 || q->axis == -rank)
      return importer.nodeError(node) << "per-axis quantization along the "
                                         "batch axis is not supported";
  }
  if (failed(applyFormat(importer, node, *format, node.output(0))))
    return failure();
  for (const onnx::NodeProto *dequantizer : dequantizers) {
    importer.consumed.insert(dequantizer);
    if (importer.isConstant(node.output(0))) {
      onnx::NodeProto probe = *dequantizer;
      FailureOr<const ConstTensor *> value = importer.constant(probe, 0);
      importer.setConstant(dequantizer->output(0), **value);
    } else {
      onnx::NodeProto probe = *dequantizer;
      FailureOr<Activation> value = importer.activation(probe, 0);
      importer.setActivation(dequantizer->output(0), *value);
    }
  }
  return success();
}

LogicalResult importDequantizeLinear(Importer &importer,
                                     const onnx::NodeProto &node) {
  if (!importer.isConstant(node.input(0)))
    return importer.nodeError(node)
           << "DequantizeLinear of an activation needs the QuantizeLinear "
              "that produces it";
  FailureOr<LinearQuantization> q = linearParameters(importer, node);
  FailureOr<const ConstTensor *> value = importer.constant(node, 0);
  if (failed(q) || failed(value))
    return failure();
  ConstTensor result = **value;
  int64_t rank = int64_t(result.shape.size());
  int64_t axis = q->axis < 0 ? q->axis + rank : q->axis;
  std::vector<int64_t> shape = axisShape(*q->scale, axis, rank);
  std::vector<double> scales =
      expand(makeTensor(shape, q->scale->values), result.shape);
  bool powerOfTwo = fractionalBitsOf(*q->scale).has_value();
  if (!powerOfTwo)
    importer.nodeWarning(node, "scale is not a power of two: the dequantized "
                               "weights are rounded to float32");
  for (size_t index = 0; index < result.values.size(); ++index)
    result.values[index] =
        powerOfTwo ? result.values[index] * scales[index]
                   : double(float(result.values[index]) * float(scales[index]));
  result.type = onnx::TensorProto::FLOAT;
  importer.setConstant(node.output(0), std::move(result));
  return success();
}

} // namespace

void registerQuantizationHandlers(std::map<std::string, Handler> &table) {
  table["hgq|Quantizer"] = importHgqQuantizer;
  table["hgq|FixedPointQuantizer"] = importFixedPointQuantizer;
  table["hgq|Signature"] = importSignature;
  table["hgq|UnaryLUT"] = importUnaryLut;
  table["qonnx|Quant"] = importQuant;
  table["qonnx|IntQuant"] = importQuant;
  table["qonnx|BipolarQuant"] = importBipolarQuant;
  table["qonnx|Trunc"] = importTrunc;
  table["|QuantizeLinear"] = importQuantizeLinear;
  table["|DequantizeLinear"] = importDequantizeLinear;
}

} // namespace hgq::onnx_import
