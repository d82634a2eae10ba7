//===- OpsStandard.cpp - Handlers of the standard ONNX operators ----------===//
//
// One handler per op type. Handlers that depend on the opset version say so
// where they branch. Layers take their weights as constants; a MatMul or Conv
// followed by an Add of a constant takes it as its bias, and a ReLU after a
// quantized layer becomes the layer's fused activation (HGQ's order:
// quantize, then ReLU).
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "hgq/Fixed/UnaryFunctions.h"
#include "hgq/Support/Permute.h"

#include "mlir/IR/Verifier.h"

#include <cmath>
#include <limits>
#include <numeric>

using namespace mlir;

namespace hgq::onnx_import {
namespace {

/// The op a value was computed by, when nothing else reads it.
template <typename OpTy>
OpTy soleProducer(Importer &importer, const onnx::NodeProto &node,
                  const Activation &input) {
  auto op = input.value.getDefiningOp<OpTy>();
  if (!op || importer.isUsedElsewhere(node.input(0), node) ||
      !input.value.use_empty())
    return nullptr;
  return op;
}

//===----------------------------------------------------------------------===//
// Aliases and constants
//===----------------------------------------------------------------------===//

LogicalResult importIdentity(Importer &importer, const onnx::NodeProto &node) {
  // Dropout (inference) and Identity forward their input; a Dropout mask
  // output is not supported.
  if (node.output_size() > 1 && !node.output(1).empty() &&
      importer.isUsedElsewhere(node.output(1), node))
    return importer.nodeError(node) << "the mask output of Dropout is used; "
                                       "only inference Dropout is supported";
  if (node.op_type() == "Dropout" && importer.opset("") >= 12 &&
      importer.hasInput(node, 2)) {
    FailureOr<const ConstTensor *> training = importer.constant(node, 2);
    if (failed(training))
      return failure();
    if ((*training)->values.size() == 1 && (*training)->values[0] != 0)
      return importer.nodeError(node) << "training_mode is true; only "
                                         "inference Dropout is supported";
  }
  if (importer.isConstant(node.input(0))) {
    FailureOr<const ConstTensor *> value = importer.constant(node, 0);
    importer.setConstant(node.output(0), **value);
    return success();
  }
  FailureOr<Activation> input = importer.activation(node, 0);
  if (failed(input))
    return failure();
  importer.setActivation(node.output(0), *input);
  return success();
}

LogicalResult importConstant(Importer &importer, const onnx::NodeProto &node) {
  ConstTensor value;
  if (const onnx::AttributeProto *tensor = importer.attribute(node, "value")) {
    std::string error;
    if (!decodeTensor(tensor->t(), value, error))
      return importer.nodeError(node) << error;
  } else if (const auto *scalar = importer.attribute(node, "value_float")) {
    value.values = {scalar->f()};
  } else if (const auto *floats = importer.attribute(node, "value_floats")) {
    value.values.assign(floats->floats().begin(), floats->floats().end());
    value.shape = {int64_t(value.values.size())};
  } else if (const auto *integer = importer.attribute(node, "value_int")) {
    value.values = {double(integer->i())};
    value.type = onnx::TensorProto::INT64;
  } else if (const auto *ints = importer.attribute(node, "value_ints")) {
    value.values.assign(ints->ints().begin(), ints->ints().end());
    value.shape = {int64_t(value.values.size())};
    value.type = onnx::TensorProto::INT64;
  } else {
    return importer.nodeError(node)
           << "only value, value_float(s) and value_int(s) constants are "
              "supported";
  }
  importer.setConstant(node.output(0), std::move(value));
  return success();
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

/// The dialect name of each elementwise ONNX activation.
const std::map<std::string, std::string> &activationNames() {
  static const std::map<std::string, std::string> names = {
      {"Relu", "relu"},
      {"LeakyRelu", "leaky_relu"},
      {"Sigmoid", "sigmoid"},
      {"Tanh", "tanh"},
      {"HardSigmoid", "hard_sigmoid"},
      {"Elu", "elu"},
      {"Selu", "selu"},
      {"Softplus", "softplus"},
      {"Softsign", "softsign"},
      {"Exp", "exp"},
      {"Log", "log"},
      {"Abs", "abs"},
      {"Neg", "neg"},
      {"Sqrt", "sqrt"},
      {"Reciprocal", "reciprocal"},
      {"Sin", "sin"},
      {"Cos", "cos"},
      {"Tan", "tan"},
      {"Asin", "asin"},
      {"Acos", "acos"},
      {"Atan", "atan"},
      {"Sinh", "sinh"},
      {"Cosh", "cosh"},
      {"Asinh", "asinh"},
      {"Acosh", "acosh"},
      {"Atanh", "atanh"},
      {"Erf", "erf"},
      {"Sign", "sign"},
      {"Floor", "floor"},
      {"Ceil", "ceil"},
      {"Round", "round"},
      {"HardSwish", "hard_swish"},
  };
  return names;
}

LogicalResult importActivation(Importer &importer,
                               const onnx::NodeProto &node) {
  FailureOr<Activation> input = importer.activation(node, 0);
  if (failed(input))
    return failure();
  Location loc = importer.locationOf(node);
  const std::string &fn = activationNames().at(node.op_type());

  // ReLU after a quantized dense/conv is the layer's own activation.
  if (fn == "relu") {
    auto fuse = [&](auto layer) {
      if (!layer || !layer.getQuantizerAttr() ||
          layer.getActivation() != LayerActivation::linear)
        return false;
      layer.setActivation(LayerActivation::relu);
      layer->setLoc(FusedLoc::get(importer.context, {layer.getLoc(), loc}));
      importer.setElementwise(node.output(0), *input, input->value);
      return true;
    };
    if (fuse(soleProducer<DenseOp>(importer, node, *input)) ||
        fuse(soleProducer<ConvOp>(importer, node, *input)))
      return success();
  }

  const fixed::UnaryFunctionInfo *info = fixed::lookupUnaryFunction(fn);
  auto op = ActivationOp::create(importer.builder, loc, input->value, fn);
  auto setParameter = [&](const char *onnxName, float fallback,
                          void (ActivationOp::*set)(FloatAttr)) {
    float value = importer.floatAttr(node, onnxName, fallback);
    (op.*set)(importer.builder.getF32FloatAttr(value));
  };
  if (info->usesAlpha)
    setParameter("alpha", info->defaults.alpha, &ActivationOp::setAlphaAttr);
  if (info->usesBeta)
    setParameter("beta", info->defaults.beta, &ActivationOp::setBetaAttr);
  if (info->usesGamma)
    setParameter("gamma", info->defaults.gamma, &ActivationOp::setGammaAttr);
  importer.setElementwise(node.output(0), *input, op.getOutput());
  return success();
}

/// Clip with constant bounds (PyTorch's ReLU6, Hardtanh): `clip` with
/// alpha = min, beta = max; Clip(0, none) is a ReLU.
LogicalResult importClip(Importer &importer, const onnx::NodeProto &node) {
  FailureOr<Activation> input = importer.activation(node, 0);
  if (failed(input))
    return failure();
  float low = std::numeric_limits<float>::lowest();
  float high = std::numeric_limits<float>::max();
  bool hasLow = false, hasHigh = false;
  if (importer.opset("") >= 11) {
    for (int index : {1, 2}) {
      if (!importer.hasInput(node, index))
        continue;
      FailureOr<const ConstTensor *> bound = importer.constant(node, index);
      if (failed(bound))
        return failure();
      if ((*bound)->values.size() != 1)
        return importer.nodeError(node)
               << (index == 1 ? "min" : "max") << " must be a scalar";
      (index == 1 ? low : high) = float((*bound)->values[0]);
      (index == 1 ? hasLow : hasHigh) = true;
    }
  } else {
    hasLow = importer.attribute(node, "min") != nullptr;
    hasHigh = importer.attribute(node, "max") != nullptr;
    low = importer.floatAttr(node, "min", low);
    high = importer.floatAttr(node, "max", high);
  }
  Location loc = importer.locationOf(node);
  if (hasLow && low == 0.0f && !hasHigh) {
    auto op = ActivationOp::create(importer.builder, loc, input->value, "relu");
    importer.setElementwise(node.output(0), *input, op.getOutput());
    return success();
  }
  auto op = ActivationOp::create(importer.builder, loc, input->value, "clip");
  op.setAlphaAttr(importer.builder.getF32FloatAttr(low));
  op.setBetaAttr(importer.builder.getF32FloatAttr(high));
  importer.setElementwise(node.output(0), *input, op.getOutput());
  return success();
}

LogicalResult importSoftmax(Importer &importer, const onnx::NodeProto &node) {
  FailureOr<Activation> input = importer.activation(node, 0);
  if (failed(input))
    return failure();
  int64_t rank = input->rank();
  // Before opset 13 softmax flattened from `axis` (default 1) onwards; it is
  // the same as a single axis only when that axis is the last one.
  bool coerced = importer.opset("") < 13;
  int64_t axis = importer.intAttr(node, "axis", coerced ? 1 : -1);
  if (axis < 0)
    axis += rank;
  if (axis <= 0 || axis >= rank)
    return importer.nodeError(node)
           << "softmax axis " << axis
           << " must be a non-batch axis of the rank " << rank << " input";
  if (coerced && axis != rank - 1)
    return importer.nodeError(node)
           << "opset " << importer.opset("") << " softmax over axes " << axis
           << ".." << rank - 1
           << " (flattened) is not supported; only the last axis";
  // Over a flattened activation the row is the same set of values whatever
  // their order, so no data moves.
  int64_t physicalAxis = input->flatten ? 1 : input->physicalOf[axis];
  auto op = ActivationOp::create(
      importer.builder, importer.locationOf(node), input->value.getType(),
      input->value, importer.builder.getStringAttr("softmax"), nullptr, nullptr,
      nullptr, importer.builder.getI64IntegerAttr(physicalAxis), nullptr);
  importer.setElementwise(node.output(0), *input, op.getOutput());
  return success();
}

//===----------------------------------------------------------------------===//
// Layers with weights
//===----------------------------------------------------------------------===//

/// A dense layer from an activation and a (J, O) kernel in ONNX order. A
/// flattened input whose features are in physical order gets its kernel rows
/// (and kernel bit widths) in that order too: no data moves.
LogicalResult createDense(Importer &importer, const onnx::NodeProto &node,
                          Activation input, std::vector<double> kernel,
                          int64_t inputs, int64_t outputs,
                          const ConstTensor::Quantizer *quantizer,
                          bool kernelTransposed,
                          std::optional<std::vector<double>> bias) {
  Location loc = importer.locationOf(node);
  if (input.rank() > 2 && input.physicalOf != Importer::identity(input.rank()))
    input = importer.toLogical(input, loc);
  std::vector<int64_t> order;
  if (input.flatten)
    order = Importer::flattenedOrder(*input.flatten);
  if (!order.empty()) {
    std::vector<double> rows(kernel.size());
    for (int64_t p = 0; p < inputs; ++p)
      for (int64_t o = 0; o < outputs; ++o)
        rows[p * outputs + o] = kernel[order[p] * outputs + o];
    kernel = std::move(rows);
  }
  QuantizerAttr kernelQuantizer;
  if (quantizer) {
    std::vector<int64_t> onnxShape =
        kernelTransposed ? std::vector<int64_t>{outputs, inputs}
                         : std::vector<int64_t>{inputs, outputs};
    std::vector<int64_t> permutation = kernelTransposed
                                           ? std::vector<int64_t>{1, 0}
                                           : std::vector<int64_t>{0, 1};
    FailureOr<DenseIntElementsAttr> bits =
        importer.permutedConstantBits(node, *quantizer, onnxShape, permutation);
    if (failed(bits))
      return failure();
    if (!order.empty() && bits->getType().getDimSize(0) != 1) {
      SmallVector<int8_t> values(bits->getValues<int8_t>());
      std::vector<int64_t> reordered(values.size());
      int64_t columns = bits->getType().getDimSize(1);
      for (int64_t p = 0; p < inputs; ++p)
        for (int64_t o = 0; o < columns; ++o)
          reordered[p * columns + o] = values[order[p] * columns + o];
      *bits = importer.bitsElements(bits->getType().getShape(), reordered);
    }
    kernelQuantizer = QuantizerAttr::get(
        importer.context, *bits, quantizer->rnd, kDefaultBwClipMin,
        kDefaultBwClipMax, DenseIntElementsAttr(), DenseIntElementsAttr());
  }
  ArrayRef<int64_t> inputShape =
      cast<RankedTensorType>(input.value.getType()).getShape();
  std::vector<int64_t> inShape(inputShape.begin(), inputShape.end());
  if (!ShapedType::isDynamic(inShape.back()) && inShape.back() != inputs)
    return importer.nodeError(node)
           << "the kernel expects " << inputs
           << " input features but the input has " << inShape.back();
  ElementsAttr biasAttr;
  if (bias)
    biasAttr = importer.floatElements({outputs}, *bias);
  auto op = DenseOp::create(importer.builder, loc, input.value,
                            importer.floatElements({inputs, outputs}, kernel),
                            biasAttr, kernelQuantizer);
  importer.setActivation(node.output(0),
                         Activation{op.getOutput(),
                                    Importer::identity(int64_t(inShape.size())),
                                    {},
                                    nullptr});
  return success();
}

/// A bias of `outputs` values broadcast from `tensor` (scalar, (O), (1, O)).
std::optional<std::vector<double>> biasValues(const ConstTensor &tensor,
                                              int64_t outputs) {
  if (tensor.size() == 1)
    return std::vector<double>(outputs, tensor.values[0]);
  if (tensor.size() == outputs && !tensor.shape.empty() &&
      tensor.shape.back() == outputs)
    return tensor.values;
  return std::nullopt;
}

LogicalResult importGemm(Importer &importer, const onnx::NodeProto &node) {
  FailureOr<Activation> input = importer.activation(node, 0);
  FailureOr<const ConstTensor *> weights = importer.constant(node, 1);
  if (failed(input) || failed(weights))
    return failure();
  if (importer.intAttr(node, "transA", 0) != 0)
    return importer.nodeError(node) << "transA = 1 is not supported (the "
                                       "batch must stay the first dimension)";
  if (input->rank() != 2)
    return importer.nodeError(node)
           << "Gemm needs a 2-D input, got rank " << input->rank();
  const ConstTensor &b = **weights;
  if (b.shape.size() != 2)
    return importer.nodeError(node) << "input B must be 2-D";
  bool transB = importer.intAttr(node, "transB", 0) != 0;
  float alpha = importer.floatAttr(node, "alpha", 1.0f);
  float beta = importer.floatAttr(node, "beta", 1.0f);
  if (alpha != 1.0f && b.quantizer)
    return importer.nodeError(node) << "alpha != 1 would change an already "
                                       "quantized kernel";
  int64_t inputs = transB ? b.shape[1] : b.shape[0];
  int64_t outputs = transB ? b.shape[0] : b.shape[1];
  std::vector<double> kernel =
      transB ? permuteValues(b.values, b.shape, {1, 0}) : b.values;
  for (double &value : kernel)
    value = double(float(value) * alpha);
  std::optional<std::vector<double>> bias;
  if (importer.hasInput(node, 2)) {
    FailureOr<const ConstTensor *> c = importer.constant(node, 2);
    if (failed(c))
      return failure();
    bias = biasValues(**c, outputs);
    if (!bias)
      return importer.nodeError(node)
             << "input C must broadcast to (" << outputs << ") per output";
    for (double &value : *bias)
      value = double(float(value) * beta);
  }
  return createDense(importer, node, *input, std::move(kernel), inputs, outputs,
                     b.quantizer ? &*b.quantizer : nullptr, transB, bias);
}

LogicalResult importMatMul(Importer &importer, const onnx::NodeProto &node) {
  FailureOr<Activation> input = importer.activation(node, 0);
  FailureOr<const ConstTensor *> weights = importer.constant(node, 1);
  if (failed(input) || failed(weights))
    return failure();
  const ConstTensor &b = **weights;
  if (b.shape.size() != 2)
    return importer.nodeError(node) << "the second input must be a 2-D "
                                       "constant (in, out), got rank "
                                    << b.shape.size();
  if (input->rank() < 2)
    return importer.nodeError(node) << "the activation must have rank >= 2";
  return createDense(importer, node, *input, b.values, b.shape[0], b.shape[1],
                     b.quantizer ? &*b.quantizer : nullptr, false,
                     std::nullopt);
}

/// Explicit begin/end pads from ONNX `pads` or `auto_pad`.
LogicalResult windowPads(Importer &importer, const onnx::NodeProto &node,
                         ArrayRef<int64_t> input, ArrayRef<int64_t> window,
                         ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                         std::vector<int64_t> &pads) {
  size_t spatial = window.size();
  std::string autoPad = importer.stringAttr(node, "auto_pad", "NOTSET");
  pads = importer.intsAttr(node, "pads");
  if (autoPad == "NOTSET") {
    if (pads.empty())
      pads.assign(2 * spatial, 0);
    if (pads.size() != 2 * spatial)
      return importer.nodeError(node)
             << "pads needs " << 2 * spatial << " entries, got " << pads.size();
    return success();
  }
  pads.assign(2 * spatial, 0);
  if (autoPad == "VALID")
    return success();
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
    return importer.nodeError(node)
           << "auto_pad '" << autoPad << "' is not known";
  for (size_t d = 0; d < spatial; ++d) {
    if (ShapedType::isDynamic(input[d]))
      return importer.nodeError(node)
             << "auto_pad needs static spatial dimensions";
    int64_t total =
        samePaddingTotal(input[d], window[d], strides[d], dilations[d]);
    int64_t small = total / 2, large = total - small;
    pads[d] = autoPad == "SAME_UPPER" ? small : large;
    pads[d + spatial] = autoPad == "SAME_UPPER" ? large : small;
  }
  return success();
}

LogicalResult importConv(Importer &importer, const onnx::NodeProto &node) {
  FailureOr<Activation> input = importer.activation(node, 0);
  FailureOr<const ConstTensor *> weights = importer.constant(node, 1);
  if (failed(input) || failed(weights))
    return failure();
  int64_t rank = input->rank();
  if (rank != 3 && rank != 4)
    return importer.nodeError(node) << "only 1-D and 2-D convolutions are "
                                       "supported (input rank "
                                    << rank << ")";
  const ConstTensor &w = **weights;
  if (int64_t(w.shape.size()) != rank)
    return importer.nodeError(node) << "the kernel must have rank " << rank;
  int64_t spatial = rank - 2;
  int64_t groups = importer.intAttr(node, "group", 1);
  int64_t outputs = w.shape[0];
  std::vector<int64_t> window(w.shape.begin() + 2, w.shape.end());
  std::vector<int64_t> strides = importer.intsAttr(node, "strides");
  std::vector<int64_t> dilations = importer.intsAttr(node, "dilations");
  if (strides.empty())
    strides.assign(spatial, 1);
  if (dilations.empty())
    dilations.assign(spatial, 1);
  std::vector<int64_t> kernelShape = importer.intsAttr(node, "kernel_shape");
  if (!kernelShape.empty() && kernelShape != window)
    return importer.nodeError(node) << "kernel_shape disagrees with the "
                                       "weights";
  Location loc = importer.locationOf(node);
  Activation x = importer.relayout(*input, Importer::channelsLast(rank), loc);
  std::vector<int64_t> logical = importer.logicalShape(x);
  std::vector<int64_t> pads;
  if (failed(windowPads(importer, node,
                        ArrayRef<int64_t>(logical).drop_front(2), window,
                        strides, dilations, pads)))
    return failure();
  // A Pad node before: its zeros are the convolution's own padding. The
  // spatial sizes are the padded ones (the Pad's output), so auto_pad would
  // have been computed on them.
  if (!input->pendingPads.empty()) {
    if (importer.stringAttr(node, "auto_pad", "NOTSET") != "NOTSET")
      return importer.nodeError(node)
             << "auto_pad after a Pad node is not supported; write the pads";
    for (size_t d = 0; d < pads.size(); ++d)
      pads[d] += input->pendingPads[d];
  }

  // (O, C/g, K...) -> (K..., C/g, O)
  std::vector<int64_t> permutation;
  for (int64_t d = 0; d < spatial; ++d)
    permutation.push_back(d + 2);
  permutation.push_back(1);
  permutation.push_back(0);
  std::vector<int64_t> kernelShapeOut;
  for (int64_t d : permutation)
    kernelShapeOut.push_back(w.shape[d]);
  std::vector<double> kernel = permuteValues(w.values, w.shape, permutation);
  QuantizerAttr kernelQuantizer;
  if (w.quantizer) {
    FailureOr<DenseIntElementsAttr> bits =
        importer.permutedConstantBits(node, *w.quantizer, w.shape, permutation);
    if (failed(bits))
      return failure();
    kernelQuantizer = QuantizerAttr::get(
        importer.context, *bits, w.quantizer->rnd, kDefaultBwClipMin,
        kDefaultBwClipMax, DenseIntElementsAttr(), DenseIntElementsAttr());
  }
  ElementsAttr bias;
  if (importer.hasInput(node, 2)) {
    FailureOr<const ConstTensor *> b = importer.constant(node, 2);
    if (failed(b))
      return failure();
    std::optional<std::vector<double>> values = biasValues(**b, outputs);
    if (!values)
      return importer.nodeError(node)
             << "the bias must have " << outputs << " values";
    bias = importer.floatElements({outputs}, *values);
  }
  std::string name = node.name();
  int64_t parallelFactor = 1;
  auto factor = importer.parallelFactors.find(name);
  if (factor != importer.parallelFactors.end())
    parallelFactor = factor->second;
  auto op = ConvOp::create(importer.builder, loc, x.value,
                           importer.floatElements(kernelShapeOut, kernel), bias,
                           strides, dilations, pads, groups, parallelFactor,
                           kernelQuantizer);
  importer.setActivation(
      node.output(0),
      Activation{op.getOutput(), Importer::channelsLast(rank), {}, nullptr});
  return success();
}

LogicalResult importBatchNorm(Importer &importer, const onnx::NodeProto &node) {
  FailureOr<Activation> input = importer.activation(node, 0);
  if (failed(input))
    return failure();
  if (importer.intAttr(node, "training_mode", 0) != 0)
    return importer.nodeError(node) << "training_mode = 1 is not supported";
  for (int index = 1; index < node.output_size(); ++index)
    if (!node.output(index).empty() &&
        importer.isUsedElsewhere(node.output(index), node))
      return importer.nodeError(node) << "running statistics outputs are not "
                                         "supported (inference only)";
  std::vector<ElementsAttr> parameters;
  int64_t channels = -1;
  for (int index = 1; index <= 4; ++index) {
    FailureOr<const ConstTensor *> value = importer.constant(node, index);
    if (failed(value))
      return failure();
    if (channels < 0)
      channels = (*value)->size();
    if ((*value)->size() != channels)
      return importer.nodeError(node) << "scale, B, mean and var must have "
                                         "the same length";
    parameters.push_back(importer.floatElements({channels}, (*value)->values));
  }
  Location loc = importer.locationOf(node);
  Activation x = *input;
  if (x.rank() >= 3)
    x = importer.relayout(x, Importer::channelsLast(x.rank()), loc);
  else if (x.flatten)
    x = importer.toLogical(x, loc);
  if (x.rank() < 2)
    return importer.nodeError(node) << "the input needs a channel dimension";
  float epsilon = importer.floatAttr(node, "epsilon", 1e-5f);
  auto op = BatchNormOp::create(importer.builder, loc, x.value.getType(),
                                x.value, parameters[0], parameters[1],
                                parameters[2], parameters[3],
                                importer.builder.getF64FloatAttr(epsilon));
  importer.setActivation(node.output(0),
                         Activation{op.getOutput(), x.physicalOf, {}, nullptr});
  return success();
}

//===----------------------------------------------------------------------===//
// Mul, Div by a constant
//===----------------------------------------------------------------------===//

/// A gated activation x * g(x): x * Sigmoid(x) (PyTorch's SiLU) is the
/// `silu` activation, x * HardSigmoid(x) with ONNX HardSwish's alpha = 1/6
/// and beta = 0.5 (HardSwish as older exporters expand it) is `hard_swish`.
/// The gate op goes when nothing else reads it.
static StringRef gatedFunction(ActivationOp gate) {
  if (gate.getFn() == "sigmoid")
    return "silu";
  if (gate.getFn() == "hard_sigmoid" && gate.getAlpha() &&
      gate.getAlpha()->convertToFloat() == 1.0f / 6.0f && gate.getBeta() &&
      gate.getBeta()->convertToFloat() == 0.5f)
    return "hard_swish";
  return {};
}

static std::optional<LogicalResult> importGated(Importer &importer,
                                                const onnx::NodeProto &node) {
  if (node.op_type() != "Mul" || importer.isConstant(node.input(0)) ||
      importer.isConstant(node.input(1)))
    return std::nullopt;
  for (int gate : {0, 1}) {
    FailureOr<Activation> x = importer.activation(node, 1 - gate);
    FailureOr<Activation> s = importer.activation(node, gate);
    if (failed(x) || failed(s))
      return failure();
    auto gateOp = s->value.getDefiningOp<ActivationOp>();
    if (!gateOp || gateOp.getInput() != x->value || gateOp.getQuantizerAttr() ||
        gatedFunction(gateOp).empty())
      continue;
    auto op = ActivationOp::create(importer.builder, importer.locationOf(node),
                                   x->value, gatedFunction(gateOp));
    if (gateOp.getOutput().use_empty() &&
        !importer.isUsedElsewhere(node.input(gate), node))
      gateOp.erase();
    importer.setElementwise(node.output(0), *x, op.getOutput());
    return success();
  }
  return std::nullopt;
}

/// `x * c` or `x / c` with a positive constant c: hgq.rescale, a float32
/// scaling (the form --emit-onnx writes an hgq.rescale in).
LogicalResult importScale(Importer &importer, const onnx::NodeProto &node) {
  if (std::optional<LogicalResult> gated = importGated(importer, node))
    return *gated;
  bool divide = node.op_type() == "Div";
  int constantIndex = importer.isConstant(node.input(1)) ? 1 : 0;
  if (importer.isConstant(node.input(0)) == (constantIndex == 1) ||
      (divide && constantIndex == 0))
    return importer.nodeError(node)
           << (divide ? "Div needs an activation divided by a constant"
                      : "Mul needs one activation and one constant");
  FailureOr<Activation> input = importer.activation(node, 1 - constantIndex);
  FailureOr<const ConstTensor *> constant =
      importer.constant(node, constantIndex);
  if (failed(input) || failed(constant))
    return failure();
  const ConstTensor &c = **constant;
  for (double value : c.values)
    if (!(value > 0) || !std::isfinite(value))
      return importer.nodeError(node)
             << "the constant must be positive and finite (it becomes an "
                "hgq.rescale scale), got "
             << value;
  // Broadcast against the input without its batch dimension.
  std::vector<int64_t> shape = c.shape;
  if (int64_t(shape.size()) == input->rank()) {
    if (shape.front() != 1)
      return importer.nodeError(node)
             << "the constant scales across the batch (its first dim is "
             << shape.front() << ")";
    shape.erase(shape.begin());
  }
  if (int64_t(shape.size()) > input->rank())
    return importer.nodeError(node)
           << "the constant has rank " << shape.size()
           << ", more than the input's " << input->rank();
  bool identityLayout = !input->flatten.has_value();
  for (int64_t d = 0; d < input->rank(); ++d)
    identityLayout &= input->physicalOf[d] == d;
  if (!identityLayout && c.size() != 1)
    return importer.nodeError(node)
           << "a per-element scale on a channels-first tensor is not "
              "supported (a scalar one is)";
  if (c.size() == 1)
    shape.clear();
  Location loc = importer.locationOf(node);
  auto op = RescaleOp::create(
      importer.builder, loc, input->value.getType(), input->value,
      importer.floatElements(
          shape, c.size() == 1 ? std::vector<double>{c.values[0]} : c.values),
      divide ? importer.builder.getUnitAttr() : nullptr);
  if (failed(mlir::verify(op)))
    return failure();
  importer.setElementwise(node.output(0), *input, op.getOutput());
  return success();
}

//===----------------------------------------------------------------------===//
// Add
//===----------------------------------------------------------------------===//

/// "2, 3, 4" for a shape.
static std::string shapeText(const std::vector<int64_t> &shape) {
  std::string text;
  for (int64_t dim : shape)
    text += (text.empty() ? "" : ", ") + std::to_string(dim);
  return text;
}

/// The channel count of an activation of logical rank 2 (features), 3 or 4
/// (dimension 1 of a 1-D or 2-D image), and whether the constant `c` has
/// one value for all or one per channel, broadcast the ONNX way.
static std::optional<int64_t>
channelsFor(Importer &importer, const Activation &input, const ConstTensor &c) {
  std::vector<int64_t> logical = importer.logicalShape(input);
  int64_t rank = int64_t(logical.size());
  if (rank < 2 || rank > 4 || ShapedType::isDynamic(logical[1]))
    return std::nullopt;
  int64_t channels = logical[1];
  if (c.size() == 1)
    return channels;
  size_t fromEnd = size_t(rank - 1); // the channel's position from the end
  if (c.size() != channels || c.shape.size() < fromEnd ||
      c.shape[c.shape.size() - fromEnd] != channels)
    return std::nullopt;
  return channels;
}

/// `scale[ch] * x + bias[ch]` per channel (one-element vectors apply to all)
/// as a layer of the dialect, so that it is quantization-aware like any
/// layer: a dense layer with a diagonal kernel on (batch, features), a
/// depthwise 1x1 convolution on (batch, C, ...). In float32 each output is
/// x * scale + 0s + bias: the one or two roundings of ONNX's Mul and Add.
static Activation channelAffine(Importer &importer, Location loc,
                                const Activation &input, int64_t channels,
                                ArrayRef<double> scale, ArrayRef<double> bias) {
  auto at = [&](ArrayRef<double> values, int64_t ch) {
    return values[values.size() == 1 ? 0 : ch];
  };
  std::vector<double> biasValues(channels);
  for (int64_t ch = 0; ch < channels; ++ch)
    biasValues[ch] = at(bias, ch);
  int64_t rank = input.rank();
  if (rank == 2) {
    Activation x = importer.toLogical(input, loc);
    std::vector<double> kernel(channels * channels, 0.0);
    for (int64_t j = 0; j < channels; ++j)
      kernel[j * channels + j] = at(scale, j);
    auto op =
        DenseOp::create(importer.builder, loc, x.value,
                        importer.floatElements({channels, channels}, kernel),
                        importer.floatElements({channels}, biasValues));
    return Activation{op.getOutput(), x.physicalOf, {}, {}};
  }
  Activation x = importer.relayout(input, Importer::channelsLast(rank), loc);
  int64_t spatial = rank - 2;
  std::vector<int64_t> kernelShape(spatial, 1);
  kernelShape.push_back(1);
  kernelShape.push_back(channels);
  std::vector<double> kernel(channels);
  for (int64_t ch = 0; ch < channels; ++ch)
    kernel[ch] = at(scale, ch);
  auto op = ConvOp::create(importer.builder, loc, x.value,
                           importer.floatElements(kernelShape, kernel),
                           importer.floatElements({channels}, biasValues),
                           std::vector<int64_t>(spatial, 1),
                           std::vector<int64_t>(spatial, 1),
                           std::vector<int64_t>(2 * spatial, 0), channels);
  return Activation{op.getOutput(), Importer::channelsLast(rank), {}, nullptr};
}

/// -x as a layer (channelAffine with scale -1), so that the negation is
/// quantization-aware and every back end computes it like any layer; an
/// activation of another rank, or without a static channel count, gets the
/// `neg` activation (exact too, but only the executor computes it).
static Activation negate(Importer &importer, Location loc,
                         const Activation &input) {
  std::vector<int64_t> logical = importer.logicalShape(input);
  int64_t rank = int64_t(logical.size());
  if (rank >= 2 && rank <= 4 && !ShapedType::isDynamic(logical[1]))
    return channelAffine(importer, loc, input, logical[1], {-1.0}, {0.0});
  Activation result = input;
  result.value =
      ActivationOp::create(importer.builder, loc, input.value, "neg");
  result.uniformFormat = nullptr;
  return result;
}

/// `x + c`, `x - c` or `c - x` (`negated`) for an activation `x` and a
/// constant `c` that is not the bias of the layer computing `x` (input
/// preprocessing): channelAffine with scale +-1 and bias +-c.
static LogicalResult offsetLayer(Importer &importer,
                                 const onnx::NodeProto &node,
                                 const Activation &input, const ConstTensor &c,
                                 bool negated) {
  std::optional<int64_t> channels = channelsFor(importer, input, c);
  if (!channels)
    return importer.nodeError(node)
           << "an " << node.op_type()
           << " of an activation and a constant is supported as a layer bias "
              "or with one constant per feature (rank 2) or per channel "
              "(dimension 1 of a 1-D or 2-D image), or one for all; the "
              "constant has shape ("
           << shapeText(c.shape) << ")";
  double biasSign = node.op_type() == "Sub" && !negated ? -1.0 : 1.0;
  std::vector<double> bias;
  for (double value : c.values)
    bias.push_back(biasSign * value);
  importer.setActivation(
      node.output(0), channelAffine(importer, importer.locationOf(node), input,
                                    *channels, {negated ? -1.0 : 1.0}, bias));
  return success();
}

LogicalResult importAdd(Importer &importer, const onnx::NodeProto &node) {
  bool lhsConstant = importer.isConstant(node.input(0));
  bool rhsConstant = importer.isConstant(node.input(1));
  if (lhsConstant && rhsConstant)
    return importer.nodeError(node) << "an Add of two constants is not "
                                       "supported";
  if (lhsConstant || rhsConstant) {
    // MatMul/Conv + constant: the layer's bias.
    int activationIndex = lhsConstant ? 1 : 0;
    onnx::NodeProto reordered = node;
    if (activationIndex == 1) {
      reordered.set_input(0, node.input(1));
      reordered.set_input(1, node.input(0));
    }
    FailureOr<Activation> input = importer.activation(reordered, 0);
    FailureOr<const ConstTensor *> constant = importer.constant(reordered, 1);
    if (failed(input) || failed(constant))
      return failure();
    Operation *producer = input->value.getDefiningOp();
    bool single = input->value.use_empty() &&
                  !importer.isUsedElsewhere(reordered.input(0), node);
    auto fold = [&](auto layer) -> LogicalResult {
      int64_t outputs =
          cast<ShapedType>(layer.getKernel().getType()).getShape().back();
      std::vector<double> values;
      ConstTensor c = **constant;
      if (node.op_type() == "Sub") {
        if (activationIndex == 1)
          return importer.nodeError(node)
                 << "a constant minus the output of a layer cannot be its "
                    "bias";
        for (double &value : c.values)
          value = -value;
      }
      if (c.size() == 1) {
        values.assign(outputs, c.values[0]);
      } else if (c.size() == outputs) {
        // The channel is the last logical dim (dense) or dim 1 (conv).
        bool perChannel = false;
        if (auto conv = dyn_cast<ConvOp>(layer.getOperation()))
          perChannel =
              c.shape.size() >= 2 &&
              c.shape[c.shape.size() - conv.getSpatialRank() - 1] == outputs;
        else
          perChannel = !c.shape.empty() && c.shape.back() == outputs;
        if (!perChannel)
          return importer.nodeError(node)
                 << "the constant does not broadcast per output channel";
        values = c.values;
      } else {
        return importer.nodeError(node)
               << "an Add of an activation and a constant is supported only "
                  "as a layer bias (one value per output channel)";
      }
      if (ElementsAttr existing = layer.getBiasAttr()) {
        size_t index = 0;
        for (float value : existing.template getValues<float>())
          values[index] = double(float(values[index]) + value), ++index;
      }
      layer.setBiasAttr(importer.floatElements({outputs}, values));
      layer->setLoc(FusedLoc::get(importer.context,
                                  {layer.getLoc(), importer.locationOf(node)}));
      importer.setActivation(node.output(0), *input);
      return success();
    };
    if (single && producer) {
      if (auto dense = dyn_cast<DenseOp>(producer);
          dense && !dense.getQuantizerAttr() &&
          dense.getActivation() == LayerActivation::linear)
        return fold(dense);
      if (auto conv = dyn_cast<ConvOp>(producer);
          conv && !conv.getQuantizerAttr() &&
          conv.getActivation() == LayerActivation::linear)
        return fold(conv);
    }
    return offsetLayer(importer, node, *input, **constant,
                       node.op_type() == "Sub" && activationIndex == 1);
  }
  FailureOr<Activation> lhs = importer.activation(node, 0);
  FailureOr<Activation> rhs = importer.activation(node, 1);
  if (failed(lhs) || failed(rhs))
    return failure();
  Location loc = importer.locationOf(node);
  Activation left = *lhs, right = *rhs;
  // a - b is a + (-b): negation is exact in float32 and in fixed point, and
  // so is the sum's one rounding.
  if (node.op_type() == "Sub")
    right = negate(importer, loc, right);
  if (left.flatten || right.flatten) {
    bool same = left.flatten && right.flatten &&
                left.flatten->physicalShape == right.flatten->physicalShape &&
                left.flatten->physicalOf == right.flatten->physicalOf;
    if (!same) {
      left = importer.toLogical(left, loc);
      right = importer.toLogical(right, loc);
    }
  } else {
    right = importer.relayout(right, left.physicalOf, loc);
  }
  if (left.value.getType() != right.value.getType())
    return importer.nodeError(node)
           << "broadcasting " << node.op_type()
           << " is not supported: the operands have shapes "
           << left.value.getType() << " and " << right.value.getType();
  auto op = AddOp::create(importer.builder, loc, left.value.getType(),
                          left.value, right.value, nullptr);
  importer.setElementwise(node.output(0), left, op.getOutput());
  return success();
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

LogicalResult importPool(Importer &importer, const onnx::NodeProto &node) {
  bool average =
      node.op_type() == "AveragePool" || node.op_type() == "GlobalAveragePool";
  bool global = node.op_type() == "GlobalAveragePool" ||
                node.op_type() == "GlobalMaxPool";
  FailureOr<Activation> input = importer.activation(node, 0);
  if (failed(input))
    return failure();
  int64_t rank = input->rank();
  if (rank != 3 && rank != 4)
    return importer.nodeError(node) << "only 1-D and 2-D pooling is "
                                       "supported (input rank "
                                    << rank << ")";
  if (node.output_size() > 1 && !node.output(1).empty() &&
      importer.isUsedElsewhere(node.output(1), node))
    return importer.nodeError(node) << "the Indices output is not supported";
  if (!input->pendingPads.empty())
    return importer.nodeError(node)
           << "a Pad node's zeros before " << node.op_type()
           << (average ? " would count in the averages (count_include_pad), "
                         "which the dialect's average pooling does not do"
                       : " would take part in the maximum, unlike the "
                         "pooling's own padding")
           << "; only all-zero pads fold into a pooling";
  Location loc = importer.locationOf(node);
  Activation x = importer.relayout(*input, Importer::channelsLast(rank), loc);
  std::vector<int64_t> logical = importer.logicalShape(x);
  int64_t spatial = rank - 2;
  std::vector<int64_t> window, strides, pads;
  if (global) {
    window.assign(logical.begin() + 2, logical.end());
    if (llvm::any_of(window, ShapedType::isDynamic))
      return importer.nodeError(node)
             << node.op_type() << " needs static spatial dimensions";
    strides = window;
    pads.assign(2 * spatial, 0);
  } else {
    window = importer.intsAttr(node, "kernel_shape");
    if (int64_t(window.size()) != spatial)
      return importer.nodeError(node)
             << "kernel_shape needs " << spatial << " entries";
    strides = importer.intsAttr(node, "strides");
    if (strides.empty())
      strides.assign(spatial, 1);
    std::vector<int64_t> dilations = importer.intsAttr(node, "dilations");
    if (llvm::any_of(dilations, [](int64_t d) { return d != 1; }))
      return importer.nodeError(node) << "dilated pooling is not supported";
    if (importer.intAttr(node, "ceil_mode", 0) != 0)
      return importer.nodeError(node) << "ceil_mode = 1 is not supported";
    if (average && importer.intAttr(node, "count_include_pad", 0) != 0)
      return importer.nodeError(node)
             << "count_include_pad = 1 is not supported: averages count the "
                "non-padded cells (count_include_pad = 0)";
    if (failed(windowPads(importer, node,
                          ArrayRef<int64_t>(logical).drop_front(2), window,
                          strides, std::vector<int64_t>(spatial, 1), pads)))
      return failure();
  }
  Value result;
  if (average)
    result = AvgPoolOp::create(importer.builder, loc, x.value, window, strides,
                               pads);
  else
    result = MaxPoolOp::create(importer.builder, loc, x.value, window, strides,
                               pads);
  importer.setActivation(
      node.output(0),
      Activation{result, Importer::channelsLast(rank), {}, nullptr});
  return success();
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

/// A flatten to (batch, features), keeping the physical order of a
/// channels-last activation (its consumers adapt their weights).
LogicalResult flattenTo2D(Importer &importer, const onnx::NodeProto &node,
                          const Activation &input) {
  Location loc = importer.locationOf(node);
  ArrayRef<int64_t> physicalShape =
      cast<RankedTensorType>(input.value.getType()).getShape();
  std::vector<int64_t> physical(physicalShape.begin(), physicalShape.end());
  if (input.rank() == 2 && !input.flatten) {
    importer.setActivation(node.output(0), input);
    return success();
  }
  if (input.flatten) {
    importer.setActivation(node.output(0), input);
    return success();
  }
  Value flat = FlattenOp::create(importer.builder, loc, input.value);
  Activation result{flat, Importer::identity(2), {}, nullptr};
  if (input.physicalOf != Importer::identity(input.rank()))
    result.flatten =
        FlattenInfo{std::vector<int64_t>(physical.begin() + 1, physical.end()),
                    input.physicalOf};
  importer.setActivation(node.output(0), result);
  return success();
}

LogicalResult importFlatten(Importer &importer, const onnx::NodeProto &node) {
  FailureOr<Activation> input = importer.activation(node, 0);
  if (failed(input))
    return failure();
  int64_t axis = importer.intAttr(node, "axis", 1);
  if (axis < 0)
    axis += input->rank();
  // keras2onnx's Flatten(axis = 0) on a graph whose batch is fixed to 1:
  // (1, everything), which is the usual flatten of that one sample.
  if (axis == 0 && importer.fixedBatchOfOne)
    axis = 1;
  if (axis != 1)
    return importer.nodeError(node) << "Flatten with axis " << axis
                                    << " is not supported; the batch "
                                       "dimension must stay alone (axis 1)";
  if (llvm::any_of(
          ArrayRef<int64_t>(importer.logicalShape(*input)).drop_front(),
          ShapedType::isDynamic))
    return importer.nodeError(node) << "Flatten needs static non-batch "
                                       "dimensions";
  return flattenTo2D(importer, node, *input);
}

/// A reshape of the ONNX (logical) order to `shape` (dimension 0 the batch).
static LogicalResult reshapeOnnxOrder(Importer &importer,
                                      const onnx::NodeProto &node,
                                      const Activation &input,
                                      const std::vector<int64_t> &shape) {
  Location loc = importer.locationOf(node);
  Activation x = importer.toLogical(input, loc);
  Value reshaped = ReshapeOp::create(importer.builder, loc,
                                     importer.tensorType(shape), x.value);
  importer.setActivation(
      node.output(0),
      Activation{
          reshaped, Importer::identity(int64_t(shape.size())), {}, nullptr});
  return success();
}

LogicalResult importReshape(Importer &importer, const onnx::NodeProto &node) {
  FailureOr<Activation> input = importer.activation(node, 0);
  FailureOr<const ConstTensor *> shapeInput = importer.constant(node, 1);
  if (failed(input) || failed(shapeInput))
    return failure();
  std::vector<int64_t> logical = importer.logicalShape(*input);
  if (llvm::any_of(ArrayRef<int64_t>(logical).drop_front(),
                   ShapedType::isDynamic))
    return importer.nodeError(node) << "Reshape needs static non-batch "
                                       "dimensions";
  bool allowZero =
      importer.opset("") >= 14 && importer.intAttr(node, "allowzero", 0) != 0;
  std::vector<int64_t> target;
  for (double value : (*shapeInput)->values)
    target.push_back(int64_t(value));
  // A shape computed from the input's (Shape -> Gather -> Concat...) may
  // hold the batch size in its first entry, which is the batch anyway.
  const std::vector<bool> &batch = (*shapeInput)->batch;
  for (size_t d = 1; d < batch.size(); ++d)
    if (batch[d])
      return importer.nodeError(node)
             << "shape entry " << d
             << " is the batch size, which the IR keeps symbolic; only entry "
                "0 may be";
  if (target.empty())
    return importer.nodeError(node) << "cannot reshape to a scalar";
  int64_t features =
      ShapedType::getNumElements(ArrayRef<int64_t>(logical).drop_front());
  // Dimension 0 is the batch, whatever number the exporter wrote there.
  std::vector<int64_t> shape{ShapedType::kDynamic};
  int64_t known = 1, inferred = -1;
  for (size_t d = 1; d < target.size(); ++d) {
    int64_t dim = target[d];
    if (dim == 0 && !allowZero) {
      if (d >= logical.size())
        return importer.nodeError(node) << "shape entry " << d
                                        << " copies a dimension that does "
                                           "not exist";
      dim = logical[d];
    }
    if (dim == -1) {
      if (inferred >= 0)
        return importer.nodeError(node) << "more than one -1 in the shape";
      inferred = int64_t(d);
    } else if (dim <= 0) {
      return importer.nodeError(node) << "shape entry " << d << " is " << dim;
    } else {
      known *= dim;
    }
    shape.push_back(dim);
  }
  if (inferred >= 0) {
    if (known == 0 || features % known != 0)
      return importer.nodeError(node) << "cannot infer the -1 dimension";
    shape[inferred] = features / known;
  }
  if (ShapedType::getNumElements(ArrayRef<int64_t>(shape).drop_front()) !=
      features)
    return importer.nodeError(node)
           << "the target shape does not hold the " << features
           << " elements per sample (dimension 0 is the batch and stays the "
              "batch)";
  // A channels-last input flattens without moving data (its consumers adapt
  // their weights); any other reshape is a reshape of the ONNX order.
  if (shape.size() == 2 &&
      (input->flatten ||
       input->physicalOf != Importer::identity(input->rank())))
    return flattenTo2D(importer, node, *input);
  return reshapeOnnxOrder(importer, node, *input, shape);
}

/// Pad with constant zeros: nothing moves yet; the zeros become the pads
/// of the Conv that reads the result (Importer::activation refuses any
/// other reader). All-zero pads (PyTorch 1.x before AvgPool2d) vanish.
LogicalResult importPad(Importer &importer, const onnx::NodeProto &node) {
  FailureOr<Activation> input = importer.activation(node, 0);
  if (failed(input))
    return failure();
  std::string mode = importer.stringAttr(node, "mode", "constant");
  if (mode != "constant")
    return importer.nodeError(node)
           << "mode '" << mode
           << "' is not supported: only zero padding, which folds into a "
              "convolution";
  std::vector<int64_t> pads;
  double value = 0;
  if (importer.opset("") >= 11) {
    FailureOr<const ConstTensor *> padsInput = importer.constant(node, 1);
    if (failed(padsInput))
      return failure();
    for (double pad : (*padsInput)->values)
      pads.push_back(int64_t(pad));
    if (importer.hasInput(node, 2)) {
      FailureOr<const ConstTensor *> fill = importer.constant(node, 2);
      if (failed(fill))
        return failure();
      if (!(*fill)->values.empty())
        value = (*fill)->values[0];
    }
    if (importer.hasInput(node, 3))
      return importer.nodeError(node) << "the axes input is not supported";
  } else {
    pads = importer.intsAttr(node, "pads");
    value = importer.floatAttr(node, "value", 0.0f);
  }
  int64_t rank = input->rank();
  if (int64_t(pads.size()) != 2 * rank)
    return importer.nodeError(node)
           << "pads needs " << 2 * rank << " entries, got " << pads.size();
  if (llvm::all_of(pads, [](int64_t pad) { return pad == 0; })) {
    importer.setActivation(node.output(0), *input);
    return success();
  }
  if (llvm::any_of(pads, [](int64_t pad) { return pad < 0; }))
    return importer.nodeError(node) << "negative pads (cropping) are not "
                                       "supported";
  if (pads[0] || pads[rank] || (rank > 1 && (pads[1] || pads[rank + 1])))
    return importer.nodeError(node) << "only the spatial dimensions (2 and "
                                       "on) can be padded";
  if (value != 0)
    return importer.nodeError(node)
           << "padding with " << value
           << " is not supported: only zero padding folds into a convolution";
  Activation result = *input;
  std::vector<int64_t> spatial;
  for (int64_t d = 2; d < rank; ++d)
    spatial.push_back(pads[d]);
  for (int64_t d = 2; d < rank; ++d)
    spatial.push_back(pads[rank + d]);
  if (!result.pendingPads.empty())
    for (size_t d = 0; d < spatial.size(); ++d)
      spatial[d] += result.pendingPads[d];
  result.pendingPads = spatial;
  importer.setActivation(node.output(0), result);
  return success();
}

/// Unsqueeze and Squeeze of an activation add or remove size-1 axes: a
/// reshape of the ONNX order (never of the batch).
LogicalResult importSqueeze(Importer &importer, const onnx::NodeProto &node) {
  FailureOr<Activation> input = importer.activation(node, 0);
  if (failed(input))
    return failure();
  bool unsqueeze = node.op_type() == "Unsqueeze";
  std::vector<int64_t> axes;
  if (importer.opset("") >= 13) {
    if (importer.hasInput(node, 1)) {
      FailureOr<const ConstTensor *> axesInput = importer.constant(node, 1);
      if (failed(axesInput))
        return failure();
      for (double axis : (*axesInput)->values)
        axes.push_back(int64_t(axis));
    }
  } else {
    axes = importer.intsAttr(node, "axes");
  }
  std::vector<int64_t> logical = importer.logicalShape(*input);
  int64_t rank = int64_t(logical.size());
  int64_t outRank = unsqueeze ? rank + int64_t(axes.size()) : rank;
  for (int64_t &axis : axes)
    if (axis < 0)
      axis += outRank;
  if (axes.empty() && unsqueeze)
    return importer.nodeError(node) << "Unsqueeze needs axes";
  std::vector<int64_t> shape;
  if (unsqueeze) {
    shape = logical;
    std::sort(axes.begin(), axes.end());
    for (int64_t axis : axes) {
      if (axis <= 0 || axis > int64_t(shape.size()))
        return importer.nodeError(node)
               << "axis " << axis
               << " is out of range or the batch (axis 0 stays the batch)";
      shape.insert(shape.begin() + axis, 1);
    }
  } else {
    for (int64_t d = 0; d < rank; ++d) {
      bool listed = axes.empty() ? (d > 0 && logical[d] == 1)
                                 : llvm::is_contained(axes, d);
      if (!listed) {
        shape.push_back(logical[d]);
        continue;
      }
      if (d == 0)
        return importer.nodeError(node) << "the batch dimension cannot be "
                                           "squeezed";
      if (logical[d] != 1)
        return importer.nodeError(node)
               << "dimension " << d << " has size " << logical[d] << ", not 1";
    }
  }
  if (llvm::any_of(ArrayRef<int64_t>(shape).drop_front(),
                   ShapedType::isDynamic))
    return importer.nodeError(node)
           << node.op_type() << " needs static non-batch dimensions";
  shape[0] = ShapedType::kDynamic;
  return reshapeOnnxOrder(importer, node, *input, shape);
}

/// PRelu with one constant slope for every element is a leaky ReLU. With
/// one slope per channel it is relu(x) + (-s) * relu(-x): the negation and
/// the scaling per channel are channelAffine layers. Exact in
/// float32: one of the two terms is 0, the other is x or s * x rounded once.
LogicalResult importPRelu(Importer &importer, const onnx::NodeProto &node) {
  FailureOr<Activation> input = importer.activation(node, 0);
  FailureOr<const ConstTensor *> slope = importer.constant(node, 1);
  if (failed(input) || failed(slope))
    return failure();
  const std::vector<double> &values = (*slope)->values;
  Location loc = importer.locationOf(node);
  if (!values.empty() &&
      llvm::all_of(values, [&](double v) { return v == values.front(); })) {
    auto op =
        ActivationOp::create(importer.builder, loc, input->value, "leaky_relu");
    op.setAlphaAttr(importer.builder.getF32FloatAttr(float(values.front())));
    importer.setElementwise(node.output(0), *input, op.getOutput());
    return success();
  }
  std::optional<int64_t> channels = channelsFor(importer, *input, **slope);
  if (!channels)
    return importer.nodeError(node)
           << "PRelu slopes of shape (" << shapeText((*slope)->shape)
           << ") are not supported: one slope for all, per feature (rank 2) "
              "or per channel (dimension 1 of a 1-D or 2-D image)";
  Value positive =
      ActivationOp::create(importer.builder, loc, input->value, "relu");
  // relu(-x): the negating layer with its fused ReLU.
  Activation magnitude = negate(importer, loc, *input);
  Operation *layer = magnitude.value.getDefiningOp();
  if (auto dense = dyn_cast<DenseOp>(layer))
    dense.setActivation(LayerActivation::relu);
  else
    cast<ConvOp>(layer).setActivation(LayerActivation::relu);
  std::vector<double> scale;
  for (double value : values)
    scale.push_back(-value);
  Activation negative =
      channelAffine(importer, loc, magnitude, *channels, scale, {0.0});
  Activation positivePart = *input;
  positivePart.value = positive;
  positivePart.uniformFormat = nullptr;
  positivePart =
      input->rank() == 2
          ? importer.toLogical(positivePart, loc)
          : importer.relayout(positivePart, negative.physicalOf, loc);
  auto sum = AddOp::create(importer.builder, loc, negative.value.getType(),
                           positivePart.value, negative.value, nullptr);
  importer.setActivation(node.output(0),
                         Activation{sum.getOutput(), negative.physicalOf,
                                    negative.flatten, nullptr});
  return success();
}

LogicalResult importTranspose(Importer &importer, const onnx::NodeProto &node) {
  FailureOr<Activation> input = importer.activation(node, 0);
  if (failed(input))
    return failure();
  std::vector<int64_t> permutation = importer.intsAttr(node, "perm");
  int64_t rank = input->rank();
  if (permutation.empty())
    for (int64_t d = rank - 1; d >= 0; --d)
      permutation.push_back(d);
  if (int64_t(permutation.size()) != rank)
    return importer.nodeError(node)
           << "perm has " << permutation.size() << " entries for a rank-"
           << rank << " input";
  std::vector<bool> seen(size_t(rank), false);
  for (int64_t entry : permutation) {
    if (entry < 0 || entry >= rank || seen[size_t(entry)])
      return importer.nodeError(node) << "perm is not a permutation of 0.."
                                      << rank - 1 << " (entry " << entry << ")";
    seen[size_t(entry)] = true;
  }
  if (permutation[0] != 0)
    return importer.nodeError(node) << "the permutation must keep the batch "
                                       "dimension first";
  Activation result = *input;
  if (result.flatten) {
    if (permutation != Importer::identity(rank))
      return importer.nodeError(node) << "transposing a flattened tensor is "
                                         "not supported";
  } else {
    // Only the labels move: physical dim physicalOf[perm[d]] now holds
    // logical dim d.
    for (int64_t d = 0; d < rank; ++d)
      result.physicalOf[d] = input->physicalOf[permutation[d]];
  }
  importer.setActivation(node.output(0), result);
  return success();
}

LogicalResult importConcat(Importer &importer, const onnx::NodeProto &node) {
  std::vector<Activation> inputs;
  for (int index = 0; index < node.input_size(); ++index) {
    FailureOr<Activation> input = importer.activation(node, index);
    if (failed(input))
      return failure();
    inputs.push_back(*input);
  }
  if (inputs.empty())
    return importer.nodeError(node) << "Concat needs inputs";
  Location loc = importer.locationOf(node);
  int64_t rank = inputs.front().rank();
  int64_t axis = importer.intAttr(node, "axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis <= 0 || axis >= rank)
    return importer.nodeError(node)
           << "axis " << axis << " must be a non-batch axis";
  std::vector<int64_t> layout = inputs.front().flatten
                                    ? Importer::identity(rank)
                                    : inputs.front().physicalOf;
  SmallVector<Value> values;
  for (Activation &input : inputs) {
    input = importer.relayout(input, layout, loc);
    values.push_back(input.value);
  }
  auto op = ConcatOp::create(importer.builder, loc, values, layout[axis]);
  importer.setActivation(node.output(0),
                         Activation{op.getOutput(), layout, {}, nullptr});
  return success();
}

} // namespace

void registerStandardHandlers(std::map<std::string, Handler> &table) {
  for (const auto &[onnxName, dialectName] : activationNames())
    table["|" + onnxName] = importActivation;
  table["|Identity"] = importIdentity;
  table["|Dropout"] = importIdentity;
  table["|Constant"] = importConstant;
  table["|Softmax"] = importSoftmax;
  table["|Gemm"] = importGemm;
  table["|MatMul"] = importMatMul;
  table["|Conv"] = importConv;
  table["|BatchNormalization"] = importBatchNorm;
  table["|Add"] = importAdd;
  table["|Sub"] = importAdd;
  table["|Mul"] = importScale;
  table["|Div"] = importScale;
  table["|MaxPool"] = importPool;
  table["|AveragePool"] = importPool;
  table["|GlobalAveragePool"] = importPool;
  table["|GlobalMaxPool"] = importPool;
  table["|Pad"] = importPad;
  table["|Unsqueeze"] = importSqueeze;
  table["|Squeeze"] = importSqueeze;
  table["|PRelu"] = importPRelu;
  table["|Clip"] = importClip;
  table["|Flatten"] = importFlatten;
  table["|Reshape"] = importReshape;
  table["|Transpose"] = importTranspose;
  table["|Concat"] = importConcat;
}

} // namespace hgq::onnx_import
