//===- Bops.cpp - BOPs and EBOPs of hgq IR --------------------------------===//
//
// Widths flow forward from the quantization points: each tensor either has a
// width per element (total k+i+f for BOPs, nominal bits for EBOPs) or none.
// Shape ops and pooling move widths with the same kernels the executor uses
// to move values, so a width always follows its element.
//
//===----------------------------------------------------------------------===//

#include "hgq/Analysis/Bops.h"
#include "hgq/Dialect/HGQ.h"
#include "hgq/Exec/Executor.h"
#include "hgq/Exec/Kernels.h"
#include "hgq/Fixed/BitOps.h"
#include "hgq/Fixed/Range.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;

namespace hgq {
namespace {

/// Per-element widths of one sample of a tensor.
struct Widths {
  std::vector<int> total;   ///< k + i + f (BOPs input bits)
  std::vector<int> nominal; ///< HGQ2 nominal bits (EBOPs)
};

Widths widthsOf(ArrayRef<fixed::Format> formats,
                std::optional<fixed::Overflow> overflow) {
  Widths widths;
  for (const fixed::Format &format : formats) {
    widths.total.push_back(format.isDead() ? 0 : format.width());
    // Layer-level quantizers have no overflow mode: the sign is not counted,
    // as for WRAP.
    widths.nominal.push_back(
        fixed::nominalBits(format, overflow.value_or(fixed::Overflow::WRAP)));
  }
  return widths;
}

/// Widths as an exact tensor of one sample, so the executor's data-movement
/// kernels can move them.
exec::Tensor asTensor(const std::vector<int> &values,
                      ArrayRef<int64_t> features) {
  std::vector<int64_t> shape{1};
  shape.insert(shape.end(), features.begin(), features.end());
  exec::Tensor tensor = exec::Tensor::makeExact(shape, 0);
  tensor.mantissas.assign(values.begin(), values.end());
  return tensor;
}

std::vector<int> fromTensor(const exec::Tensor &tensor) {
  return std::vector<int>(tensor.mantissas.begin(), tensor.mantissas.end());
}

/// Widths through a data-movement kernel, both kinds at once.
template <typename Move>
Widths moveWidths(const Widths &in, ArrayRef<int64_t> features, Move move) {
  Widths out;
  out.total = fromTensor(move(asTensor(in.total, features)));
  out.nominal = fromTensor(move(asTensor(in.nominal, features)));
  return out;
}

/// Bits of a quantized constant for EBOPs: from its most significant bit
/// down to its own fractional bits (0 for zero).
int constantBits(double value, std::optional<int> fractionalBits) {
  if (value == 0)
    return 0;
  int lowest =
      fractionalBits ? *fractionalBits : *fixed::lowestSetBitFractional(value);
  int exponent = 0;
  std::frexp(std::fabs(value), &exponent); // |value| in [2^(e-1), 2^e)
  return std::max(exponent + lowest, 0);
}

class Analysis {
public:
  FailureOr<BopsReport> run(func::FuncOp function);

private:
  std::optional<Widths> widths(Value value) {
    auto found = known.find(value);
    if (found == known.end())
      return std::nullopt;
    return found->second;
  }
  void set(Value value, Widths widths) { known[value] = std::move(widths); }

  void visit(Operation *op);
  /// Widths of a traced layer-level quantizer on `value`.
  void setFromQuantizer(Value value, QuantizerAttr quantizer);
  void linearLayer(LayerOpInterface op);
  LayerBops &addLayer(Operation *op, const char *kind) {
    LayerBops layer;
    layer.op = op;
    layer.name = hgq::layerName(op);
    if (layer.name.empty())
      layer.name = op->getName().getStringRef().str() + "#" +
                   std::to_string(report.layers.size());
    layer.kind = kind;
    report.layers.push_back(layer);
    return report.layers.back();
  }

  llvm::DenseMap<Value, Widths> known;
  BopsReport report;
  bool unknownOp = false;
};

void Analysis::setFromQuantizer(Value value, QuantizerAttr quantizer) {
  if (!quantizer || !quantizer.isTraced())
    return;
  std::vector<int64_t> features = featuresOf(value);
  if (!ShapedType::isStaticShape(features))
    return;
  set(value, widthsOf(expandFormats(quantizer, features), std::nullopt));
}

void Analysis::linearLayer(LayerOpInterface op) {
  auto conv = dyn_cast<ConvOp>(op.getOperation());
  LayerBops &layer = addLayer(op, conv ? "conv" : "dense");
  setFromQuantizer(op.getOutput(), op.getQuantizerAttr());
  std::optional<Widths> input = widths(op.getInput());
  if (!input) {
    layer.missing = "input widths unknown (quantize and trace the input)";
    return;
  }
  FailureOr<QuantizedConstants> kernel =
      quantizeKernel(op, op.getKernel(), op.getKernelQuantizerAttr());
  if (failed(kernel)) {
    layer.missing = "kernel cannot be quantized";
    return;
  }
  size_t count = kernel->values.size();
  std::vector<int> spans(count), kernelBits(count);
  for (size_t index = 0; index < count; ++index) {
    spans[index] = fixed::weightSpan(kernel->values[index]);
    std::optional<int> frac;
    if (!kernel->fractionalBits.empty())
      frac = kernel->fractionalBits[index];
    kernelBits[index] = constantBits(kernel->values[index], frac);
  }
  auto kernelType = cast<ShapedType>(op.getKernel().getType());
  int64_t outputs = kernelType.getShape().back();
  std::vector<int64_t> outFeatures = featuresOf(op.getOutput());
  int64_t outputElements = 1;
  for (int64_t dim : outFeatures)
    outputElements *= dim;

  double biasTerm = 0;
  if (ElementsAttr bias = op.getBiasAttr()) {
    QuantizerAttr quantizer = op.getQuantizerAttr();
    fixed::Rounding rounding =
        quantizer ? inferenceRounding(quantizer.getRnd(),
                                      biasCanAbsorbRounding(true, quantizer))
                  : fixed::Rounding::TRN;
    FailureOr<QuantizedConstants> quantizedBias =
        quantizeBias(op, bias, quantizer, rounding, outFeatures);
    if (succeeded(quantizedBias)) {
      std::vector<int> biasBits;
      for (size_t index = 0; index < quantizedBias->values.size(); ++index) {
        std::optional<int> frac;
        if (!quantizedBias->fractionalBits.empty())
          frac = quantizedBias->fractionalBits[index];
        biasBits.push_back(constantBits(quantizedBias->values[index], frac));
      }
      biasTerm =
          fixed::biasEbops(biasBits.data(), biasBits.size(), outputElements);
    }
  }

  if (conv) {
    auto inputType = conv.getInput().getType();
    fixed::ConvGeometry geometry;
    static_cast<fixed::WindowGeometry &>(geometry) = windowGeometry(
        inputType, kernelType.getShape().take_front(conv.getSpatialRank()),
        conv.getStrideValues(), conv.getDilationValues(), conv.getPadValues());
    geometry.inputChannels = inputType.getShape().back();
    geometry.outputChannels = outputs;
    geometry.groups = int64_t(conv.getGroups());
    fixed::ConvBitOps bops =
        fixed::convBitOps(input->total.data(), spans.data(), geometry,
                          int64_t(conv.getParallelFactor()));
    fixed::ConvBitOps ebops = fixed::convBitOps(input->nominal.data(),
                                                kernelBits.data(), geometry, 1);
    layer.bops = bops.fullLayer;
    layer.perPosition = bops.perPosition;
    layer.ebops = ebops.fullLayer + biasTerm;
  } else {
    int64_t inputs = kernelType.getShape().front();
    int64_t positions = int64_t(input->total.size()) / inputs;
    layer.bops = fixed::denseBitOps(input->total.data(), spans.data(),
                                    positions, inputs, outputs);
    layer.ebops = fixed::denseBitOps(input->nominal.data(), kernelBits.data(),
                                     positions, inputs, outputs) +
                  biasTerm;
  }
}

void Analysis::visit(Operation *op) {
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](QuantizeOp quantize) {
        std::vector<int64_t> features = featuresOf(quantize.getOutput());
        if (!ShapedType::isStaticShape(features))
          return;
        if (FixedAttr format = quantize.getFormatAttr())
          set(quantize.getOutput(), widthsOf(expandFormats(format, features),
                                             toFixed(format.getOverflow())));
        else
          setFromQuantizer(quantize.getOutput(), quantize.getQuantizerAttr());
      })
      .Case([&](SignatureOp signature) {
        std::vector<int64_t> features = featuresOf(signature.getOutput());
        if (ShapedType::isStaticShape(features))
          set(signature.getOutput(),
              widthsOf(expandFormats(signature.getFormat(), features),
                       toFixed(signature.getFormat().getOverflow())));
      })
      .Case([&](LayerOpInterface layer) { linearLayer(layer); })
      .Case([&](ActivationOp activation) {
        if (activation.getQuantizerAttr()) {
          setFromQuantizer(activation.getOutput(),
                           activation.getQuantizerAttr());
          return;
        }
        StringRef fn = activation.getFn();
        if (fn == "relu" || fn == "linear")
          if (std::optional<Widths> in = widths(activation.getInput()))
            set(activation.getOutput(), *in);
      })
      .Case([&](AddOp add) {
        LayerBops &layer = addLayer(add, "add");
        std::optional<Widths> lhs = widths(add.getLhs());
        std::optional<Widths> rhs = widths(add.getRhs());
        if (lhs && rhs)
          layer.ebops = fixed::addEbops(
              lhs->nominal.data(), rhs->nominal.data(), lhs->nominal.size());
        else
          layer.missing = "operand widths unknown";
        setFromQuantizer(add.getOutput(), add.getQuantizerAttr());
      })
      .Case<MaxPoolOp, AvgPoolOp>([&](auto pool) {
        constexpr bool average = std::is_same_v<decltype(pool), AvgPoolOp>;
        LayerBops &layer = addLayer(pool, "pool");
        std::optional<Widths> in = widths(pool.getInput());
        std::vector<int64_t> features = featuresOf(pool.getInput());
        if (!in || !ShapedType::isStaticShape(features)) {
          layer.missing = "input widths unknown";
          return;
        }
        layer.ebops =
            fixed::poolingEbops(in->nominal.data(), in->nominal.size());
        exec::WindowGeometry geometry;
        int64_t spatial = pool.getSpatialRank();
        SmallVector<int64_t> strides = pool.getStrideValues();
        SmallVector<int64_t> pads = pool.getPadValues();
        int first = 2 - int(spatial);
        int64_t windowSize = 1;
        for (int64_t axis = 0; axis < spatial; ++axis) {
          geometry.input[first + axis] = features[axis];
          geometry.window[first + axis] = pool.getWindow()[axis];
          geometry.strides[first + axis] = strides[axis];
          geometry.padBegin[first + axis] = pads[axis];
          geometry.padEnd[first + axis] = pads[axis + spatial];
          windowSize *= pool.getWindow()[axis];
        }
        int extra = 0;
        while (average && (int64_t(1) << extra) < windowSize)
          ++extra;
        int64_t channels = features.back();
        Widths out = moveWidths(*in, features, [&](const exec::Tensor &t) {
          exec::Tensor result;
          exec::maxPool(t, geometry, channels, result);
          return result;
        });
        for (int &width : out.total)
          width += extra;
        for (int &width : out.nominal)
          width += extra;
        set(pool.getOutput(), out);
      })
      .Case([&](UnaryLutOp lut) {
        LayerBops &layer = addLayer(lut, "lut");
        std::vector<double> table;
        for (float value : lut.getTable().getValues<float>())
          table.push_back(value);
        std::optional<fixed::Format> container =
            fixed::minimalContainer(table.data(), table.size());
        std::vector<int64_t> features = featuresOf(lut.getOutput());
        fixed::Format input = expandFormats(lut.getInputFormat(), {})[0];
        if (!container || !ShapedType::isStaticShape(features)) {
          layer.missing = "table or shape unknown";
          return;
        }
        int64_t count = 1;
        for (int64_t dim : features)
          count *= dim;
        std::vector<fixed::Format> formats(count, *container);
        Widths out = widthsOf(formats, std::nullopt);
        std::vector<int> inputBits(count, input.width());
        layer.ebops = fixed::lutEbops(inputBits.data(), out.nominal.data(),
                                      size_t(count));
        set(lut.getOutput(), out);
      })
      .Case<ReshapeOp, FlattenOp>([&](auto reshape) {
        if (std::optional<Widths> in = widths(reshape.getInput()))
          set(reshape.getOutput(), *in);
      })
      .Case([&](TransposeOp transpose) {
        std::optional<Widths> in = widths(transpose.getInput());
        if (!in)
          return;
        std::vector<int64_t> permutation(transpose.getPermutation().begin(),
                                         transpose.getPermutation().end());
        set(transpose.getOutput(),
            moveWidths(*in, featuresOf(transpose.getInput()),
                       [&](const exec::Tensor &t) {
                         exec::Tensor result;
                         exec::transpose(t, permutation, result);
                         return result;
                       }));
      })
      .Case([&](ConcatOp concat) {
        std::vector<exec::Tensor> totals, nominals;
        for (Value input : concat.getInputs()) {
          std::optional<Widths> in = widths(input);
          if (!in)
            return;
          totals.push_back(asTensor(in->total, featuresOf(input)));
          nominals.push_back(asTensor(in->nominal, featuresOf(input)));
        }
        int64_t rank = cast<RankedTensorType>(concat.getType()).getRank();
        int64_t axis = concat.getAxisAttr().getInt();
        if (axis < 0)
          axis += rank;
        auto join = [&](std::vector<exec::Tensor> &parts) {
          std::vector<const exec::Tensor *> pointers;
          for (exec::Tensor &part : parts)
            pointers.push_back(&part);
          exec::Tensor result;
          exec::concat(pointers, axis, result);
          return fromTensor(result);
        };
        set(concat.getOutput(), Widths{join(totals), join(nominals)});
      })
      // Float ops: their outputs have no fixed-point widths, so what reads
      // them reports "widths unknown".
      .Case<BatchNormOp, RescaleOp>([](auto) {})
      .Default([&](Operation *other) {
        if (!isa<HGQDialect>(other->getDialect()))
          return;
        other->emitOpError() << "the BOPs analysis has no rule for this op";
        unknownOp = true;
      });
}

FailureOr<BopsReport> Analysis::run(func::FuncOp function) {
  report.calibrated = bool(function->getParentOfType<ModuleOp>()->getAttr(
      HGQDialect::CalibrationAttrHelper::getNameStr()));
  function.walk([&](Operation *op) { visit(op); });
  if (unknownOp)
    return failure();
  for (const LayerBops &layer : report.layers) {
    if (layer.bops)
      report.totalBops += layer.perPosition ? *layer.perPosition : *layer.bops;
    if (layer.ebops)
      report.totalEbops += *layer.ebops;
  }
  return report;
}

} // namespace

FailureOr<BopsReport> computeBops(func::FuncOp function) {
  return Analysis().run(function);
}

void printBopsTable(const BopsReport &report, llvm::raw_ostream &os) {
  os << (report.calibrated ? "calibrated" : "free")
     << " BOPs (HGQ; conv: per position x parallel_factor, full layer in "
        "brackets) and EBOPs (HGQ2)\n";
  os << llvm::format("  %-24s %-6s %16s %16s\n", "layer", "kind", "BOPs",
                     "EBOPs");
  for (const LayerBops &layer : report.layers) {
    std::string bops = "-";
    if (layer.perPosition)
      bops = llvm::formatv("{0:F1} [{1:F0}]", *layer.perPosition, *layer.bops)
                 .str();
    else if (layer.bops)
      bops = llvm::formatv("{0:F0}", *layer.bops).str();
    std::string ebops =
        layer.ebops ? llvm::formatv("{0:F1}", *layer.ebops).str() : "-";
    os << llvm::format("  %-24s %-6s %16s %16s", layer.name.c_str(),
                       layer.kind.c_str(), bops.c_str(), ebops.c_str());
    if (!layer.missing.empty())
      os << "  (" << layer.missing << ")";
    os << "\n";
  }
  os << llvm::format("  %-24s %-6s %16s %16s\n", "total", "",
                     llvm::formatv("{0:F1}", report.totalBops).str().c_str(),
                     llvm::formatv("{0:F1}", report.totalEbops).str().c_str());
}

} // namespace hgq
