//===- ElementFormats.cpp - Exact per-element formats of proxy IR ---------===//
//
// The format of every element of a proxy-level value, from the quantizers'
// formats and the exact interval arithmetic of lib/Fixed/Interval. See the
// header.
//
//===----------------------------------------------------------------------===//

#include "hgq/Analysis/ElementFormats.h"

#include "hgq/Dialect/HGQ.h"
#include "hgq/Fixed/ActivationTables.h"
#include "hgq/Fixed/Range.h"
#include "hgq/Support/Permute.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using hgq::fixed::Format;
using hgq::fixed::Interval;

namespace hgq {

static std::vector<double> doublesOf(ElementsAttr attr) {
  if (!attr)
    return {};
  std::vector<float> values = floatsOf(attr);
  return std::vector<double>(values.begin(), values.end());
}

LinearConstants linearConstants(LayerOpInterface op) {
  return {doublesOf(op.getKernel()), doublesOf(op.getBiasAttr())};
}

std::vector<std::vector<LinearTerm>>
linearTerms(LayerOpInterface op, const LinearConstants &constants,
            ArrayRef<Format> inputs, int64_t &skipped) {
  const std::vector<double> &kernel = constants.kernel;
  auto kernelType = cast<ShapedType>(op.getKernel().getType());
  int64_t outputs = kernelType.getShape().back();
  int64_t outSize = 1;
  for (int64_t dim : featuresOf(op.getOutput()))
    outSize *= dim;
  std::vector<std::vector<LinearTerm>> terms(outSize);
  // At most the fan-in each: one allocation per output, not a doubling
  // series (a convolution has as many outputs as positions x channels).
  for (std::vector<LinearTerm> &outputTerms : terms)
    outputTerms.reserve(kernel.size() / size_t(std::max<int64_t>(outputs, 1)));
  skipped = 0;
  auto addTerm = [&](int64_t output, int64_t input, int64_t weight) {
    if (kernel[weight] == 0 || inputs[input].isDead()) {
      ++skipped;
      return;
    }
    terms[output].push_back({input, weight});
  };
  if (auto conv = dyn_cast<ConvOp>(op.getOperation())) {
    auto inputType = conv.getInput().getType();
    fixed::WindowGeometry g = windowGeometry(
        inputType, kernelType.getShape().take_front(conv.getSpatialRank()),
        conv.getStrideValues(), conv.getDilationValues(), conv.getPadValues());
    int64_t channels = inputType.getShape().back();
    int64_t groups = conv.getGroups();
    int64_t perGroupIn = channels / groups, perGroupOut = outputs / groups;
    for (int64_t position = 0; position < g.outputPositions(); ++position)
      for (int64_t o = 0; o < outputs; ++o) {
        int64_t group = o / perGroupOut;
        g.forEachTap(position, [&](int64_t tap, int64_t inputPosition) {
          for (int64_t c = 0; c < perGroupIn; ++c)
            addTerm(position * outputs + o,
                    inputPosition * channels + group * perGroupIn + c,
                    (tap * perGroupIn + c) * outputs + o);
        });
      }
    return terms;
  }
  int64_t inner = kernelType.getShape().front();
  for (int64_t position = 0; position < outSize / outputs; ++position)
    for (int64_t o = 0; o < outputs; ++o)
      for (int64_t j = 0; j < inner; ++j)
        addTerm(position * outputs + o, position * inner + j, j * outputs + o);
  return terms;
}

FailureOr<LinearSums>
linearSums(LayerOpInterface op, const LinearConstants &constants,
           ArrayRef<Format> inputs,
           const std::vector<std::vector<LinearTerm>> &terms) {
  std::optional<LinearSums> sums = fixed::linearSumFormats(
      {op.getOutputChannels(), &constants.kernel, &constants.bias,
       inputs.data(), inputs.size(), &terms});
  if (!sums)
    return failure();
  return std::move(*sums);
}

FailureOr<std::vector<PoolWindow>> poolWindows(Operation *pool,
                                               ArrayRef<Format> inputs) {
  bool average = isa<AvgPoolOp>(pool);
  auto inputType = cast<RankedTensorType>(pool->getOperand(0).getType());
  fixed::WindowGeometry g =
      average ? windowGeometry(inputType, cast<AvgPoolOp>(pool).getWindow(),
                               cast<AvgPoolOp>(pool).getStrideValues(), {},
                               cast<AvgPoolOp>(pool).getPadValues())
              : windowGeometry(inputType, cast<MaxPoolOp>(pool).getWindow(),
                               cast<MaxPoolOp>(pool).getStrideValues(), {},
                               cast<MaxPoolOp>(pool).getPadValues());
  int64_t channels = inputType.getShape().back();
  std::vector<PoolWindow> windows;
  for (int64_t position = 0; position < g.outputPositions(); ++position)
    for (int64_t c = 0; c < channels; ++c) {
      PoolWindow window;
      g.forEachTap(position, [&](int64_t, int64_t inputPosition) {
        window.cells.push_back(inputPosition * channels + c);
      });
      // Max: the hull of the cells (padding never wins). Average: the
      // running sum's interval (all partial sums), divided by the cell count
      // (a power of two, as the verifier requires) at more fractional bits.
      std::optional<Interval> range = Interval(), partials = Interval();
      for (auto [cellIndex, cell] : llvm::enumerate(window.cells)) {
        Interval value = Interval::of(inputs[cell]);
        if (cellIndex == 0)
          range = value;
        else
          range = average ? add(*range, value) : hull(*range, value);
        partials = range ? hull(*partials, *range) : std::nullopt;
        if (!partials)
          return failure();
      }
      while ((int64_t(1) << window.shift) < int64_t(window.cells.size()))
        ++window.shift;
      window.partialSums = partials->format();
      if (average)
        range->fractionalBits += window.shift;
      window.output = range->format();
      windows.push_back(std::move(window));
    }
  return windows;
}

/// Transpose: output element -> input element (the permutation without
/// the batch).
static std::vector<std::pair<int, int64_t>> transposeSources(TransposeOp op) {
  std::vector<int64_t> shape = featuresOf(op.getInput()).vec(), permutation;
  for (int64_t d : op.getPermutation().drop_front())
    permutation.push_back(d - 1);
  std::vector<std::pair<int, int64_t>> sources;
  for (int64_t source : permutationSources(shape, permutation))
    sources.push_back({0, source});
  return sources;
}

/// Concat: output element -> (input, element).
static std::vector<std::pair<int, int64_t>> concatSources(ConcatOp op) {
  ArrayRef<int64_t> outShape = featuresOf(op.getOutput());
  int64_t rank = outShape.size() + 1;
  int64_t axis = static_cast<int64_t>(op.getAxis());
  if (axis < 0)
    axis += rank;
  // Elements before the axis (outer), and after it (inner).
  int64_t outer = 1, inner = 1;
  for (int64_t d = 1; d < axis; ++d)
    outer *= outShape[d - 1];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= outShape[d - 1];
  std::vector<std::pair<int, int64_t>> sources;
  for (int64_t o = 0; o < outer; ++o)
    for (auto [which, input] : llvm::enumerate(op.getInputs())) {
      int64_t length = featuresOf(input)[axis - 1];
      for (int64_t a = 0; a < length; ++a)
        for (int64_t i = 0; i < inner; ++i)
          sources.push_back({int(which), (o * length + a) * inner + i});
    }
  return sources;
}

std::vector<std::pair<int, int64_t>> elementSources(Operation *op) {
  auto identity = [&]() {
    int64_t size = 1;
    for (int64_t dim : featuresOf(op->getOperand(0)))
      size *= dim;
    std::vector<std::pair<int, int64_t>> sources;
    for (int64_t index = 0; index < size; ++index)
      sources.push_back({0, index});
    return sources;
  };
  if (isa<ReshapeOp, FlattenOp>(op))
    return identity();
  if (auto activation = dyn_cast<ActivationOp>(op))
    return activation.getFn() == "linear"
               ? identity()
               : std::vector<std::pair<int, int64_t>>{};
  if (auto transpose = dyn_cast<TransposeOp>(op))
    return transposeSources(transpose);
  if (auto concat = dyn_cast<ConcatOp>(op))
    return concatSources(concat);
  return {};
}

FailureOr<ArrayRef<Format>> ElementFormats::of(Value value) {
  auto found = known.find(value);
  if (found != known.end())
    return ArrayRef<Format>(found->second);
  FailureOr<std::vector<Format>> formats = compute(value);
  if (failed(formats))
    return failure();
  return ArrayRef<Format>(known[value] = std::move(*formats));
}

FailureOr<std::vector<Format>> ElementFormats::compute(Value value) {
  Operation *op = value.getDefiningOp();
  auto fail = [&](const std::string &why) -> FailureOr<std::vector<Format>> {
    lastError = why;
    return failure();
  };
  if (!op)
    return fail("a function argument has no fixed-point format");
  if (!isProxyLevel(op))
    return fail("the op is at layer level (run the proxy pipeline first)");
  auto operandFormats =
      [&](unsigned operand) -> FailureOr<std::vector<Format>> {
    FailureOr<ArrayRef<Format>> formats = of(op->getOperand(operand));
    if (failed(formats))
      return failure();
    return formats->vec();
  };
  std::vector<Format> sources;
  for (auto [operand, element] : elementSources(op)) {
    FailureOr<ArrayRef<Format>> formats = of(op->getOperand(operand));
    if (failed(formats))
      return failure();
    sources.push_back((*formats)[element]);
  }
  if (!sources.empty())
    return sources;
  const std::string tooWide = "a sum needs more than 126 bits";
  return llvm::TypeSwitch<Operation *, FailureOr<std::vector<Format>>>(op)
      .Case([&](QuantizeOp quantize) -> FailureOr<std::vector<Format>> {
        FixedAttr attr = quantize.getFormatAttr();
        if (!attr)
          return fail("a quantizer without a format");
        SmallVector<Format> expanded =
            expandFormats(attr, featuresOf(quantize.getOutput()));
        std::vector<Format> formats(expanded.begin(), expanded.end());
        // A signed 1-bit element saturating symmetrically can only hold 0.
        for (Format &format : formats)
          if (attr.getOverflow() == OverflowMode::SAT_SYM &&
              format.keepNegative && format.width() == 1)
            format = Format{};
        return formats;
      })
      .Case([&](LayerOpInterface layer) -> FailureOr<std::vector<Format>> {
        FailureOr<std::vector<Format>> inputs = operandFormats(0);
        if (failed(inputs))
          return failure();
        int64_t skipped = 0;
        LinearConstants constants = linearConstants(layer);
        FailureOr<LinearSums> sums =
            linearSums(layer, constants, *inputs,
                       linearTerms(layer, constants, *inputs, skipped));
        if (failed(sums))
          return fail(tooWide);
        return std::move(sums->outputs);
      })
      .Case([&](ActivationOp activation) -> FailureOr<std::vector<Format>> {
        FailureOr<std::vector<Format>> inputs = operandFormats(0);
        if (failed(inputs))
          return failure();
        StringRef fn = activation.getFn();
        if (fn == "relu") {
          for (Format &format : *inputs) {
            format.keepNegative = 0;
            format = format.normalized();
          }
          return inputs;
        }
        Format output;
        if (fn == "sigmoid" || fn == "tanh") {
          output =
              fixed::tableFormat(fn == "sigmoid" ? fixed::sigmoidTable().entries
                                                 : fixed::tanhTable().entries);
        } else if (fn == "softmax") {
          // The tables depend on the length of the softmax axis.
          ArrayRef<int64_t> shape = activation.getInput().getType().getShape();
          int64_t axis =
              activation.getAxisAttr() ? activation.getAxisAttr().getInt() : -1;
          if (axis < 0)
            axis += int64_t(shape.size());
          fixed::SoftmaxTables tables = fixed::softmaxTables(shape[axis]);
          output = multiply(Interval::of(fixed::tableFormat(tables.exp)),
                            Interval::of(fixed::tableFormat(tables.reciprocal)))
                       ->format();
        } else {
          return fail(("activation '" + fn +
                       "' has no fixed-point algorithm at proxy level")
                          .str());
        }
        return std::vector<Format>(inputs->size(), output);
      })
      .Case([&](UnaryLutOp lut) -> FailureOr<std::vector<Format>> {
        FailureOr<std::vector<Format>> inputs = operandFormats(0);
        if (failed(inputs))
          return failure();
        Format index = expandFormats(lut.getInputFormat(), {})[0];
        std::vector<double> table = doublesOf(lut.getTable());
        std::optional<Format> entry =
            fixed::minimalContainer(table.data(), table.size());
        if (!entry || entry->isDead() || index.isDead())
          return std::vector<Format>(inputs->size(), Format{});
        return std::vector<Format>(inputs->size(), *entry);
      })
      .Case([&](AddOp add) -> FailureOr<std::vector<Format>> {
        FailureOr<std::vector<Format>> lhs = operandFormats(0);
        if (failed(lhs))
          return failure();
        FailureOr<std::vector<Format>> rhs = operandFormats(1);
        if (failed(rhs))
          return failure();
        std::vector<Format> formats;
        for (size_t index = 0; index < lhs->size(); ++index) {
          std::optional<Interval> sum = hgq::fixed::add(
              Interval::of((*lhs)[index]), Interval::of((*rhs)[index]));
          if (!sum)
            return fail(tooWide);
          formats.push_back(sum->format());
        }
        return formats;
      })
      .Case<MaxPoolOp, AvgPoolOp>(
          [&](Operation *pool) -> FailureOr<std::vector<Format>> {
            FailureOr<std::vector<Format>> inputs = operandFormats(0);
            if (failed(inputs))
              return failure();
            FailureOr<std::vector<PoolWindow>> windows =
                poolWindows(pool, *inputs);
            if (failed(windows))
              return fail(tooWide);
            std::vector<Format> formats;
            for (const PoolWindow &window : *windows)
              formats.push_back(window.output);
            return formats;
          })
      .Default([&](Operation *other) {
        return fail(("'" + other->getName().getStringRef() +
                     "' computes in float32, not in fixed point")
                        .str());
      });
}

PerTensorTypes perTensorTypes(Operation *op, ElementFormats &formats) {
  PerTensorTypes types;
  auto collapsed = [&](Value value) -> std::optional<Format> {
    FailureOr<ArrayRef<Format>> elements = formats.of(value);
    if (failed(elements))
      return std::nullopt;
    Format format = fixed::collapse(elements->data(), elements->size());
    if (format.isDead())
      return std::nullopt;
    return format;
  };
  if (op->getNumResults() != 1 || isa<QuantizeOp>(op))
    return types;
  types.result = collapsed(op->getResult(0));
  auto layer = dyn_cast<LayerOpInterface>(op);
  if (!layer || !isProxyLevel(op))
    return types;
  LinearConstants constants = linearConstants(layer);
  const std::vector<double> &kernel = constants.kernel, &bias = constants.bias;
  types.weight = fixed::minimalContainer(kernel.data(), kernel.size());
  if (!types.weight)
    return types; // no weight type, no accumulator (as hgq-to-proxy had it)
  if (!bias.empty())
    types.bias = fixed::minimalContainer(bias.data(), bias.size());
  std::optional<Format> input = collapsed(layer.getInput());
  if (!input)
    return types;
  types.accum =
      fixed::accumulatorFormat(*input, kernel, layer.getOutputChannels(), bias);
  types.accumTooWide = !types.accum;
  return types;
}

void recordPerTensorTypes(Operation *root) {
  MLIRContext *context = root->getContext();
  root->walk([&](func::FuncOp function) {
    if (function.isExternal())
      return;
    // Only a proxy (a float model stays valid at both levels, for the
    // quantizers to come).
    if (!isProxyFunction(function))
      return;
    ElementFormats formats;
    auto record = [&](Operation *op, StringRef name, Format format) {
      if (!op->hasAttr(name))
        op->setAttr(name, uniformFormat(context, format, RoundingMode::TRN,
                                        OverflowMode::WRAP));
    };
    function.walk([&](Operation *op) {
      if (!isa<HGQDialect>(op->getDialect()))
        return;
      // A quantizer's type has its rounding and overflow (hls4ml folds a
      // homogeneous one into its producer's result type).
      if (auto quantize = dyn_cast<QuantizeOp>(op)) {
        FixedAttr format = quantize.getFormatAttr();
        FailureOr<ArrayRef<Format>> elements = formats.of(quantize.getOutput());
        if (format && succeeded(elements) &&
            !op->hasAttr(HGQDialect::ResultTAttrHelper::getNameStr()))
          op->setAttr(
              HGQDialect::ResultTAttrHelper::getNameStr(),
              uniformFormat(context,
                            fixed::collapse(elements->data(), elements->size()),
                            format.getRounding(), format.getOverflow()));
        return;
      }
      PerTensorTypes types = perTensorTypes(op, formats);
      if (types.result)
        record(op, HGQDialect::ResultTAttrHelper::getNameStr(), *types.result);
      if (types.weight)
        record(op, HGQDialect::WeightTAttrHelper::getNameStr(), *types.weight);
      if (types.bias)
        record(op, HGQDialect::BiasTAttrHelper::getNameStr(), *types.bias);
      if (types.accum)
        record(op, HGQDialect::AccumTAttrHelper::getNameStr(), *types.accum);
    });
  });
}

} // namespace hgq
