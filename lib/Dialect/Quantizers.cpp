//===- Quantizers.cpp - How layers quantize their constants ---------------===//
//
// The rules of semantics.md 1 and 4.1 for kernels and biases, in one place
// for the executor, the BOPs analysis and the conversion to the proxy.
//
//===----------------------------------------------------------------------===//

#include "hgq/Dialect/HGQ.h"

#include <climits>

using namespace mlir;
using namespace hgq;

FixedAttr hgq::uniformFormat(MLIRContext *context, fixed::Format format,
                             RoundingMode rounding, OverflowMode overflow) {
  format = format.normalized();
  return FixedAttr::get(context,
                        makeBitsArray(context, int8_t(format.keepNegative)),
                        makeBitsArray(context, int8_t(format.integerBits)),
                        makeBitsArray(context, int8_t(format.fractionalBits)),
                        rounding, overflow);
}

FixedAttr hgq::canonicalFixed(MLIRContext *context, DenseIntElementsAttr k,
                              DenseIntElementsAttr i, DenseIntElementsAttr f,
                              RoundingMode rounding, OverflowMode overflow) {
  auto canonical = [&](DenseIntElementsAttr bits) {
    if (bits.getType().getRank() > 0 && bits.isSplat())
      return makeBitsArray(context, bits.getSplatValue<int8_t>());
    return bits;
  };
  return FixedAttr::get(context, canonical(k), canonical(i), canonical(f),
                        rounding, overflow);
}

ActivationOp hgq::foldFollowingRelu(LayerOpInterface layer) {
  Value output = layer.getOutput();
  if (layer.getActivation() != LayerActivation::linear || !output.hasOneUse())
    return nullptr;
  auto relu = dyn_cast<ActivationOp>(*output.getUsers().begin());
  if (!relu || relu.getFn() != "relu" || relu.getQuantizerAttr())
    return nullptr;
  layer.setActivation(LayerActivation::relu);
  relu.getOutput().replaceAllUsesWith(output);
  return relu;
}

bool hgq::biasCanAbsorbRounding(bool hasBias, QuantizerAttr quantizer) {
  if (!hasBias || !quantizer)
    return false;
  SmallVector<int64_t> shape = quantizer.getBitsShape();
  int64_t outer = 1;
  for (size_t dim = 0; dim + 1 < shape.size(); ++dim)
    outer *= shape[dim];
  return outer == 1;
}

static FailureOr<QuantizedConstants>
roundConstants(Operation *op, StringRef what, ElementsAttr attr,
               ArrayRef<int> fractionalBits, fixed::Rounding rounding) {
  QuantizedConstants result;
  result.fractionalBits.assign(fractionalBits.begin(), fractionalBits.end());
  size_t index = 0;
  for (float value : attr.getValues<float>()) {
    if (fractionalBits.empty()) {
      result.values.push_back(value);
      ++index;
      continue;
    }
    std::optional<fixed::Scaled<int64_t>> exact = fixed::exactFromDouble(value);
    if (!exact)
      return op->emitOpError()
             << what << " value " << index << " is not finite";
    fixed::Quantized<fixed::Int128> rounded =
        fixed::roundTo<fixed::Int128>(exact->mantissa, exact->fractionalBits,
                                      fractionalBits[index], rounding);
    if (!rounded.ok())
      return op->emitOpError()
             << what << " value " << index << " cannot be rounded to "
             << fractionalBits[index] << " fractional bits exactly";
    result.values.push_back(
        fixed::toDouble(rounded.mantissa, fractionalBits[index]));
    ++index;
  }
  return result;
}

FailureOr<QuantizedConstants>
hgq::quantizeKernel(Operation *op, ElementsAttr kernel,
                    QuantizerAttr kernelQuantizer) {
  if (!kernelQuantizer)
    return roundConstants(op, "kernel", kernel, {}, fixed::Rounding::TRN);
  auto type = cast<ShapedType>(kernel.getType());
  SmallVector<int> fractional =
      expandFractionalBits(kernelQuantizer, type.getShape());
  return roundConstants(op, "kernel", kernel, fractional,
                        inferenceRounding(kernelQuantizer.getRnd(), false));
}

FailureOr<QuantizedConstants>
hgq::quantizeBias(Operation *op, ElementsAttr bias, QuantizerAttr quantizer,
                  fixed::Rounding rounding, ArrayRef<int64_t> outputFeatures) {
  if (!quantizer)
    return roundConstants(op, "bias", bias, {}, fixed::Rounding::TRN);
  int64_t channels = outputFeatures.back();
  SmallVector<int> perElement = expandFractionalBits(quantizer, outputFeatures);
  SmallVector<int> perChannel(channels, INT_MIN);
  for (size_t index = 0; index < perElement.size(); ++index)
    perChannel[index % channels] =
        std::max(perChannel[index % channels], perElement[index]);
  return roundConstants(op, "bias", bias, perChannel, rounding);
}

ArrayRef<StringLiteral> hgq::proxyTypeAttrNames() {
  static constexpr StringLiteral names[] = {
      HGQDialect::ResultTAttrHelper::getNameStr(),
      HGQDialect::WeightTAttrHelper::getNameStr(),
      HGQDialect::BiasTAttrHelper::getNameStr(),
      HGQDialect::AccumTAttrHelper::getNameStr(),
      HGQDialect::TableTAttrHelper::getNameStr()};
  return names;
}

static bool carriesQuantizer(Operation *op) {
  return llvm::any_of(op->getAttrs(), [](NamedAttribute attribute) {
    return isa<QuantizerAttr>(attribute.getValue());
  });
}

static StringRef proxyType(Operation *op) {
  for (StringRef name : proxyTypeAttrNames())
    if (op->hasAttr(name))
      return name;
  return "";
}

Level hgq::levelOf(Operation *op) {
  if (isa<SignatureOp>(op) || carriesQuantizer(op))
    return Level::Layer;
  if (!proxyType(op).empty())
    return Level::Proxy;
  return Level::Both;
}

bool hgq::isProxyFunction(Operation *function) {
  bool layer = false, quantizer = false;
  function->walk([&](Operation *op) {
    layer |= levelOf(op) == Level::Layer;
    if (auto quantize = dyn_cast<QuantizeOp>(op))
      quantizer |= bool(quantize.getFormatAttr());
  });
  return quantizer && !layer;
}

/// Why `op` is at the level it is, for diagnostics.
static std::string levelReason(Operation *op) {
  if (isa<SignatureOp>(op))
    return "it is an hgq.signature";
  if (carriesQuantizer(op))
    return "it carries an HGQ quantizer";
  return ("it carries the proxy's " + proxyType(op)).str();
}

StringRef hgq::levelName(Level level) {
  switch (level) {
  case Level::Layer:
    return "layer";
  case Level::Proxy:
    return "proxy";
  case Level::Both:
    return "either";
  }
  llvm_unreachable("unknown level");
}

LogicalResult hgq::verifyOneLevel(Operation *op) {
  Level level = levelOf(op);
  if (level == Level::Both)
    return success();
  if (level == Level::Layer && !proxyType(op).empty())
    return op->emitOpError()
           << "carries an HGQ quantizer and the proxy's " << proxyType(op)
           << ": a layer is either at layer level or converted, never both";
  for (Operation *before = op->getPrevNode(); before;
       before = before->getPrevNode()) {
    if (!isa<HGQDialect>(before->getDialect()))
      continue;
    Level other = levelOf(before);
    if (other == Level::Both)
      continue;
    if (other == level)
      return success();
    InFlightDiagnostic diagnostic =
        op->emitOpError()
        << "is at " << levelName(level) << " level (" << levelReason(op)
        << ") but '" << before->getName() << "' before it is at "
        << levelName(other) << " level (" << levelReason(before)
        << "); a function is an HGQ model or its proxy, never half of each: "
           "convert the whole model with --hgq-proxy-pipeline";
    diagnostic.attachNote(before->getLoc())
        << "the " << levelName(other) << "-level op";
    return diagnostic;
  }
  return success();
}
