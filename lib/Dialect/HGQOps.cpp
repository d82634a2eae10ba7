//===- HGQOps.cpp - Verifiers and folders of the hgq ops ------------------===//
//
// Every verifier message says what was expected and what was found, so that a
// diagnostic on an imported model (whose location is the ONNX node name) is
// enough to fix it.
//
//===----------------------------------------------------------------------===//

#include "hgq/Dialect/HGQ.h"
#include "hgq/Fixed/UnaryFunctions.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace mlir;
using namespace hgq;

#include "dialects/hgq/HGQInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "dialects/hgq/HGQOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Shared checks
//===----------------------------------------------------------------------===//

namespace {

/// Dimensions equal, or at least one of them unknown.
bool compatible(int64_t lhs, int64_t rhs) {
  return ShapedType::isDynamic(lhs) || ShapedType::isDynamic(rhs) || lhs == rhs;
}

/// The shape without the batch dimension.
ArrayRef<int64_t> featureShape(RankedTensorType type) {
  return type.getShape().drop_front();
}

LogicalResult verifyHasBatch(Operation *op, RankedTensorType type,
                             StringRef what) {
  if (type.getRank() < 1)
    return op->emitOpError() << what
                             << " must have a leading batch dimension (rank "
                                ">= 1)";
  return success();
}

LogicalResult verifyBitsFit(Operation *op, ArrayRef<int64_t> bits,
                            ArrayRef<int64_t> target, StringRef what,
                            StringRef against) {
  if (!isBroadcastableTo(bits, target))
    return op->emitOpError() << what << " of shape " << shapeString(bits)
                             << " do not broadcast to the " << against
                             << " shape " << shapeString(target);
  return success();
}

/// A pre-activation quantizer acting on `type` (bits exclude the batch).
LogicalResult verifyActivationQuantizer(Operation *op, QuantizerAttr quantizer,
                                        RankedTensorType type) {
  if (!quantizer)
    return success();
  return verifyBitsFit(op, quantizer.getBitsShape(), featureShape(type),
                       "quantizer bits", "output feature");
}

/// A constant f32 tensor attribute of the given rank.
FailureOr<ShapedType> verifyConstant(Operation *op, ElementsAttr attr,
                                     StringRef name, int64_t rank) {
  auto type = dyn_cast<ShapedType>(attr.getType());
  if (!type || !type.hasStaticShape() || !type.getElementType().isF32() ||
      type.getRank() != rank)
    return op->emitOpError() << "'" << name << "' must be a static " << rank
                             << "-D f32 tensor, got " << attr.getType();
  if (name == "kernel" && llvm::is_contained(type.getShape(), 0))
    return op->emitOpError()
           << "'kernel' has an empty dimension (" << attr.getType()
           << "): the layer would compute nothing";
  return type;
}

LogicalResult verifyKernelQuantizer(Operation *op, QuantizerAttr quantizer,
                                    ShapedType kernel) {
  if (!quantizer)
    return success();
  if (quantizer.getRnd() == RoundingStrategy::auto_)
    return op->emitOpError() << "kernel quantizer cannot use rnd = auto "
                                "(only pre-activation quantizers can)";
  return verifyBitsFit(op, quantizer.getBitsShape(), kernel.getShape(),
                       "kernel quantizer bits", "kernel");
}

LogicalResult verifyBias(Operation *op, std::optional<ElementsAttr> bias,
                         int64_t outputs) {
  if (!bias)
    return success();
  FailureOr<ShapedType> type = verifyConstant(op, *bias, "bias", 1);
  if (failed(type))
    return failure();
  if (type->getDimSize(0) != outputs)
    return op->emitOpError()
           << "bias has " << type->getDimSize(0)
           << " elements but the layer has " << outputs << " outputs";
  return success();
}

/// Checks a result type against the expected shape (dynamic entries of either
/// side accept anything).
LogicalResult verifyResultShape(Operation *op, RankedTensorType result,
                                ArrayRef<int64_t> expected) {
  bool ok = result.getRank() == int64_t(expected.size());
  for (size_t index = 0; ok && index < expected.size(); ++index)
    ok = compatible(result.getDimSize(index), expected[index]);
  if (!ok)
    return op->emitOpError()
           << "result shape " << shapeString(result.getShape())
           << " does not match the expected " << shapeString(expected);
  return success();
}

/// Checks optional per-spatial-dimension arrays of a window op.
LogicalResult verifyWindowArray(Operation *op,
                                std::optional<ArrayRef<int64_t>> values,
                                StringRef name, int64_t expectedSize,
                                int64_t minimum) {
  if (!values)
    return success();
  if (int64_t(values->size()) != expectedSize)
    return op->emitOpError() << "'" << name << "' needs " << expectedSize
                             << " entries, got " << values->size();
  for (int64_t value : *values)
    if (value < minimum)
      return op->emitOpError()
             << "'" << name << "' entries must be >= " << minimum << ", got "
             << value;
  return success();
}

SmallVector<int64_t> valuesOr(std::optional<ArrayRef<int64_t>> values,
                              size_t size, int64_t fallback) {
  if (values)
    return SmallVector<int64_t>(*values);
  return SmallVector<int64_t>(size, fallback);
}

LogicalResult verifyChannelsLast(Operation *op, RankedTensorType type) {
  if (type.getRank() != 3 && type.getRank() != 4)
    return op->emitOpError()
           << "expects a channels-last input of rank 3 (N, W, C) or 4 (N, H, "
              "W, C), got rank "
           << type.getRank();
  return success();
}

} // namespace

/// Spatial output size of a sliding window, or nullopt if it does not fit.
fixed::WindowGeometry hgq::windowGeometry(RankedTensorType input,
                                          ArrayRef<int64_t> window,
                                          ArrayRef<int64_t> strides,
                                          ArrayRef<int64_t> dilations,
                                          ArrayRef<int64_t> pads) {
  fixed::WindowGeometry geometry;
  size_t spatial = window.size();
  size_t first = 2 - spatial;
  for (size_t axis = 0; axis < spatial; ++axis) {
    geometry.input[first + axis] = input.getDimSize(axis + 1);
    geometry.window[first + axis] = window[axis];
    geometry.strides[first + axis] = strides[axis];
    geometry.dilations[first + axis] = dilations.empty() ? 1 : dilations[axis];
    geometry.padBegin[first + axis] = pads[axis];
    geometry.padEnd[first + axis] = pads[axis + spatial];
  }
  return geometry;
}

int64_t hgq::samePaddingTotal(int64_t input, int64_t window, int64_t stride,
                              int64_t dilation) {
  int64_t output = (input + stride - 1) / stride;
  int64_t span = dilation * (window - 1) + 1;
  return std::max<int64_t>((output - 1) * stride + span - input, 0);
}

std::vector<int64_t> hgq::samePads(ArrayRef<int64_t> input,
                                   ArrayRef<int64_t> window,
                                   ArrayRef<int64_t> strides,
                                   ArrayRef<int64_t> dilations) {
  size_t spatial = window.size();
  std::vector<int64_t> pads(2 * spatial, 0);
  for (size_t axis = 0; axis < spatial; ++axis) {
    int64_t total = samePaddingTotal(input[axis], window[axis], strides[axis],
                                     dilations[axis]);
    pads[axis] = total / 2;
    pads[axis + spatial] = total - total / 2;
  }
  return pads;
}

/// Spatial output size of a sliding window (dynamic in, dynamic out), or
/// nullopt when the window does not fit the padded input.
static std::optional<int64_t> windowOutput(int64_t input, int64_t window,
                                           int64_t stride, int64_t dilation,
                                           int64_t padBegin, int64_t padEnd) {
  if (ShapedType::isDynamic(input))
    return ShapedType::kDynamic;
  return fixed::windowOutputSize(input, window, stride, dilation, padBegin,
                                 padEnd);
}

WindowShape hgq::windowResultShape(ArrayRef<int64_t> input,
                                   ArrayRef<int64_t> window,
                                   ArrayRef<int64_t> strides,
                                   ArrayRef<int64_t> dilations,
                                   ArrayRef<int64_t> pads, int64_t channels) {
  WindowShape result;
  size_t spatial = window.size();
  result.shape.push_back(input.front());
  for (size_t axis = 0; axis < spatial; ++axis) {
    std::optional<int64_t> size = windowOutput(
        input[axis + 1], window[axis], strides.empty() ? 1 : strides[axis],
        dilations.empty() ? 1 : dilations[axis], pads.empty() ? 0 : pads[axis],
        pads.empty() ? 0 : pads[axis + spatial]);
    if (!size && !result.misfitAxis)
      result.misfitAxis = int64_t(axis);
    result.shape.push_back(size.value_or(ShapedType::kDynamic));
  }
  result.shape.push_back(channels);
  return result;
}

//===----------------------------------------------------------------------===//
// quantize, signature
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  auto type = getInput().getType();
  if (failed(verifyHasBatch(*this, type, "input")))
    return failure();
  if (bool(getQuantizerAttr()) == bool(getFormatAttr()))
    return emitOpError() << "needs exactly one of 'quantizer' (layer level) "
                            "or 'format' (proxy level)";
  if (getQuantizerAttr())
    return verifyActivationQuantizer(*this, getQuantizerAttr(), type);
  return verifyBitsFit(*this, getFormatAttr().getBitsShape(),
                       featureShape(type), "format bits", "input feature");
}

LogicalResult SignatureOp::verify() {
  auto type = getInput().getType();
  if (failed(verifyHasBatch(*this, type, "input")))
    return failure();
  if (getFormat().getRounding() != RoundingMode::TRN)
    return emitOpError() << "a signature declares a truncated (TRN) format, "
                            "got rounding "
                         << stringifyRoundingMode(getFormat().getRounding());
  return verifyBitsFit(*this, getFormat().getBitsShape(), featureShape(type),
                       "format bits", "input feature");
}

//===----------------------------------------------------------------------===//
// dense, conv, batchnorm
//===----------------------------------------------------------------------===//

void DenseOp::build(OpBuilder &builder, OperationState &state, Value input,
                    ElementsAttr kernel, ElementsAttr bias,
                    QuantizerAttr kernelQuantizer) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = cast<ShapedType>(kernel.getType()).getShape().back();
  build(builder, state, type.clone(shape), input, kernel, bias, kernelQuantizer,
        nullptr, LayerActivation::linear);
}

LogicalResult DenseOp::verify() {
  RankedTensorType input = getInput().getType();
  if (input.getRank() < 2)
    return emitOpError() << "expects an input of rank >= 2 (batch, ..., "
                            "features), got rank "
                         << input.getRank();
  FailureOr<ShapedType> kernel =
      verifyConstant(*this, getKernel(), "kernel", 2);
  if (failed(kernel))
    return failure();
  int64_t inputs = kernel->getDimSize(0), outputs = kernel->getDimSize(1);
  if (!compatible(input.getShape().back(), inputs))
    return emitOpError() << "kernel expects " << inputs
                         << " input features but the input has "
                         << input.getShape().back();
  if (failed(verifyBias(*this, getBias(), outputs)) ||
      failed(verifyKernelQuantizer(*this, getKernelQuantizerAttr(), *kernel)))
    return failure();
  SmallVector<int64_t> expected(input.getShape());
  expected.back() = outputs;
  if (failed(verifyResultShape(*this, getOutput().getType(), expected)))
    return failure();
  return verifyActivationQuantizer(*this, getQuantizerAttr(),
                                   getOutput().getType());
}

SmallVector<int64_t> ConvOp::getStrideValues() {
  return valuesOr(getStrides(), getSpatialRank(), 1);
}
SmallVector<int64_t> ConvOp::getDilationValues() {
  return valuesOr(getDilations(), getSpatialRank(), 1);
}
SmallVector<int64_t> ConvOp::getPadValues() {
  return valuesOr(getPads(), 2 * getSpatialRank(), 0);
}

void ConvOp::build(OpBuilder &builder, OperationState &state, Value input,
                   ElementsAttr kernel, ElementsAttr bias,
                   ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                   ArrayRef<int64_t> pads, int64_t groups,
                   int64_t parallelFactor, QuantizerAttr kernelQuantizer) {
  auto type = cast<RankedTensorType>(input.getType());
  ArrayRef<int64_t> kernelShape = cast<ShapedType>(kernel.getType()).getShape();
  WindowShape shape =
      windowResultShape(type.getShape(), kernelShape.drop_back(2), strides,
                        dilations, pads, kernelShape.back());
  auto optional = [&](ArrayRef<int64_t> values) {
    return values.empty() ? DenseI64ArrayAttr()
                          : builder.getDenseI64ArrayAttr(values);
  };
  build(builder, state, type.clone(shape.shape), input, kernel, bias,
        optional(strides), optional(dilations), optional(pads), groups,
        parallelFactor, kernelQuantizer, nullptr, LayerActivation::linear);
}

LogicalResult ConvOp::verify() {
  RankedTensorType input = getInput().getType();
  if (failed(verifyChannelsLast(*this, input)))
    return failure();
  int64_t spatial = getSpatialRank();
  FailureOr<ShapedType> kernel =
      verifyConstant(*this, getKernel(), "kernel", spatial + 2);
  if (failed(kernel))
    return failure();
  if (failed(verifyWindowArray(*this, getStrides(), "strides", spatial, 1)) ||
      failed(
          verifyWindowArray(*this, getDilations(), "dilations", spatial, 1)) ||
      failed(verifyWindowArray(*this, getPads(), "pads", 2 * spatial, 0)))
    return failure();
  int64_t groups = getGroups();
  int64_t channels = input.getShape().back();
  int64_t kernelChannels = kernel->getDimSize(spatial);
  int64_t outputs = kernel->getDimSize(spatial + 1);
  if (groups < 1)
    return emitOpError() << "groups must be >= 1, got " << groups;
  if (outputs % groups != 0)
    return emitOpError() << "output channels " << outputs
                         << " are not divisible by groups " << groups;
  if (!compatible(channels, kernelChannels * groups))
    return emitOpError() << "kernel expects " << kernelChannels * groups
                         << " input channels (" << kernelChannels << " x "
                         << groups << " groups) but the input has " << channels;
  if (failed(verifyBias(*this, getBias(), outputs)) ||
      failed(verifyKernelQuantizer(*this, getKernelQuantizerAttr(), *kernel)))
    return failure();

  SmallVector<int64_t> strides = getStrideValues();
  SmallVector<int64_t> dilations = getDilationValues();
  SmallVector<int64_t> pads = getPadValues();
  WindowShape expected = windowResultShape(
      input.getShape(), kernel->getShape().take_front(spatial), strides,
      dilations, pads, outputs);
  if (std::optional<int64_t> axis = expected.misfitAxis)
    return emitOpError() << "kernel of size " << kernel->getDimSize(*axis)
                         << " (dilation " << dilations[*axis]
                         << ") does not fit spatial dimension " << *axis
                         << " of size " << input.getDimSize(*axis + 1)
                         << " with its padding";
  int64_t positions = 1;
  for (int64_t size : ArrayRef<int64_t>(expected.shape).slice(1, spatial))
    positions = ShapedType::isDynamic(size) || ShapedType::isDynamic(positions)
                    ? ShapedType::kDynamic
                    : positions * size;
  if (failed(verifyResultShape(*this, getOutput().getType(), expected.shape)))
    return failure();
  int64_t parallelFactor = getParallelFactor();
  if (parallelFactor < 1 ||
      (!ShapedType::isDynamic(positions) && parallelFactor > positions))
    return emitOpError() << "parallel_factor " << parallelFactor
                         << " must lie between 1 and the number of output "
                            "positions ("
                         << positions << ")";
  return verifyActivationQuantizer(*this, getQuantizerAttr(),
                                   getOutput().getType());
}

std::vector<float> BatchNormOp::getChannelScales() {
  std::vector<float> gamma = floatsOf(getGamma());
  std::vector<float> variance = floatsOf(getVariance());
  float epsilon = float(getEpsilon().convertToDouble());
  std::vector<float> scale(gamma.size());
  for (size_t c = 0; c < gamma.size(); ++c)
    scale[c] = gamma[c] / std::sqrt(variance[c] + epsilon);
  return scale;
}

LogicalResult BatchNormOp::verify() {
  RankedTensorType input = getInput().getType();
  if (input.getRank() < 2)
    return emitOpError() << "expects an input of rank >= 2 (batch, ..., "
                            "channels), got rank "
                         << input.getRank();
  int64_t channels = input.getShape().back();
  for (auto [name, attr] :
       {std::pair<StringRef, ElementsAttr>{"gamma", getGamma()},
        {"beta", getBeta()},
        {"mean", getMean()},
        {"variance", getVariance()}}) {
    FailureOr<ShapedType> type = verifyConstant(*this, attr, name, 1);
    if (failed(type))
      return failure();
    if (!compatible(type->getDimSize(0), channels))
      return emitOpError() << "'" << name << "' has " << type->getDimSize(0)
                           << " elements but the input has " << channels
                           << " channels";
  }
  if (getEpsilon().convertToDouble() < 0)
    return emitOpError() << "epsilon must not be negative";
  for (float variance : getVariance().getValues<float>())
    if (!(variance >= 0))
      return emitOpError() << "variance must be non-negative, got " << variance;
  return success();
}

//===----------------------------------------------------------------------===//
// activation, unary_lut, add
//===----------------------------------------------------------------------===//

static std::string knownFunctionNames() {
  std::string names;
  for (const fixed::UnaryFunctionInfo &info : fixed::allUnaryFunctions()) {
    if (!names.empty())
      names += ", ";
    names += std::string(info.name);
  }
  return names;
}

LogicalResult ActivationOp::verify() {
  RankedTensorType type = getInput().getType();
  if (failed(verifyHasBatch(*this, type, "input")))
    return failure();
  const fixed::UnaryFunctionInfo *info = fixed::lookupUnaryFunction(getFn());
  if (!info)
    return emitOpError() << "unknown activation '" << getFn()
                         << "'; known: " << knownFunctionNames();
  for (auto [present, used, name] :
       {std::tuple<bool, bool, StringRef>{bool(getAlphaAttr()), info->usesAlpha,
                                          "alpha"},
        {bool(getBetaAttr()), info->usesBeta, "beta"},
        {bool(getGammaAttr()), info->usesGamma, "gamma"}})
    if (present && !used)
      return emitOpError() << "'" << name << "' is not a parameter of '"
                           << getFn() << "'";
  if (getAxisAttr()) {
    if (info->function != fixed::UnaryFunction::Softmax)
      return emitOpError() << "'axis' is only a parameter of 'softmax'";
    int64_t axis = getAxisAttr().getInt();
    int64_t rank = type.getRank();
    int64_t normalized = axis < 0 ? axis + rank : axis;
    if (normalized < 1 || normalized >= rank)
      return emitOpError() << "softmax axis " << axis
                           << " must name a non-batch dimension of a rank "
                           << rank << " tensor";
  }
  return verifyActivationQuantizer(*this, getQuantizerAttr(), type);
}

OpFoldResult ActivationOp::fold(FoldAdaptor) {
  if (getFn() == "linear" && !getQuantizerAttr())
    return getInput();
  return {};
}

/// Largest input width a lookup table may be indexed by (2^30 entries).
static constexpr int64_t kMaxLutInputWidth = 30;

LogicalResult UnaryLutOp::verify() {
  RankedTensorType type = getInput().getType();
  if (failed(verifyHasBatch(*this, type, "input")))
    return failure();
  FailureOr<ShapedType> table = verifyConstant(*this, getTable(), "table", 1);
  if (failed(table))
    return failure();
  FixedAttr format = getInputFormat();
  if (!format.isUniform())
    return emitOpError() << "input_format must be one format for every "
                            "element (a lookup table has one index width)";
  fixed::Format element = expandFormats(format, {})[0];
  int64_t width = element.width();
  if (width > kMaxLutInputWidth)
    return emitOpError() << "a lookup table over a " << width
                         << "-bit input would need 2^" << width
                         << " entries; at most " << kMaxLutInputWidth
                         << " input bits are supported";
  int64_t entries = int64_t(1) << width;
  if (table->getDimSize(0) != entries)
    return emitOpError() << "table has " << table->getDimSize(0)
                         << " entries but input_format " << element.str()
                         << " (W = " << width << " bits) needs 2^" << width
                         << " = " << entries;
  if (std::optional<StringRef> fn = getFn()) {
    const fixed::UnaryFunctionInfo *info = fixed::lookupUnaryFunction(*fn);
    if (!info || !info->elementwise)
      return emitOpError() << "'" << *fn
                           << "' is not a known elementwise function";
  }
  return success();
}

LogicalResult RescaleOp::verify() {
  RankedTensorType type = getInput().getType();
  if (failed(verifyHasBatch(*this, type, "input")))
    return failure();
  auto scaleType = dyn_cast<ShapedType>(getScale().getType());
  if (!scaleType || !scaleType.hasStaticShape() ||
      !scaleType.getElementType().isF32())
    return emitOpError() << "'scale' must be a static f32 tensor, got "
                         << getScale().getType();
  for (float value : getScale().getValues<float>())
    if (!(value > 0) || !std::isfinite(value))
      return emitOpError() << "scales must be positive and finite, got "
                           << value;
  return verifyBitsFit(*this, scaleType.getShape(), featureShape(type), "scale",
                       "input feature");
}

LogicalResult AddOp::verify() {
  RankedTensorType type = getOutput().getType();
  if (failed(verifyHasBatch(*this, type, "output")))
    return failure();
  return verifyActivationQuantizer(*this, getQuantizerAttr(), type);
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

template <typename PoolOp> static SmallVector<int64_t> poolStrides(PoolOp op) {
  if (op.getStrides())
    return SmallVector<int64_t>(*op.getStrides());
  return SmallVector<int64_t>(op.getWindow());
}

template <typename PoolOp> static LogicalResult verifyPool(PoolOp op) {
  RankedTensorType input = op.getInput().getType();
  if (failed(verifyChannelsLast(op, input)))
    return failure();
  int64_t spatial = op.getSpatialRank();
  std::optional<ArrayRef<int64_t>> window = op.getWindow();
  if (failed(verifyWindowArray(op, window, "window", spatial, 1)) ||
      failed(verifyWindowArray(op, op.getStrides(), "strides", spatial, 1)) ||
      failed(verifyWindowArray(op, op.getPads(), "pads", 2 * spatial, 0)))
    return failure();
  SmallVector<int64_t> strides = op.getStrideValues();
  SmallVector<int64_t> pads = op.getPadValues();
  for (int64_t axis = 0; axis < spatial; ++axis)
    if (pads[axis] >= (*window)[axis] ||
        pads[axis + spatial] >= (*window)[axis])
      return op.emitOpError()
             << "padding of spatial dimension " << axis
             << " must be smaller than the window (" << (*window)[axis] << ")";
  WindowShape expected = windowResultShape(input.getShape(), *window, strides,
                                           {}, pads, input.getShape().back());
  if (std::optional<int64_t> axis = expected.misfitAxis)
    return op.emitOpError()
           << "window of size " << (*window)[*axis]
           << " does not fit spatial dimension " << *axis << " of size "
           << input.getDimSize(*axis + 1) << " with its padding";
  return verifyResultShape(op, op.getOutput().getType(), expected.shape);
}

SmallVector<int64_t> MaxPoolOp::getStrideValues() { return poolStrides(*this); }
SmallVector<int64_t> MaxPoolOp::getPadValues() {
  return valuesOr(getPads(), 2 * getSpatialRank(), 0);
}
SmallVector<int64_t> AvgPoolOp::getStrideValues() { return poolStrides(*this); }
SmallVector<int64_t> AvgPoolOp::getPadValues() {
  return valuesOr(getPads(), 2 * getSpatialRank(), 0);
}

LogicalResult MaxPoolOp::verify() { return verifyPool(*this); }

LogicalResult AvgPoolOp::verify() {
  if (failed(verifyPool(*this)))
    return failure();
  RankedTensorType input = getInput().getType();
  int64_t spatial = getSpatialRank();
  ArrayRef<int64_t> window = getWindow();
  SmallVector<int64_t> strides = getStrideValues();
  SmallVector<int64_t> pads = getPadValues();
  RankedTensorType output = getOutput().getType();
  // The effective window size is a product over spatial dimensions, and a
  // product of integers is a power of two exactly when each factor is: check
  // each dimension's cell count on its own.
  for (int64_t axis = 0; axis < spatial; ++axis) {
    int64_t size = input.getDimSize(axis + 1);
    int64_t outputs = output.getDimSize(axis + 1);
    if (ShapedType::isDynamic(size) || ShapedType::isDynamic(outputs))
      return emitOpError() << "needs static spatial dimensions to check that "
                              "every window's size is a power of two";
    for (int64_t position = 0; position < outputs; ++position) {
      int64_t begin = position * strides[axis] - pads[axis];
      int64_t end = begin + window[axis];
      int64_t cells = std::min(end, size) - std::max<int64_t>(begin, 0);
      if (cells <= 0 || !llvm::isPowerOf2_64(uint64_t(cells)))
        return emitOpError()
               << "window at output position " << position
               << " of spatial dimension " << axis << " covers " << cells
               << " non-padded cells; bit-accurate average pooling needs "
                  "every window's size (including padded edges) to be a "
                  "power of two";
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError() << "needs at least one input";
  auto first = cast<RankedTensorType>(getInputs().front().getType());
  int64_t rank = first.getRank();
  int64_t requested = getAxisAttr().getInt();
  int64_t axis = requested < 0 ? requested + rank : requested;
  if (axis < 1 || axis >= rank)
    return emitOpError() << "axis " << requested
                         << " must name a non-batch dimension of a rank "
                         << rank << " tensor";
  SmallVector<int64_t> expected(first.getShape());
  expected[axis] = 0;
  for (auto [index, value] : llvm::enumerate(getInputs())) {
    auto type = cast<RankedTensorType>(value.getType());
    if (type.getRank() != rank)
      return emitOpError() << "input " << index << " has rank "
                           << type.getRank() << ", expected " << rank;
    for (int64_t dim = 0; dim < rank; ++dim) {
      if (dim == axis)
        continue;
      if (!compatible(type.getDimSize(dim), expected[dim]))
        return emitOpError()
               << "input " << index << " has size " << type.getDimSize(dim)
               << " in dimension " << dim << ", expected " << expected[dim];
    }
    int64_t size = type.getDimSize(axis);
    expected[axis] =
        ShapedType::isDynamic(size) || ShapedType::isDynamic(expected[axis])
            ? ShapedType::kDynamic
            : expected[axis] + size;
  }
  return verifyResultShape(*this, getOutput().getType(), expected);
}

/// Element count of the non-batch dimensions, or kDynamic.
static int64_t featureCount(RankedTensorType type) {
  int64_t count = 1;
  for (int64_t dim : featureShape(type)) {
    if (ShapedType::isDynamic(dim))
      return ShapedType::kDynamic;
    count *= dim;
  }
  return count;
}

static LogicalResult verifySameElements(Operation *op, RankedTensorType input,
                                        RankedTensorType output) {
  if (failed(verifyHasBatch(op, input, "input")) ||
      failed(verifyHasBatch(op, output, "result")))
    return failure();
  if (!compatible(input.getDimSize(0), output.getDimSize(0)))
    return op->emitOpError()
           << "must keep the batch dimension (" << input.getDimSize(0) << " vs "
           << output.getDimSize(0) << ")";
  int64_t in = featureCount(input), out = featureCount(output);
  if (!compatible(in, out))
    return op->emitOpError()
           << "input has " << in << " elements per sample ("
           << shapeString(input.getShape()) << ") but the result has " << out
           << " (" << shapeString(output.getShape()) << ")";
  return success();
}

LogicalResult ReshapeOp::verify() {
  return verifySameElements(*this, getInput().getType(), getOutput().getType());
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getOutput().getType())
    return getInput();
  if (auto previous = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(previous.getInput());
    return getResult();
  }
  return {};
}

LogicalResult FlattenOp::verify() {
  if (getOutput().getType().getRank() != 2)
    return emitOpError() << "result must have rank 2 (batch, features), got "
                         << getOutput().getType().getRank();
  return verifySameElements(*this, getInput().getType(), getOutput().getType());
}

OpFoldResult FlattenOp::fold(FoldAdaptor) {
  if (getInput().getType() == getOutput().getType())
    return getInput();
  return {};
}

LogicalResult TransposeOp::verify() {
  RankedTensorType input = getInput().getType();
  ArrayRef<int64_t> permutation = getPermutation();
  int64_t rank = input.getRank();
  if (int64_t(permutation.size()) != rank)
    return emitOpError() << "permutation has " << permutation.size()
                         << " entries for a rank " << rank << " input";
  SmallVector<bool> seen(rank, false);
  for (int64_t entry : permutation) {
    if (entry < 0 || entry >= rank || seen[entry])
      return emitOpError() << "permutation must list each dimension 0.."
                           << rank - 1 << " exactly once";
    seen[entry] = true;
  }
  if (permutation.front() != 0)
    return emitOpError() << "permutation must keep the batch dimension "
                            "first (entry 0 must be 0)";
  SmallVector<int64_t> expected;
  for (int64_t entry : permutation)
    expected.push_back(input.getDimSize(entry));
  return verifyResultShape(*this, getOutput().getType(), expected);
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  if (llvm::equal(getPermutation(),
                  llvm::seq<int64_t>(0, getPermutation().size())))
    return getInput();
  if (auto previous = getInput().getDefiningOp<TransposeOp>()) {
    // result[d] = previous.input[previous.perm[perm[d]]]
    SmallVector<int64_t> composed;
    for (int64_t entry : getPermutation())
      composed.push_back(previous.getPermutation()[entry]);
    getInputMutable().assign(previous.getInput());
    setPermutation(composed);
    if (llvm::equal(composed, llvm::seq<int64_t>(0, composed.size())) &&
        getInput().getType() == getOutput().getType())
      return getInput();
    return getResult();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// Result-type builders of the shape ops
//===----------------------------------------------------------------------===//

void ConcatOp::build(OpBuilder &builder, OperationState &state,
                     ValueRange inputs, int64_t axis) {
  // Malformed inputs (an axis out of range) keep the first input's type:
  // the verifier then names the problem.
  auto first = cast<RankedTensorType>(inputs.front().getType());
  SmallVector<int64_t> shape(first.getShape());
  int64_t size = 0;
  for (Value input : inputs) {
    auto type = cast<RankedTensorType>(input.getType());
    int64_t dim = axis >= 0 && axis < type.getRank() ? type.getDimSize(axis)
                                                     : ShapedType::kDynamic;
    size = ShapedType::isDynamic(size) || ShapedType::isDynamic(dim)
               ? ShapedType::kDynamic
               : size + dim;
  }
  if (axis >= 0 && axis < first.getRank())
    shape[axis] = size;
  build(builder, state, first.clone(shape), inputs,
        builder.getI64IntegerAttr(axis));
}

void FlattenOp::build(OpBuilder &builder, OperationState &state, Value input) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t features = 1;
  for (int64_t dim : type.getShape().drop_front())
    features = ShapedType::isDynamic(dim) || ShapedType::isDynamic(features)
                   ? ShapedType::kDynamic
                   : features * dim;
  build(builder, state, type.clone({type.getDimSize(0), features}), input);
}

void TransposeOp::build(OpBuilder &builder, OperationState &state, Value input,
                        ArrayRef<int64_t> permutation) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape;
  for (int64_t dim : permutation) // out of range: the verifier says so
    shape.push_back(dim >= 0 && dim < type.getRank() ? type.getDimSize(dim)
                                                     : ShapedType::kDynamic);
  build(builder, state, type.clone(shape), input,
        builder.getDenseI64ArrayAttr(permutation));
}
