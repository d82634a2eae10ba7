//===- Importer.cpp - ONNX graph to hgq dialect ---------------------------===//
//
// Walks the (checked, shape-inferred, function-inlined) graph in order and
// dispatches each node to the handler of its op type. Graph inputs that feed
// convolutions or pools become channels-last function arguments, marked with
// `hgq.layout`; everything else keeps the ONNX layout.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"
#include "hgq/Import/OnnxImporter.h"
#include "hgq/Import/OnnxModel.h"
#include "hgq/Support/Permute.h"
#include "hgq/Support/Shape.h"
#include "hgq/Target/Translation.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cmath>
#include <cstring>
#include <numeric>

using namespace mlir;

namespace hgq::onnx_import {

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

int64_t ConstTensor::size() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

bool ConstTensor::isInteger() const {
  return type != onnx::TensorProto::FLOAT &&
         type != onnx::TensorProto::DOUBLE &&
         type != onnx::TensorProto::FLOAT16 &&
         type != onnx::TensorProto::BFLOAT16;
}

namespace {

template <typename T>
void appendRaw(const std::string &raw, std::vector<double> &values) {
  size_t count = raw.size() / sizeof(T);
  for (size_t index = 0; index < count; ++index) {
    T value;
    std::memcpy(&value, raw.data() + index * sizeof(T), sizeof(T));
    values.push_back(double(value));
  }
}

} // namespace

bool decodeTensor(const onnx::TensorProto &tensor, ConstTensor &out,
                  std::string &error) {
  out.shape.assign(tensor.dims().begin(), tensor.dims().end());
  out.type = tensor.data_type();
  out.values.clear();
  // The shape bounds what is read: no negative dimension, and a product
  // that fits (the data then has to hold that many values).
  size_t bad = 0;
  std::optional<int64_t> elements = elementCount(out.shape, &bad);
  if (!elements) {
    int64_t dim = out.shape[bad];
    error = "tensor '" + tensor.name() + "' has dimension " +
            std::to_string(dim) +
            (dim < 0 ? ", which is negative"
                     : ", and its shape holds more than 2^63 values");
    return false;
  }
  int64_t count = *elements;
  // loadModel() has read external data into raw_data already.
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    error = "tensor '" + tensor.name() + "' still refers to external data";
    return false;
  }
  bool hasRaw = tensor.has_raw_data();
  const std::string &raw = tensor.raw_data();
  switch (tensor.data_type()) {
  case onnx::TensorProto::FLOAT:
    if (hasRaw)
      appendRaw<float>(raw, out.values);
    else
      out.values.assign(tensor.float_data().begin(), tensor.float_data().end());
    break;
  case onnx::TensorProto::DOUBLE:
    if (hasRaw)
      appendRaw<double>(raw, out.values);
    else
      out.values.assign(tensor.double_data().begin(),
                        tensor.double_data().end());
    break;
  case onnx::TensorProto::INT64:
    if (hasRaw)
      appendRaw<int64_t>(raw, out.values);
    else
      out.values.assign(tensor.int64_data().begin(), tensor.int64_data().end());
    break;
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::UINT16:
  case onnx::TensorProto::UINT8:
  case onnx::TensorProto::BOOL:
    if (hasRaw) {
      switch (tensor.data_type()) {
      case onnx::TensorProto::INT32:
        appendRaw<int32_t>(raw, out.values);
        break;
      case onnx::TensorProto::INT16:
        appendRaw<int16_t>(raw, out.values);
        break;
      case onnx::TensorProto::INT8:
        appendRaw<int8_t>(raw, out.values);
        break;
      case onnx::TensorProto::UINT16:
        appendRaw<uint16_t>(raw, out.values);
        break;
      default:
        appendRaw<uint8_t>(raw, out.values);
        break;
      }
    } else {
      out.values.assign(tensor.int32_data().begin(), tensor.int32_data().end());
    }
    break;
  default:
    error = "tensor '" + tensor.name() + "' has data type " +
            onnx::TensorProto_DataType_Name(
                onnx::TensorProto_DataType(tensor.data_type())) +
            ", which the importer does not read";
    return false;
  }
  if (int64_t(out.values.size()) != count) {
    error = "tensor '" + tensor.name() + "' holds " +
            std::to_string(out.values.size()) + " values but its shape needs " +
            std::to_string(count);
    return false;
  }
  // Weights are numbers: an infinity or NaN has no fixed-point value and
  // would reach the hls4ml document as bare 'inf'/'nan', which is not JSON.
  if (!out.isInteger())
    for (size_t index = 0; index < out.values.size(); ++index)
      if (!std::isfinite(out.values[index])) {
        error = "tensor '" + tensor.name() + "' element " +
                std::to_string(index) + " is " +
                (std::isnan(out.values[index]) ? "NaN" : "infinite") +
                "; weights and constants must be finite";
        return false;
      }
  return true;
}

//===----------------------------------------------------------------------===//
// Importer
//===----------------------------------------------------------------------===//

std::string normalizeDomain(const std::string &domain) {
  if (domain.empty() || domain == "ai.onnx")
    return "";
  if (isQonnxDomain(domain))
    return "qonnx";
  return domain;
}

const std::map<std::string, Handler> &handlerTable() {
  static const std::map<std::string, Handler> table = [] {
    std::map<std::string, Handler> handlers;
    registerStandardHandlers(handlers);
    registerQuantizationHandlers(handlers);
    return handlers;
  }();
  return table;
}

Handler lookupHandler(const std::string &domain, const std::string &opType) {
  auto found = handlerTable().find(normalizeDomain(domain) + "|" + opType);
  return found == handlerTable().end() ? nullptr : found->second;
}

Importer::Importer(MLIRContext *context, const onnx::ModelProto &model,
                   std::string modelPath)
    : graphBuilder(context, modelPath), context(context),
      builder(graphBuilder.builder), model(model),
      modelPath(std::move(modelPath)) {
  for (const auto &opset : model.opset_import())
    opsets[normalizeDomain(opset.domain())] = int(opset.version());
  for (const auto &node : model.graph().node())
    for (const std::string &input : node.input())
      readers.insert({input, &node});
  for (const auto &entry : model.metadata_props()) {
    const std::string prefix = "hgq.parallel_factor.";
    if (entry.key().rfind(prefix, 0) == 0)
      parallelFactors[entry.key().substr(prefix.size())] =
          std::atoll(entry.value().c_str());
  }
}

int Importer::opset(const std::string &domain) const {
  auto found = opsets.find(normalizeDomain(domain));
  return found == opsets.end() ? 1 : found->second;
}

Location Importer::locationOf(const onnx::NodeProto &node) const {
  std::string name = node.name().empty() ? (node.output_size() ? node.output(0)
                                                               : node.op_type())
                                         : node.name();
  return NameLoc::get(StringAttr::get(context, name));
}

InFlightDiagnostic Importer::nodeError(const onnx::NodeProto &node) const {
  std::string domain = node.domain().empty() ? "ai.onnx" : node.domain();
  std::string name =
      node.name().empty() && node.output_size() ? node.output(0) : node.name();
  return emitError(locationOf(node))
         << modelPath << ": node '" << name << "' (" << node.op_type()
         << ", domain '" << domain << "'): ";
}

void Importer::nodeWarning(const onnx::NodeProto &node,
                           const llvm::Twine &message) const {
  emitWarning(locationOf(node))
      << "node '" << node.name() << "' (" << node.op_type() << "): " << message;
}

bool Importer::hasInput(const onnx::NodeProto &node, int index) const {
  return index < node.input_size() && !node.input(index).empty();
}

bool Importer::isConstant(const std::string &name) const {
  return constants.count(name) != 0;
}

FailureOr<Activation> Importer::activation(const onnx::NodeProto &node,
                                           int index) {
  if (!hasInput(node, index))
    return nodeError(node) << "input " << index << " is missing";
  const std::string &name = node.input(index);
  auto found = activations.find(name);
  if (found != activations.end()) {
    static const std::set<std::string> padded = {"Conv", "Pad", "MaxPool",
                                                 "AveragePool"};
    if (!found->second.pendingPads.empty() && !padded.count(node.op_type()))
      return nodeError(node)
             << "input " << index << " ('" << name
             << "') is zero-padded by a Pad node; the padding folds only "
                "into a Conv that reads it";
    return found->second;
  }
  if (constants.count(name))
    return nodeError(node) << "input " << index << " ('" << name
                           << "') is a constant; this op needs an activation "
                              "(a value computed from the graph inputs)";
  return nodeError(node) << "input " << index << " ('" << name
                         << "') is neither a graph input, an initializer nor "
                            "the output of an earlier node";
}

FailureOr<const ConstTensor *> Importer::constant(const onnx::NodeProto &node,
                                                  int index) {
  if (!hasInput(node, index))
    return nodeError(node) << "input " << index << " is missing";
  const std::string &name = node.input(index);
  auto found = constants.find(name);
  if (found != constants.end())
    return &found->second;
  if (activations.count(name))
    return nodeError(node) << "input " << index << " ('" << name
                           << "') must be a constant (an initializer or a "
                              "Constant node), but it is computed from the "
                              "graph inputs";
  return nodeError(node) << "input " << index << " ('" << name
                         << "') is neither a graph input, an initializer nor "
                            "the output of an earlier node";
}

void Importer::setActivation(const std::string &name, Activation activation) {
  activations[name] = std::move(activation);
}

void Importer::setElementwise(const std::string &name, const Activation &like,
                              Value value, FixedAttr uniform) {
  activations[name] = Activation{value, like.physicalOf, like.flatten, uniform};
}

void Importer::setConstant(const std::string &name, ConstTensor constant) {
  constants[name] = std::move(constant);
}

bool Importer::isUsedElsewhere(const std::string &name,
                               const onnx::NodeProto &except) const {
  auto range = readers.equal_range(name);
  for (auto it = range.first; it != range.second; ++it)
    if (it->second != &except)
      return true;
  for (const auto &output : model.graph().output())
    if (output.name() == name)
      return true;
  return false;
}

const onnx::AttributeProto *Importer::attribute(const onnx::NodeProto &node,
                                                const std::string &name) const {
  for (const auto &attribute : node.attribute())
    if (attribute.name() == name)
      return &attribute;
  return nullptr;
}

int64_t Importer::intAttr(const onnx::NodeProto &node, const std::string &name,
                          int64_t fallback) const {
  const onnx::AttributeProto *found = attribute(node, name);
  return found ? found->i() : fallback;
}

float Importer::floatAttr(const onnx::NodeProto &node, const std::string &name,
                          float fallback) const {
  const onnx::AttributeProto *found = attribute(node, name);
  return found ? found->f() : fallback;
}

std::string Importer::stringAttr(const onnx::NodeProto &node,
                                 const std::string &name,
                                 const std::string &fallback) const {
  const onnx::AttributeProto *found = attribute(node, name);
  return found ? found->s() : fallback;
}

std::vector<int64_t> Importer::intsAttr(const onnx::NodeProto &node,
                                        const std::string &name) const {
  const onnx::AttributeProto *found = attribute(node, name);
  if (!found)
    return {};
  return std::vector<int64_t>(found->ints().begin(), found->ints().end());
}

//===----------------------------------------------------------------------===//
// Layouts
//===----------------------------------------------------------------------===//

std::vector<int64_t> Importer::identity(int64_t rank) {
  std::vector<int64_t> order(rank);
  std::iota(order.begin(), order.end(), 0);
  return order;
}

std::vector<int64_t> Importer::channelsLast(int64_t rank) {
  std::vector<int64_t> order = identity(rank);
  if (rank >= 3) {
    order[1] = rank - 1;
    for (int64_t d = 2; d < rank; ++d)
      order[d] = d - 1;
  }
  return order;
}

std::vector<int64_t>
Importer::logicalShape(const Activation &activation) const {
  ArrayRef<int64_t> physical =
      cast<RankedTensorType>(activation.value.getType()).getShape();
  std::vector<int64_t> shape(activation.rank());
  for (int64_t d = 0; d < activation.rank(); ++d)
    shape[d] = physical[activation.physicalOf[d]];
  return shape;
}

RankedTensorType Importer::tensorType(ArrayRef<int64_t> shape) const {
  return RankedTensorType::get(shape, Float32Type::get(context));
}

DenseElementsAttr Importer::floatElements(ArrayRef<int64_t> shape,
                                          ArrayRef<double> values) const {
  std::vector<float> narrow(values.begin(), values.end());
  return DenseElementsAttr::get(tensorType(shape), ArrayRef<float>(narrow));
}

DenseIntElementsAttr Importer::bitsElements(ArrayRef<int64_t> shape,
                                            ArrayRef<int64_t> values) const {
  std::vector<int8_t> narrow(values.begin(), values.end());
  auto type = RankedTensorType::get(shape, IntegerType::get(context, 8));
  return DenseIntElementsAttr::get(type, ArrayRef<int8_t>(narrow));
}

std::vector<int64_t> Importer::flattenedOrder(const FlattenInfo &flatten) {
  // Physical features enumerate the pre-flatten physical shape row-major;
  // logical features enumerate the logical shape row-major: the physical
  // array is a transpose of the logical one (physical dimension
  // physicalOf[d + 1] - 1 is logical dimension d).
  const std::vector<int64_t> &shape = flatten.physicalShape; // no batch
  size_t rank = shape.size();
  std::vector<int64_t> logicalShape(rank), permutation(rank);
  for (size_t d = 0; d < rank; ++d) {
    logicalShape[d] = shape[flatten.physicalOf[d + 1] - 1];
    permutation[flatten.physicalOf[d + 1] - 1] = int64_t(d);
  }
  return permutationSources(logicalShape, permutation);
}

Activation Importer::relayout(const Activation &source,
                              const std::vector<int64_t> &physicalOf,
                              Location loc) {
  Activation current = source;
  if (current.flatten) {
    // Undo the flatten: back to the pre-flatten physical shape, then to the
    // logical order, then flatten again.
    std::vector<int64_t> shape{ShapedType::kDynamic};
    shape.insert(shape.end(), current.flatten->physicalShape.begin(),
                 current.flatten->physicalShape.end());
    // A flatten made here is undone by taking its input back.
    auto flattenOp = current.value.getDefiningOp<FlattenOp>();
    Value reshaped =
        flattenOp && flattenOp.getInput().getType() == tensorType(shape)
            ? flattenOp.getInput()
            : ReshapeOp::create(builder, loc, tensorType(shape), current.value)
                  .getResult();
    Activation unflattened{reshaped, current.flatten->physicalOf, {}, {}};
    Activation logical =
        relayout(unflattened, identity(unflattened.rank()), loc);
    Value flat = FlattenOp::create(builder, loc, logical.value);
    current = Activation{flat, identity(2), {}, source.uniformFormat};
  }
  if (current.physicalOf == physicalOf)
    return current;
  std::vector<int64_t> permutation(current.rank());
  for (int64_t d = 0; d < current.rank(); ++d)
    permutation[physicalOf[d]] = current.physicalOf[d];
  Value moved = TransposeOp::create(builder, loc, current.value, permutation);
  return Activation{moved, physicalOf, {}, current.uniformFormat};
}

Activation Importer::toLogical(const Activation &activation, Location loc) {
  return relayout(activation, identity(activation.rank()), loc);
}

FailureOr<DenseIntElementsAttr>
Importer::physicalBits(const onnx::NodeProto &node, const ConstTensor &bits,
                       const Activation &activation) {
  int64_t featureRank = activation.rank() - 1;
  if (int64_t(bits.shape.size()) > featureRank)
    return nodeError(node) << "bit-width tensor of rank " << bits.shape.size()
                           << " does not broadcast against the " << featureRank
                           << "-D input without its batch dimension";
  std::vector<int64_t> shape(featureRank - bits.shape.size(), 1);
  shape.insert(shape.end(), bits.shape.begin(), bits.shape.end());
  std::vector<int64_t> logical = logicalShape(activation);
  for (int64_t d = 0; d < featureRank; ++d)
    if (shape[d] != 1 && !ShapedType::isDynamic(logical[d + 1]) &&
        shape[d] != logical[d + 1])
      return nodeError(node)
             << "bit-width tensor dimension " << d << " has size " << shape[d]
             << " but the input has " << logical[d + 1];
  std::vector<int64_t> values(bits.values.begin(), bits.values.end());
  if (activation.flatten) {
    if (bits.size() == 1)
      return bitsElements(shape, values);
    std::vector<int64_t> order = flattenedOrder(*activation.flatten);
    std::vector<int64_t> permuted(order.size());
    for (size_t p = 0; p < order.size(); ++p)
      permuted[p] = values[order[p]];
    return bitsElements(shape, permuted);
  }
  // Permute the bits array's own dimensions like the activation's.
  std::vector<int64_t> physicalShape(featureRank);
  std::vector<int64_t> sourceDimOf(featureRank); // physical d -> logical d
  for (int64_t d = 1; d <= featureRank; ++d) {
    physicalShape[activation.physicalOf[d] - 1] = shape[d - 1];
    sourceDimOf[activation.physicalOf[d] - 1] = d - 1;
  }
  std::vector<int64_t> permuted = permuteValues(values, shape, sourceDimOf);
  return bitsElements(physicalShape, permuted);
}

FailureOr<DenseIntElementsAttr>
Importer::permutedConstantBits(const onnx::NodeProto &node,
                               const ConstTensor::Quantizer &quantizer,
                               const std::vector<int64_t> &constantShape,
                               const std::vector<int64_t> &permutation) {
  size_t rank = constantShape.size();
  if (quantizer.bitsShape.size() > rank)
    return nodeError(node) << "kernel bit-width tensor has more dimensions ("
                           << quantizer.bitsShape.size()
                           << ") than the kernel (" << rank << ")";
  std::vector<int64_t> shape(rank - quantizer.bitsShape.size(), 1);
  shape.insert(shape.end(), quantizer.bitsShape.begin(),
               quantizer.bitsShape.end());
  for (size_t d = 0; d < rank; ++d)
    if (shape[d] != 1 && shape[d] != constantShape[d])
      return nodeError(node)
             << "kernel bit-width dimension " << d << " has size " << shape[d]
             << " but the kernel has " << constantShape[d];
  std::vector<int64_t> resultShape(rank), strides(rank, 1);
  for (size_t d = 0; d < rank; ++d)
    resultShape[d] = shape[permutation[d]];
  for (size_t d = rank - 1; d-- > 0;)
    strides[d] = strides[d + 1] * shape[d + 1];
  std::vector<int64_t> values(quantizer.bits.size());
  std::vector<int64_t> position(rank, 0);
  for (size_t flat = 0; flat < values.size(); ++flat) {
    int64_t source = 0;
    for (size_t d = 0; d < rank; ++d)
      source += position[d] * strides[permutation[d]];
    values[flat] = quantizer.bits[source];
    for (size_t d = rank; d-- > 0;) {
      if (++position[d] < resultShape[d])
        break;
      position[d] = 0;
    }
  }
  return bitsElements(resultShape, values);
}

//===----------------------------------------------------------------------===//
// The graph
//===----------------------------------------------------------------------===//

/// Graph inputs that reach a convolution or pool through ops that do not
/// care about layout: they become channels-last arguments.
std::set<std::string> Importer::spatialInputs() const {
  static const std::set<std::string> layoutFree = {"Relu",
                                                   "LeakyRelu",
                                                   "Sigmoid",
                                                   "Tanh",
                                                   "HardSigmoid",
                                                   "Elu",
                                                   "Selu",
                                                   "Softplus",
                                                   "Softsign",
                                                   "Exp",
                                                   "Abs",
                                                   "Neg",
                                                   "Identity",
                                                   "Dropout",
                                                   "BatchNormalization",
                                                   "Quantizer",
                                                   "FixedPointQuantizer",
                                                   "Signature",
                                                   "Quant",
                                                   "IntQuant",
                                                   "Trunc",
                                                   "BipolarQuant",
                                                   "QuantizeLinear",
                                                   "DequantizeLinear",
                                                   "Add",
                                                   "Mul",
                                                   "Div",
                                                   "Sub",
                                                   "Clip",
                                                   "Pad",
                                                   "PRelu"};
  static const std::set<std::string> spatial = {
      "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"};
  std::set<std::string> marked;
  bool changed = true;
  while (changed) {
    changed = false;
    for (const auto &node : model.graph().node()) {
      bool wants = spatial.count(node.op_type()) != 0;
      if (!wants && layoutFree.count(node.op_type()))
        for (const std::string &output : node.output())
          wants |= marked.count(output) != 0;
      if (!wants)
        continue;
      for (const std::string &input : node.input())
        if (!input.empty() && marked.insert(input).second)
          changed = true;
    }
  }
  return marked;
}

LogicalResult Importer::importGraph() {
  const onnx::GraphProto &graph = model.graph();
  for (const auto &tensor : graph.initializer()) {
    ConstTensor value;
    std::string error;
    if (!decodeTensor(tensor, value, error))
      return emitError(NameLoc::get(StringAttr::get(context, tensor.name())))
             << modelPath << ": initializer '" << tensor.name()
             << "': " << error;
    constants[tensor.name()] = std::move(value);
  }

  std::set<std::string> spatial = spatialInputs();
  fixedBatchOfOne = true;
  std::vector<std::pair<std::string, Type>> arguments;
  SmallVector<std::vector<int64_t>> argumentLayouts;
  for (const auto &input : graph.input()) {
    if (constants.count(input.name()))
      continue;
    Location loc = NameLoc::get(StringAttr::get(context, input.name()));
    const auto &type = input.type();
    if (!type.has_tensor_type() || !type.tensor_type().has_shape())
      return emitError(loc) << modelPath << ": graph input '" << input.name()
                            << "' has no tensor shape";
    if (type.tensor_type().elem_type() != onnx::TensorProto::FLOAT)
      return emitError(loc)
             << modelPath << ": graph input '" << input.name()
             << "' is of type "
             << onnx::TensorProto_DataType_Name(
                    onnx::TensorProto_DataType(type.tensor_type().elem_type()))
             << "; the importer takes float inputs";
    std::vector<int64_t> shape;
    for (const auto &dim : type.tensor_type().shape().dim())
      shape.push_back(dim.has_dim_value() ? dim.dim_value()
                                          : ShapedType::kDynamic);
    if (shape.empty())
      return emitError(loc) << modelPath << ": graph input '" << input.name()
                            << "' is a scalar; inputs need a batch dimension";
    fixedBatchOfOne &= shape[0] == 1;
    shape[0] = ShapedType::kDynamic; // the batch
    std::vector<int64_t> layout = identity(int64_t(shape.size()));
    if (spatial.count(input.name()) && (shape.size() == 3 || shape.size() == 4))
      layout = channelsLast(int64_t(shape.size()));
    std::vector<int64_t> physical(shape.size());
    for (size_t d = 0; d < shape.size(); ++d)
      physical[layout[d]] = shape[d];
    arguments.push_back({input.name(), tensorType(physical)});
    argumentLayouts.push_back(layout);
  }

  func::FuncOp function = graphBuilder.begin(
      "main", NameLoc::get(StringAttr::get(context, graph.name())), arguments);
  Block *body = &function.getBody().front();
  size_t argumentIndex = 0;
  for (const auto &input : graph.input()) {
    if (constants.count(input.name()))
      continue;
    BlockArgument argument = body->getArgument(argumentIndex);
    const std::vector<int64_t> &layout = argumentLayouts[argumentIndex];
    if (layout != identity(int64_t(layout.size())))
      function.setArgAttr(argumentIndex,
                          HGQDialect::LayoutAttrHelper::getNameStr(),
                          builder.getDenseI64ArrayAttr(layout));
    activations[input.name()] = Activation{argument, layout, {}, {}};
    ++argumentIndex;
  }

  builder.setInsertionPointToEnd(body);
  for (const auto &node : graph.node()) {
    if (consumed.count(&node))
      continue;
    // Subgraphs of constants (and shape computations) are evaluated.
    if (std::optional<LogicalResult> folded = foldConstantNode(*this, node)) {
      if (failed(*folded))
        return failure();
      continue;
    }
    Handler handler = lookupHandler(node.domain(), node.op_type());
    if (!handler)
      return nodeError(node)
             << "op type '" << node.op_type() << "' of domain '"
             << (node.domain().empty() ? "ai.onnx" : node.domain())
             << "' is not supported (see "
                "docs/onnx-support.md)";
    if (failed(handler(*this, node)))
      return failure();
  }

  SmallVector<Value> results;
  SmallVector<std::vector<int64_t>> resultLayouts;
  Location end = NameLoc::get(StringAttr::get(context, "outputs"));
  for (const auto &output : graph.output()) {
    auto found = activations.find(output.name());
    if (found == activations.end())
      return emitError(NameLoc::get(StringAttr::get(context, output.name())))
             << modelPath << ": graph output '" << output.name()
             << "' is not computed from the graph inputs (constant outputs "
                "are not supported)";
    Activation value = found->second;
    if (value.flatten)
      value = toLogical(value, end);
    results.push_back(value.value);
    resultLayouts.push_back(value.physicalOf);
  }
  graphBuilder.setResults(results, end);
  for (size_t index = 0; index < resultLayouts.size(); ++index)
    if (resultLayouts[index] != identity(int64_t(resultLayouts[index].size())))
      function.setResultAttr(
          index, HGQDialect::LayoutAttrHelper::getNameStr(),
          builder.getDenseI64ArrayAttr(resultLayouts[index]));
  // Layout bookkeeping can leave a value nothing reads (a lazy flatten
  // undone at an output): drop it, last first.
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*body)))
    if (isOpTriviallyDead(&op))
      op.erase();
  return success();
}

/// Attributes hgq-translate --emit-onnx stored in metadata_props, for what
/// ONNX cannot say (per-tensor types, BOPs, calibration, the ONNX layout of
/// a channels-last interface).
LogicalResult Importer::restoreAttributes(ModuleOp module) {
  const std::string opPrefix = "hgq.attributes.";
  const std::string argumentPrefix = "hgq.argument_attributes.";
  const std::string resultPrefix = "hgq.result_attributes.";
  auto function = *module.getOps<func::FuncOp>().begin();
  std::map<std::string, std::pair<std::string, DictionaryAttr>> byName;
  for (const auto &entry : model.metadata_props()) {
    const std::string &key = entry.key();
    auto startsWith = [&](const std::string &prefix) {
      return key.rfind(prefix, 0) == 0;
    };
    if (key != "hgq.module_attributes" && !startsWith(opPrefix) &&
        !startsWith(argumentPrefix) && !startsWith(resultPrefix))
      continue;
    Location loc = NameLoc::get(StringAttr::get(context, modelPath));
    auto fail = [&](const Twine &what) {
      return emitError(loc)
             << modelPath << ": metadata '" << key << "' " << what;
    };
    auto attribute = dyn_cast_or_null<DictionaryAttr>(
        parseAttribute(entry.value(), context));
    if (!attribute)
      return fail("is not an attribute dictionary");
    if (key == "hgq.module_attributes") {
      for (NamedAttribute named : attribute)
        module->setAttr(named.getName(), named.getValue());
      continue;
    }
    if (startsWith(opPrefix)) {
      auto op = attribute.getAs<StringAttr>("op");
      auto attributes = attribute.getAs<DictionaryAttr>("attributes");
      if (!op || !attributes)
        return fail("needs 'op' (a string) and 'attributes' (a dictionary)");
      byName[key.substr(opPrefix.size())] = {op.str(), attributes};
      continue;
    }
    bool isArgument = startsWith(argumentPrefix);
    std::string indexText =
        key.substr((isArgument ? argumentPrefix : resultPrefix).size());
    unsigned index = 0;
    unsigned count =
        isArgument ? function.getNumArguments() : function.getNumResults();
    if (StringRef(indexText).getAsInteger(10, index) || index >= count)
      return fail("names no " + Twine(isArgument ? "input" : "output") +
                  " of the graph");
    for (NamedAttribute named : attribute) {
      if (isArgument)
        function.setArgAttr(index, named.getName(), named.getValue());
      else
        function.setResultAttr(index, named.getName(), named.getValue());
    }
  }
  if (byName.empty())
    return success();
  module.walk([&](Operation *op) {
    auto found = byName.find(layerName(op));
    if (found == byName.end() ||
        op->getName().getStringRef() != found->second.first)
      return;
    for (NamedAttribute named : found->second.second)
      op->setAttr(named.getName(), named.getValue());
  });
  return success();
}

/// A metadata entry that names no node of the graph changes nothing: say so.
void Importer::warnUnusedMetadata() {
  std::map<std::string, std::string> nodes; // name -> op type
  for (const auto &node : model.graph().node())
    nodes[node.name()] = node.op_type();
  for (const auto &[name, factor] : parallelFactors) {
    auto found = nodes.find(name);
    if (found == nodes.end())
      emitWarning(NameLoc::get(StringAttr::get(context, modelPath)))
          << modelPath << ": metadata 'hgq.parallel_factor." << name
          << "' names no node of the graph; it is ignored";
    else if (found->second != "Conv")
      emitWarning(NameLoc::get(StringAttr::get(context, modelPath)))
          << modelPath << ": metadata 'hgq.parallel_factor." << name
          << "' names a " << found->second
          << " node; parallel_factor applies to Conv only and is ignored";
  }
}

OwningOpRef<ModuleOp> Importer::run() {
  warnUnusedMetadata();
  if (failed(importGraph()) ||
      failed(restoreAttributes(graphBuilder.getModule())))
    return nullptr;
  return graphBuilder.finish();
}

} // namespace hgq::onnx_import

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

namespace hgq {

std::vector<std::string> supportedOnnxOps() {
  std::vector<std::string> names;
  for (const auto &entry : onnx_import::handlerTable()) {
    size_t bar = entry.first.find('|');
    std::string domain = entry.first.substr(0, bar);
    names.push_back((domain.empty() ? "ai.onnx" : domain) + ":" +
                    entry.first.substr(bar + 1));
  }
  std::sort(names.begin(), names.end());
  return names;
}

OwningOpRef<ModuleOp> importOnnx(llvm::StringRef path, llvm::StringRef bytes,
                                 MLIRContext *context) {
  context->loadDialect<HGQDialect, func::FuncDialect>();
  std::string error;
  std::unique_ptr<onnx::ModelProto> model =
      onnx_import::loadModel(path.str(), bytes.str(), error);
  if (!model) {
    emitError(NameLoc::get(StringAttr::get(context, path))) << error;
    return nullptr;
  }
  onnx_import::Importer importer(context, *model, path.str());
  return importer.run();
}

void registerOnnxImportTranslation() {
  registerFileImport("import-onnx",
                     "import an ONNX model (standard ops, hgq domain, QONNX, "
                     "QDQ) into the hgq dialect",
                     importOnnx);
}

} // namespace hgq
