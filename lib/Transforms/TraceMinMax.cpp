//===- TraceMinMax.cpp - Integer bits from calibration data ---------------===//
//
// hgq-trace-minmax: run the calibration set through the executor, record the
// range of every layer-level quantizer's output and derive k and i from it
// (semantics.md 2).
//
//===----------------------------------------------------------------------===//

#include "hgq/Analysis/Bops.h"
#include "hgq/Dialect/EntryFunction.h"
#include "hgq/Dialect/HGQ.h"
#include "hgq/Exec/Executor.h"
#include "hgq/Exec/Kernels.h"
#include "hgq/Fixed/Range.h"
#include "hgq/Transforms/Calibration.h"
#include "hgq/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <limits>
#include <unistd.h>

namespace hgq {
#define GEN_PASS_DEF_HGQTRACEMINMAX
#include "dialects/hgq/HGQPasses.h.inc"
} // namespace hgq

using namespace mlir;
using namespace hgq;

namespace {

/// Per-thread min/max of each quantization point's output, per bits element,
/// as mantissas at the point's output fractional bits.
class MinMaxObserver : public exec::Observer {
public:
  explicit MinMaxObserver(const std::vector<exec::QuantizationPoint> &points)
      : points(points), minima(points.size()), maxima(points.size()),
        fractionalBits(points.size(), 0) {
    for (size_t point = 0; point < points.size(); ++point) {
      int64_t count = 1;
      for (int64_t dim : points[point].bitsShape)
        count *= dim;
      minima[point].assign(count, std::numeric_limits<int64_t>::max());
      maxima[point].assign(count, std::numeric_limits<int64_t>::min());
      // Feature e records into bits element map[e]; when that is e modulo
      // the number of bits elements (one per element, per channel, or one
      // for all: the usual sharing), the records are updated in plain
      // strided loops that vectorize.
      const std::vector<int64_t> &map = points[point].featureToBits;
      bool periodic = count > 0 && int64_t(map.size()) % count == 0;
      for (size_t e = 0; periodic && e < map.size(); ++e)
        periodic = map[e] == int64_t(e) % count;
      periodicMap.push_back(periodic);
    }
  }

  void observe(size_t point, const exec::Tensor &quantized) override {
    if (!points[point].layerLevel)
      return;
    fractionalBits[point] = quantized.fractionalBits;
    if (periodicMap[point]) // strided loops, in the executor's kernels
      return exec::updateRanges(quantized, int64_t(minima[point].size()),
                                minima[point].data(), maxima[point].data());
    if (quantized.floatStorage) // integers, exact in float32
      record(point, quantized.floats.data(), quantized.batch());
    else
      record(point, quantized.mantissas.data(), quantized.batch());
  }

  void merge(const MinMaxObserver &other) {
    for (size_t point = 0; point < points.size(); ++point) {
      if (other.fractionalBits[point])
        fractionalBits[point] = other.fractionalBits[point];
      for (size_t index = 0; index < minima[point].size(); ++index) {
        minima[point][index] =
            std::min(minima[point][index], other.minima[point][index]);
        maxima[point][index] =
            std::max(maxima[point][index], other.maxima[point][index]);
      }
    }
  }

private:
  /// Updates the records of `point` from `batch` samples of mantissas,
  /// each feature element into its bits element.
  template <typename T>
  void record(size_t point, const T *mantissas, int64_t batch) {
    const std::vector<int64_t> &map = points[point].featureToBits;
    std::vector<int64_t> &low = minima[point];
    std::vector<int64_t> &high = maxima[point];
    int64_t features = int64_t(map.size());
    for (int64_t n = 0; n < batch; ++n) {
      const T *row = mantissas + n * features;
      for (int64_t e = 0; e < features; ++e) {
        int64_t bits = map[e];
        low[bits] = std::min(low[bits], int64_t(row[e]));
        high[bits] = std::max(high[bits], int64_t(row[e]));
      }
    }
  }

public:
  const std::vector<exec::QuantizationPoint> &points;
  std::vector<bool> periodicMap; ///< per point: map[e] == e % bits elements
  std::vector<std::vector<int64_t>> minima, maxima;
  std::vector<int64_t> fractionalBits;
};

/// Forced ranges of activations whose outputs are bounded (semantics.md 2).
/// Functions with a known output range (semantics.md 2) force it on the
/// quantizer of their output, whether the activation carries that quantizer
/// or a separate hgq.quantize reads the activation (what --import-onnx makes
/// of Softmax -> hgq.Quantizer).
void forceRange(Operation *op, double &min, double &max) {
  auto activation = dyn_cast<ActivationOp>(op);
  if (auto quantize = dyn_cast<QuantizeOp>(op))
    activation = quantize.getInput().getDefiningOp<ActivationOp>();
  if (!activation)
    return;
  StringRef fn = activation.getFn();
  if (fn == "softmax") {
    min = 0;
    max = 1;
  } else if (fn == "sigmoid") {
    min = std::clamp(min, 0.0, 1.0);
    max = std::clamp(max, 0.0, 1.0);
  } else if (fn == "tanh") {
    min = std::clamp(min, -1.0, 1.0);
    max = std::clamp(max, -1.0, 1.0);
  }
}

/// The positive-only rule applies to dense and conv layers with a ReLU.
bool isReluLayer(Operation *op) {
  auto layer = dyn_cast<LayerOpInterface>(op);
  return layer && layer.getActivation() == LayerActivation::relu;
}

QuantizerAttr quantizerOf(Operation *op) {
  return op->getAttrOfType<QuantizerAttr>("quantizer");
}

DenseElementsAttr rangeAttr(MLIRContext *context, ArrayRef<int64_t> shape,
                            ArrayRef<double> values) {
  auto type = RankedTensorType::get(shape, Float64Type::get(context));
  return DenseElementsAttr::get(type, values);
}

DenseIntElementsAttr bitsAttr(MLIRContext *context, ArrayRef<int64_t> shape,
                              ArrayRef<int8_t> values) {
  if (llvm::all_equal(values))
    return makeBitsArray(context, values.front());
  auto type = RankedTensorType::get(shape, IntegerType::get(context, 8));
  return DenseIntElementsAttr::get(type, values);
}

struct TraceMinMaxPass : public hgq::impl::HGQTraceMinMaxBase<TraceMinMaxPass> {
  using HGQTraceMinMaxBase::HGQTraceMinMaxBase;

  void runOnOperation() override;
  FailureOr<func::FuncOp> findFunction();
  LogicalResult tracePoint(const exec::QuantizationPoint &where,
                           const MinMaxObserver &observed, size_t point);
};

FailureOr<func::FuncOp> TraceMinMaxPass::findFunction() {
  ModuleOp module = getOperation();
  if (auto function = findEntryFunction(module, functionName))
    return function;
  if (!functionName.empty())
    return module.emitError()
           << "hgq-trace-minmax: no function @" << functionName;
  return module.emitError() << "hgq-trace-minmax: the module has several "
                               "functions and none is @main; choose one "
                               "with function=NAME";
}

/// Records the traced range of one layer-level quantization point and gives
/// its quantizer k and i (semantics.md 2).
LogicalResult TraceMinMaxPass::tracePoint(const exec::QuantizationPoint &where,
                                          const MinMaxObserver &observed,
                                          size_t point) {
  MLIRContext *context = &getContext();
  Operation *op = where.op;
  QuantizerAttr quantizer = quantizerOf(op);
  size_t count = observed.minima[point].size();
  std::vector<double> minima(count), maxima(count);
  int frac = int(observed.fractionalBits[point]);
  for (size_t index = 0; index < count; ++index) {
    minima[index] = std::ldexp(double(observed.minima[point][index]), -frac);
    maxima[index] = std::ldexp(double(observed.maxima[point][index]), -frac);
  }
  if (accumulate) {
    auto oldMin = op->getAttrOfType<DenseElementsAttr>(
        HGQDialect::TraceMinAttrHelper::getNameStr());
    auto oldMax = op->getAttrOfType<DenseElementsAttr>(
        HGQDialect::TraceMaxAttrHelper::getNameStr());
    if (oldMin && oldMax && size_t(oldMin.getNumElements()) == count &&
        size_t(oldMax.getNumElements()) == count) {
      size_t index = 0;
      for (double value : oldMin.getValues<double>())
        minima[index] = std::min(minima[index], value), ++index;
      index = 0;
      for (double value : oldMax.getValues<double>())
        maxima[index] = std::max(maxima[index], value), ++index;
    }
  }
  op->setAttr(HGQDialect::TraceMinAttrHelper::getNameStr(),
              rangeAttr(context, where.bitsShape, minima));
  op->setAttr(HGQDialect::TraceMaxAttrHelper::getNameStr(),
              rangeAttr(context, where.bitsShape, maxima));

  // f per bits element, the rounding of the quantizer, then the rules.
  SmallVector<int> fractional =
      expandFractionalBits(quantizer, where.bitsShape);
  bool absorbs = false;
  if (auto layer = dyn_cast<LayerOpInterface>(op))
    absorbs = biasCanAbsorbRounding(bool(layer.getBiasAttr()), quantizer);
  fixed::Rounding rounding = inferenceRounding(quantizer.getRnd(), absorbs);
  fixed::RangeRule rule = isReluLayer(op) ? fixed::RangeRule::PositiveOnly
                                          : fixed::RangeRule::General;
  std::vector<int8_t> keep(count), integer(count);
  for (size_t index = 0; index < count; ++index) {
    double low = minima[index], high = maxima[index];
    forceRange(op, low, high);
    std::optional<fixed::Range> covered = fixed::applyCoverFactor(
        {low, high}, coverFactor, fractional[index], rounding);
    std::optional<fixed::Format> format =
        covered ? fixed::formatFromRange(covered->min, covered->max,
                                         fractional[index], rule)
                : std::nullopt;
    if (!format)
      return op->emitError()
             << "hgq-trace-minmax: the range [" << low << ", " << high
             << "] of element " << index << " has no exact integer-bit count";
    if (format->isDead()) {
      ++numDeadElements;
      // A dead element keeps its f; k + i = -f makes its width zero.
      keep[index] = 0;
      integer[index] = int8_t(-fractional[index]);
    } else {
      keep[index] = int8_t(format->keepNegative);
      integer[index] = int8_t(format->integerBits);
    }
  }
  QuantizerAttr traced = QuantizerAttr::get(
      context, quantizer.getF(), quantizer.getRnd(), quantizer.getBwClipMin(),
      quantizer.getBwClipMax(), bitsAttr(context, where.bitsShape, keep),
      bitsAttr(context, where.bitsShape, integer));
  op->setAttr("quantizer", traced);
  ++numQuantizers;
  return success();
}

void TraceMinMaxPass::runOnOperation() {
  ModuleOp module = getOperation();
  MLIRContext *context = &getContext();
  if (calibration.empty()) {
    module.emitError() << "hgq-trace-minmax needs calibration data: "
                          "--hgq-trace-minmax=\"calibration=FILE.npy\"";
    return signalPassFailure();
  }
  if (!(coverFactor > 0) || !std::isfinite(coverFactor)) {
    module.emitError() << "hgq-trace-minmax: cover-factor must be a positive "
                          "number, got "
                       << coverFactor;
    return signalPassFailure();
  }
  if (coverFactor < 1)
    mlir::emitWarning(module.getLoc())
        << "hgq-trace-minmax: cover-factor "
        << llvm::formatv("{0}", double(coverFactor)).str()
        << " is below 1: the integer bits will not cover the whole "
           "calibration range, and values near its ends will overflow "
           "(wrap or saturate) in the proxy";
  FailureOr<func::FuncOp> function = findFunction();
  if (failed(function))
    return signalPassFailure();
  FailureOr<std::unique_ptr<exec::Executor>> executor =
      exec::Executor::create(*function);
  if (failed(executor))
    return signalPassFailure();
  CalibrationData inputs;
  if (failed(loadCalibration(calibration, (*executor)->inputNames().size(),
                             *function, "hgq-trace-minmax", inputs)))
    return signalPassFailure();

  const std::vector<exec::QuantizationPoint> &points = (*executor)->points();
  exec::RunOptions options;
  options.keepOutputs = false; // the ranges are all it needs
  options.makeObserver = [&points]() {
    return std::make_unique<MinMaxObserver>(points);
  };
  if (isatty(STDERR_FILENO))
    options.progress = [](int64_t done, int64_t total) {
      llvm::errs() << "\rhgq-trace-minmax: " << done << "/" << total
                   << " samples";
      if (done == total)
        llvm::errs() << "\n";
    };
  exec::RunResult result;
  exec::Status status = (*executor)->run(inputs.views, options, result);
  if (!status.ok) {
    function->emitError() << "hgq-trace-minmax: " << status.message;
    return signalPassFailure();
  }
  auto *observed = static_cast<MinMaxObserver *>(result.observers[0].get());
  for (size_t index = 1; index < result.observers.size(); ++index)
    observed->merge(
        *static_cast<MinMaxObserver *>(result.observers[index].get()));

  for (size_t point = 0; point < points.size(); ++point)
    if (points[point].layerLevel &&
        failed(tracePoint(points[point], *observed, point)))
      return signalPassFailure();
  if (!quiet) // a caller that traces quietly checks the outputs itself
    warnConstantOutputs(*function, result.constantOutputs, inputs.samples(),
                        "hgq-trace-minmax");

  Builder builder(context);
  module->setAttr(
      HGQDialect::CalibrationAttrHelper::getNameStr(),
      builder.getDictionaryAttr(
          {builder.getNamedAttr("samples",
                                builder.getI64IntegerAttr(inputs.samples())),
           builder.getNamedAttr("cover_factor",
                                builder.getF64FloatAttr(coverFactor))}));
  if (quiet)
    return;
  FailureOr<BopsReport> bops = computeBops(*function);
  if (failed(bops))
    return signalPassFailure();
  printBopsTable(*bops, llvm::errs());
}

} // namespace
