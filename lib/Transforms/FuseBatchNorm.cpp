//===- FuseBatchNorm.cpp - Batch normalization into the layer before it --===//
//
// hgq-fuse-batchnorm: semantics.md 4.2, one layer remains.
//
//===----------------------------------------------------------------------===//

#include "hgq/Dialect/HGQ.h"
#include "hgq/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include <cmath>

namespace hgq {
#define GEN_PASS_DEF_HGQFUSEBATCHNORM
#include "dialects/hgq/HGQPasses.h.inc"
} // namespace hgq

using namespace mlir;
using namespace hgq;

namespace {

struct FuseBatchNormPass
    : public hgq::impl::HGQFuseBatchNormBase<FuseBatchNormPass> {
  using HGQFuseBatchNormBase::HGQFuseBatchNormBase;

  bool fuse(BatchNormOp batchNorm, LayerOpInterface layer) {
    MLIRContext *context = &getContext();
    if (layer.getQuantizerAttr() ||
        layer.getActivation() != LayerActivation::linear) {
      batchNorm.emitRemark()
          << "not fused: the layer before it already quantizes or applies a "
             "ReLU to its output, so the normalization cannot move into its "
             "weights";
      return false;
    }
    if (!layer.getOutput().hasOneUse()) {
      batchNorm.emitRemark() << "not fused: the layer's output is also used "
                                "without the normalization";
      return false;
    }
    if (!layer.getKernelQuantizerAttr())
      if (auto producer = layer.getInput().getDefiningOp<QuantizeOp>();
          producer && producer.getFormatAttr()) {
        batchNorm.emitRemark()
            << "not fused: the layer is already in the proxy form, and "
               "scaling its weights would change quantized values";
        return false;
      }
    std::vector<float> beta = floatsOf(batchNorm.getBeta());
    std::vector<float> mean = floatsOf(batchNorm.getMean());
    std::vector<float> scale = batchNorm.getChannelScales();
    size_t channels = scale.size();

    auto kernelType = cast<ShapedType>(layer.getKernel().getType());
    std::vector<float> kernel = floatsOf(layer.getKernel());
    for (size_t index = 0; index < kernel.size(); ++index)
      kernel[index] *= scale[index % channels]; // the output channel is last
    layer.setKernelAttr(DenseElementsAttr::get(
        RankedTensorType::get(kernelType.getShape(), Float32Type::get(context)),
        ArrayRef<float>(kernel)));

    bool hgqLayer = bool(layer.getKernelQuantizerAttr());
    ElementsAttr biasAttr = layer.getBiasAttr();
    // HGQ's fused layers without a bias have no shift, only the scale.
    if (biasAttr || !hgqLayer) {
      std::vector<float> bias =
          biasAttr ? floatsOf(biasAttr) : std::vector<float>(channels, 0.0f);
      for (size_t c = 0; c < channels; ++c)
        bias[c] = (bias[c] - mean[c]) * scale[c] + beta[c];
      layer.setBiasAttr(DenseElementsAttr::get(
          RankedTensorType::get({int64_t(channels)}, Float32Type::get(context)),
          ArrayRef<float>(bias)));
    }
    layer->setLoc(FusedLoc::get(context, {layer.getLoc(), batchNorm.getLoc()}));
    batchNorm.getOutput().replaceAllUsesWith(layer.getOutput());
    batchNorm.erase();
    ++numFused;
    if (hgqLayer)
      absorbQuantizer(layer);
    return true;
  }

  /// HGQ's HDenseBatchNorm / HConv*DBatchNorm, exported as a layer with a
  /// kernel quantizer, then BatchNormalization, then hgq.Quantizer: once the
  /// normalization is fused, the quantizer that read it is the layer's
  /// pre-activation quantizer (it quantizes the fused bias and decides
  /// "auto" rounding, semantics.md 4.1), and a ReLU after it the layer's
  /// activation, as the importer folds them when nothing sits between.
  void absorbQuantizer(LayerOpInterface layer) {
    Value output = layer.getOutput();
    if (layer.getQuantizerAttr() ||
        layer.getActivation() != LayerActivation::linear || !output.hasOneUse())
      return;
    auto quantize = dyn_cast<QuantizeOp>(*output.getUsers().begin());
    if (!quantize || !quantize.getQuantizerAttr())
      return;
    MLIRContext *context = &getContext();
    layer.setQuantizerAttr(quantize.getQuantizerAttr());
    layer->setLoc(FusedLoc::get(context, {layer.getLoc(), quantize.getLoc()}));
    quantize.getOutput().replaceAllUsesWith(output);
    quantize.erase();
    ++numQuantizersAbsorbed;
    if (ActivationOp relu = foldFollowingRelu(layer)) {
      layer->setLoc(FusedLoc::get(context, {layer.getLoc(), relu.getLoc()}));
      relu.erase();
    }
  }

  void runOnOperation() override {
    SmallVector<BatchNormOp> batchNorms;
    getOperation().walk([&](BatchNormOp op) { batchNorms.push_back(op); });
    for (BatchNormOp batchNorm : batchNorms) {
      Operation *producer = batchNorm.getInput().getDefiningOp();
      if (auto layer = dyn_cast_or_null<LayerOpInterface>(producer))
        fuse(batchNorm, layer);
      else
        batchNorm.emitRemark() << "not fused: no dense or convolution layer "
                                  "before it; it runs as a float op";
    }
  }
};

} // namespace
