//===- LowerUnaryLut.cpp - Activations as lookup tables -------------------===//
//
// hgq-lower-unary-lut: semantics.md 4.3, at proxy level. The table holds
// exactly what the activation and its output quantizer computed for each
// possible input word, so the replacement changes no value.
//
//===----------------------------------------------------------------------===//

#include "hgq/Dialect/HGQ.h"
#include "hgq/Fixed/Range.h"
#include "hgq/Fixed/UnaryFunctions.h"
#include "hgq/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include <cmath>

namespace hgq {
#define GEN_PASS_DEF_HGQLOWERUNARYLUT
#include "dialects/hgq/HGQPasses.h.inc"
} // namespace hgq

using namespace mlir;
using namespace hgq;

namespace {

struct LowerUnaryLutPass
    : public hgq::impl::HGQLowerUnaryLutBase<LowerUnaryLutPass> {
  using HGQLowerUnaryLutBase::HGQLowerUnaryLutBase;

  /// Lowers `activation`; failure is an error already emitted.
  LogicalResult lower(ActivationOp activation) {
    StringRef fn = activation.getFn();
    if (fn == "relu" || fn == "linear" || fn == "softmax")
      return success();
    bool fallback = fn == "tanh" || fn == "sigmoid";
    auto skip = [&](const Twine &why) -> LogicalResult {
      if (fallback) {
        activation.emitRemark() << "kept as an activation: " << why;
        return success();
      }
      return activation.emitOpError()
             << "hgq-lower-unary-lut: '" << fn
             << "' has no implementation but a lookup table, and " << why;
    };
    if (!isProxyLevel(activation))
      return skip("it is at layer level; run hgq-to-proxy first");
    auto input = activation.getInput().getDefiningOp<QuantizeOp>();
    if (!input || !input.getFormatAttr())
      return skip("its input is not quantized to an explicit format, so no "
                  "table index exists");
    // Per-element input formats index the table through their per-tensor
    // collapse (semantics.md 4.5), as HGQ builds it: every element's values
    // are values of the collapsed format, so the index stays exact.
    FixedAttr inputFormat = input.getFormatAttr();
    if (!inputFormat.isUniform()) {
      std::vector<int64_t> features = featuresOf(input.getOutput());
      if (!ShapedType::isStaticShape(features))
        return skip("its input has per-element formats and dynamic "
                    "dimensions, so no per-tensor index format exists");
      SmallVector<fixed::Format> formats = expandFormats(inputFormat, features);
      fixed::Format collapsed =
          fixed::collapse(formats.data(), formats.size()).normalized();
      MLIRContext *context = &getContext();
      inputFormat = canonicalFixed(
          context, makeBitsArray(context, int8_t(collapsed.keepNegative)),
          makeBitsArray(context, int8_t(collapsed.integerBits)),
          makeBitsArray(context, int8_t(collapsed.fractionalBits)),
          inputFormat.getRounding(), inputFormat.getOverflow());
    }
    if (!activation.getOutput().hasOneUse())
      return skip("its output is used by more than its quantizer");
    auto output =
        dyn_cast<QuantizeOp>(*activation.getOutput().getUsers().begin());
    if (!output || !output.getFormatAttr() ||
        !output.getFormatAttr().isUniform())
      return skip("its output is not quantized to one format for every "
                  "element");
    fixed::Format in = expandFormats(inputFormat, {})[0];
    if (in.width() > 30 || (int64_t(1) << in.width()) > maxTableSize) {
      std::string need =
          "its table would need 2^" + std::to_string(in.width()) + " entries";
      if (in.width() <= 62)
        need += " (" + std::to_string(int64_t(1) << in.width()) + ")";
      return skip(need + ", more than max-table-size = " +
                  std::to_string(maxTableSize));
    }

    const fixed::UnaryFunctionInfo *info = fixed::lookupUnaryFunction(fn);
    fixed::UnaryParams params = info->defaults;
    if (activation.getAlphaAttr())
      params.alpha = activation.getAlphaAttr().getValueAsDouble();
    if (activation.getBetaAttr())
      params.beta = activation.getBetaAttr().getValueAsDouble();
    if (activation.getGammaAttr())
      params.gamma = activation.getGammaAttr().getValueAsDouble();
    FixedAttr outputFormat = output.getFormatAttr();
    fixed::Format out = expandFormats(outputFormat, {})[0];
    if (out.width() > 24)
      return skip("its output format is wider than float32 can hold exactly");

    // Index order: the raw bits of the input word.
    int64_t entries = int64_t(1) << in.width();
    double step = std::ldexp(1.0, -in.fractionalBits);
    std::vector<float> table(entries);
    for (int64_t index = 0; index < entries; ++index) {
      int64_t word = index;
      if (in.keepNegative && index >= entries / 2)
        word -= entries; // two's complement
      float x = float(double(word) * step);
      float y = fixed::evaluateUnary(info->function, x, params);
      fixed::QuantizedDouble q =
          fixed::quantizeDouble(y, out, toFixed(outputFormat.getRounding()),
                                toFixed(outputFormat.getOverflow()));
      if (!q.ok())
        return activation.emitOpError()
               << "hgq-lower-unary-lut: '" << fn << "' at input " << x
               << " gives " << y << ", which cannot be quantized: "
               << fixed::statusMessage(q.status);
      table[index] = float(q.value);
    }
    OpBuilder builder(output);
    MLIRContext *context = &getContext();
    auto lut = UnaryLutOp::create(
        builder, FusedLoc::get(context, {activation.getLoc(), output.getLoc()}),
        output.getOutput().getType(), input.getOutput(),
        DenseElementsAttr::get(
            RankedTensorType::get({entries}, Float32Type::get(context)),
            ArrayRef<float>(table)),
        inputFormat, builder.getStringAttr(fn));
    std::vector<double> values(table.begin(), table.end());
    if (std::optional<fixed::Format> container =
            fixed::minimalContainer(values.data(), values.size())) {
      fixed::Format c = container->normalized();
      lut->setAttr(HGQDialect::TableTAttrHelper::getNameStr(),
                   FixedAttr::get(context,
                                  makeBitsArray(context, c.keepNegative),
                                  makeBitsArray(context, c.integerBits),
                                  makeBitsArray(context, c.fractionalBits),
                                  RoundingMode::TRN, OverflowMode::WRAP));
    }
    output.getOutput().replaceAllUsesWith(lut.getOutput());
    output.erase();
    activation.erase();
    ++numTables;
    return success();
  }

  void runOnOperation() override {
    if (maxTableSize < 1) {
      getOperation().emitError()
          << "hgq-lower-unary-lut: max-table-size must be positive, got "
          << int64_t(maxTableSize);
      return signalPassFailure();
    }
    SmallVector<ActivationOp> activations;
    getOperation().walk([&](ActivationOp op) { activations.push_back(op); });
    for (ActivationOp activation : activations)
      if (failed(lower(activation)))
        return signalPassFailure();
  }
};

} // namespace
