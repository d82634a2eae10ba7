//===- ToProxy.cpp - A traced HGQ model in the proxy form -----------------===//
//
// hgq-to-proxy: semantics.md section 4. Every rewrite keeps the computed
// values: on calibration data with a cover factor of at least 1, hgq-run gives
// the same outputs before and after (test/E2E/proxy-grid.test checks it).
//
//===----------------------------------------------------------------------===//

#include "hgq/Analysis/ElementFormats.h"
#include "hgq/Dialect/HGQ.h"
#include "hgq/Fixed/Range.h"
#include "hgq/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

namespace hgq {
#define GEN_PASS_DEF_HGQTOPROXY
#include "dialects/hgq/HGQPasses.h.inc"
} // namespace hgq

using namespace mlir;
using namespace hgq;

namespace {

RoundingMode toDialect(fixed::Rounding rounding) {
  return RoundingMode(uint32_t(rounding));
}

struct ToProxyPass : public hgq::impl::HGQToProxyBase<ToProxyPass> {
  using HGQToProxyBase::HGQToProxyBase;

  void runOnOperation() override;

private:
  OverflowMode overflowMode() const {
    return aggressive ? OverflowMode::WRAP : OverflowMode::SAT;
  }
  /// A proxy quantizer on `value`.
  Value quantize(OpBuilder &builder, Location loc, Value value,
                 FixedAttr format);
  FixedAttr formatOf(QuantizerAttr quantizer, fixed::Rounding rounding);
  LogicalResult convertQuantize(QuantizeOp op);
  LogicalResult convertSignature(SignatureOp op);
  LogicalResult convertLayer(LayerOpInterface op);
  LogicalResult convertActivation(ActivationOp op);
  LogicalResult convertAdd(AddOp op);

  double coverFactor = 1.0;
};

FixedAttr ToProxyPass::formatOf(QuantizerAttr quantizer,
                                fixed::Rounding rounding) {
  return canonicalFixed(&getContext(), quantizer.getK(), quantizer.getI(),
                        quantizer.getF(), toDialect(rounding), overflowMode());
}

Value ToProxyPass::quantize(OpBuilder &builder, Location loc, Value value,
                            FixedAttr format) {
  auto op =
      QuantizeOp::create(builder, loc, value.getType(), value, nullptr, format);
  ++numQuantizers;
  return op.getOutput();
}

LogicalResult ToProxyPass::convertQuantize(QuantizeOp op) {
  QuantizerAttr quantizer = op.getQuantizerAttr();
  if (!quantizer)
    return success();
  OpBuilder builder(op);
  Value result = quantize(
      builder, op.getLoc(), op.getInput(),
      formatOf(quantizer, inferenceRounding(quantizer.getRnd(), false)));
  op.getOutput().replaceAllUsesWith(result);
  op.erase();
  return success();
}

LogicalResult ToProxyPass::convertSignature(SignatureOp op) {
  FixedAttr declared = op.getFormat();
  OpBuilder builder(op);
  Value result = quantize(builder, op.getLoc(), op.getInput(),
                          canonicalFixed(&getContext(), declared.getK(),
                                         declared.getI(), declared.getF(),
                                         RoundingMode::TRN, overflowMode()));
  op.getOutput().replaceAllUsesWith(result);
  op.erase();
  return success();
}

LogicalResult ToProxyPass::convertLayer(LayerOpInterface op) {
  MLIRContext *context = &getContext();
  QuantizerAttr quantizer = op.getQuantizerAttr();
  std::vector<int64_t> features = featuresOf(op.getOutput());

  // The kernel as the layer quantizes it.
  if (QuantizerAttr kernelQuantizer = op.getKernelQuantizerAttr()) {
    FailureOr<QuantizedConstants> kernel =
        quantizeKernel(op, op.getKernel(), kernelQuantizer);
    if (failed(kernel))
      return failure();
    auto type = cast<ShapedType>(op.getKernel().getType());
    std::vector<float> values(kernel->values.begin(), kernel->values.end());
    op.setKernelAttr(DenseElementsAttr::get(
        RankedTensorType::get(type.getShape(), Float32Type::get(context)),
        ArrayRef<float>(values)));
    op.removeKernelQuantizerAttr();
  }
  if (!quantizer)
    return success();

  ElementsAttr biasAttr = op.getBiasAttr();
  bool hasBias = bool(biasAttr);
  bool absorbs = biasCanAbsorbRounding(hasBias, quantizer);
  fixed::Rounding layerRounding =
      inferenceRounding(quantizer.getRnd(), absorbs);
  // The rounding the proxy quantizer applies: a rounding to nearest moves
  // into the bias when the bias can absorb it.
  bool absorbed = absorbs && layerRounding == fixed::Rounding::RND;
  fixed::Rounding outputRounding =
      absorbed ? fixed::Rounding::TRN : layerRounding;
  if (absorbed)
    ++numAbsorbed;

  SmallVector<fixed::Format> formats = expandFormats(quantizer, features);
  int64_t channels = features.back();
  if (hasBias) {
    FailureOr<QuantizedConstants> bias =
        quantizeBias(op, biasAttr, quantizer, layerRounding, features);
    if (failed(bias))
      return failure();
    // A channel whose every element is dead outputs 0: its bias goes.
    std::vector<bool> live(channels, false);
    for (size_t index = 0; index < formats.size(); ++index)
      if (!formats[index].isDead())
        live[index % channels] = true;
    std::vector<float> values(channels);
    for (int64_t c = 0; c < channels; ++c) {
      double value = bias->values[c];
      if (absorbed)
        value += std::ldexp(1.0, -bias->fractionalBits[c] - 1);
      values[c] = live[c] ? float(value) : 0.0f;
    }
    op.setBiasAttr(DenseElementsAttr::get(
        RankedTensorType::get({channels}, Float32Type::get(context)),
        ArrayRef<float>(values)));
  }

  bool relu = op.getActivation() == LayerActivation::relu;
  op.removeQuantizerAttr();
  op.setActivation(LayerActivation::linear);
  OpBuilder builder(context);
  builder.setInsertionPointAfter(op);
  // The quantizers are named after the layer, as HGQ names them.
  std::string name = hgq::layerName(op);
  if (name.empty())
    name = op->getName().getStringRef().str();
  Location loc =
      NameLoc::get(StringAttr::get(context, name + "_quantizer"), op.getLoc());
  Location reluLoc = NameLoc::get(
      StringAttr::get(context, name + "_relu_quantizer"), op.getLoc());
  Value result;
  Operation *firstUser; // the quantizer that reads the layer's output
  if (!relu) {
    result = quantize(builder, loc, op.getOutput(),
                      formatOf(quantizer, outputRounding));
    firstUser = result.getDefiningOp();
  } else {
    // fq1: one format covering the pre-ReLU values, signed where they can
    // be negative, from the general rule on the recorded range.
    auto minima = op->getAttrOfType<DenseElementsAttr>(
        HGQDialect::TraceMinAttrHelper::getNameStr());
    auto maxima = op->getAttrOfType<DenseElementsAttr>(
        HGQDialect::TraceMaxAttrHelper::getNameStr());
    SmallVector<int> fractional =
        expandFractionalBits(quantizer, quantizer.getBitsShape());
    fixed::Format widest;
    if (minima && maxima &&
        size_t(minima.getNumElements()) == fractional.size()) {
      SmallVector<double> low(minima.getValues<double>());
      SmallVector<double> high(maxima.getValues<double>());
      std::vector<fixed::Format> general;
      for (size_t index = 0; index < fractional.size(); ++index) {
        std::optional<fixed::Range> covered =
            fixed::applyCoverFactor({low[index], high[index]}, coverFactor,
                                    fractional[index], layerRounding);
        std::optional<fixed::Format> format =
            covered ? fixed::formatFromRange(covered->min, covered->max,
                                             fractional[index],
                                             fixed::RangeRule::General)
                    : std::nullopt;
        if (!format)
          return op.emitOpError() << "hgq-to-proxy: the recorded range of "
                                     "element "
                                  << index << " has no integer-bit count";
        general.push_back(*format);
      }
      widest = fixed::collapse(general.data(), general.size());
    } else {
      op.emitRemark() << "hgq-to-proxy: no recorded range (hgq.trace_min/max) "
                         "for the pre-ReLU quantizer; fq1 is signed with the "
                         "ReLU format's integer bits";
      widest = fixed::collapse(formats.data(), formats.size());
      widest.keepNegative = 1;
    }
    // fq1 keeps every fractional bit fq2 rounds from, plus one for RND.
    int extra = outputRounding == fixed::Rounding::RND ? 1 : 0;
    int largestF = widest.fractionalBits;
    for (const fixed::Format &format : formats)
      largestF = std::max(largestF, format.fractionalBits);
    widest.fractionalBits = largestF + extra;
    Value first = quantize(
        builder, loc, op.getOutput(),
        uniformFormat(context, widest, RoundingMode::TRN, overflowMode()));
    firstUser = first.getDefiningOp();
    Value activated = ActivationOp::create(
        builder,
        NameLoc::get(StringAttr::get(context, name + "_relu"), op.getLoc()),
        first, "relu");
    result = quantize(builder, reluLoc, activated,
                      formatOf(quantizer, outputRounding));
  }
  op.getOutput().replaceAllUsesExcept(result, firstUser);
  return success();
}

LogicalResult ToProxyPass::convertActivation(ActivationOp op) {
  QuantizerAttr quantizer = op.getQuantizerAttr();
  if (op.getFn() == "linear" && !quantizer) {
    op.getOutput().replaceAllUsesWith(op.getInput());
    op.erase();
    return success();
  }
  if (!quantizer)
    return success();
  OpBuilder builder(op);
  builder.setInsertionPointAfter(op);
  op.removeQuantizerAttr();
  Value input = op.getOutput();
  if (op.getFn() == "linear")
    input = op.getInput();
  Value result = quantize(
      builder, op.getLoc(), input,
      formatOf(quantizer, inferenceRounding(quantizer.getRnd(), false)));
  op.getOutput().replaceAllUsesExcept(result, result.getDefiningOp());
  if (op.getFn() == "linear")
    op.erase();
  return success();
}

LogicalResult ToProxyPass::convertAdd(AddOp op) {
  QuantizerAttr quantizer = op.getQuantizerAttr();
  if (!quantizer)
    return success();
  OpBuilder builder(op);
  builder.setInsertionPointAfter(op);
  op.removeQuantizerAttr();
  Value result = quantize(
      builder, op.getLoc(), op.getOutput(),
      formatOf(quantizer, inferenceRounding(quantizer.getRnd(), false)));
  op.getOutput().replaceAllUsesExcept(result, result.getDefiningOp());
  return success();
}

void ToProxyPass::runOnOperation() {
  ModuleOp module = getOperation();
  if (ioType != "io_parallel" && ioType != "io_stream") {
    module.emitError() << "hgq-to-proxy: io-type must be io_parallel or "
                          "io_stream, got '"
                       << ioType << "'";
    return signalPassFailure();
  }
  module->setAttr(HGQDialect::IoTypeAttrHelper::getNameStr(),
                  StringAttr::get(module.getContext(), ioType));
  if (auto calibration = module->getAttrOfType<DictionaryAttr>(
          HGQDialect::CalibrationAttrHelper::getNameStr()))
    if (auto factor = calibration.getAs<FloatAttr>("cover_factor"))
      coverFactor = factor.getValueAsDouble();

  // Every layer-level quantizer needs its integer bits.
  WalkResult untraced = module.walk([&](Operation *op) {
    if (auto quantizer = op->getAttrOfType<QuantizerAttr>("quantizer"))
      if (!quantizer.isTraced()) {
        op->emitError() << "hgq-to-proxy: this quantizer has no integer bits "
                           "yet; run hgq-trace-minmax on calibration data "
                           "first";
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  if (untraced.wasInterrupted())
    return signalPassFailure();

  SmallVector<Operation *> ops;
  module.walk([&](Operation *op) { ops.push_back(op); });
  for (Operation *op : ops) {
    LogicalResult result =
        llvm::TypeSwitch<Operation *, LogicalResult>(op)
            .Case([&](QuantizeOp o) { return convertQuantize(o); })
            .Case([&](SignatureOp o) { return convertSignature(o); })
            .Case([&](LayerOpInterface o) { return convertLayer(o); })
            .Case([&](ActivationOp o) { return convertActivation(o); })
            .Case([&](AddOp o) { return convertAdd(o); })
            .Case<MaxPoolOp, AvgPoolOp>([&](auto pool) {
              if (ioType == "io_stream" && pool.getPads() &&
                  llvm::any_of(*pool.getPads(),
                               [](int64_t pad) { return pad != 0; }))
                pool.emitWarning()
                    << "padded pooling with io_stream is not supported by "
                       "hls4ml <= 0.9.1";
              return success();
            })
            .Default([](Operation *other) -> LogicalResult {
              // Ops without an HGQ quantizer are already at proxy level; an
              // op this pass does not know that carries one would pass
              // through unconverted.
              if (levelOf(other) != Level::Layer)
                return success();
              return other->emitOpError()
                     << "hgq-to-proxy has no rule to convert this op, which "
                        "carries an HGQ quantizer";
            });
    if (failed(result))
      return signalPassFailure();
  }
  // The recorded ranges belong to the layer-level model.
  module.walk([](Operation *op) {
    op->removeAttr(HGQDialect::TraceMinAttrHelper::getNameStr());
    op->removeAttr(HGQDialect::TraceMaxAttrHelper::getNameStr());
  });
  // result_t of every op; weight_t, bias_t and accum_t of every dense and
  // convolution (semantics.md 4.5).
  recordPerTensorTypes(module);
}

} // namespace
