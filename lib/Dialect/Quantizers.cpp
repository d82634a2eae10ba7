//===- Quantizers.cpp - How layers quantize their constants ---------------===//
//
// The rules of SEMANTICS.md 1 and 4.1 for kernels and biases, in one place
// for the executor, the BOPs analysis and the conversion to the proxy.
//
//===----------------------------------------------------------------------===//

#include "hgq/Dialect/HGQ.h"

#include <climits>

using namespace mlir;
using namespace hgq;

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

std::string hgq::locationName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (auto name = dyn_cast<NameLoc>(inner))
        return name.getName().str();
  return "";
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
    std::optional<fixed::Scaled<int64_t>> exact =
        fixed::exactFromDouble(value);
    if (!exact)
      return op->emitOpError() << what << " value " << index
                               << " is not finite";
    fixed::Quantized<fixed::Int128> rounded = fixed::roundTo<fixed::Int128>(
        exact->mantissa, exact->fractionalBits, fractionalBits[index],
        rounding);
    if (!rounded.ok())
      return op->emitOpError() << what << " value " << index
                               << " cannot be rounded to "
                               << fractionalBits[index]
                               << " fractional bits exactly";
    result.values.push_back(
        fixed::toDouble(rounded.mantissa, fractionalBits[index]));
    ++index;
  }
  return result;
}

FailureOr<QuantizedConstants> hgq::quantizeKernel(Operation *op,
                                                  ElementsAttr kernel,
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

bool hgq::isProxyLevel(Operation *op) {
  if (isa<SignatureOp>(op))
    return false;
  return llvm::none_of(op->getAttrs(), [](NamedAttribute attribute) {
    return isa<QuantizerAttr>(attribute.getValue());
  });
}
