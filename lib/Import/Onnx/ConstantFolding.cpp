//===- ConstantFolding.cpp - Evaluating ONNX nodes on constants -----------===//
//
// Exporters compute weights and shapes inside the graph: Brevitas transposes
// its quantized weights, BatchNorm-like subgraphs take Pow/Sqrt/Div of
// constants, PyTorch's `x.view(x.size(0), -1)` becomes Shape -> Gather ->
// Unsqueeze -> Concat -> Reshape. A node whose inputs are all constants is
// evaluated here, exactly (integers exactly, float32 results rounded to
// float32 after each operation as a float32 runtime does), and its outputs
// become constants; the importer never sees it. `Shape` of an activation is
// known but for the batch, which stays symbolic: its entry is marked, may
// travel through the index-moving ops into a Reshape's first entry (the
// batch, whatever is written there), and is refused anywhere arithmetic
// would need its value.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "hgq/Support/Permute.h"

#include <cmath>
#include <functional>
#include <map>
#include <numeric>

using namespace mlir;

namespace hgq::onnx_import {
namespace {

int64_t product(const std::vector<int64_t> &shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t(1),
                         std::multiplies<int64_t>());
}

std::vector<int64_t> stridesOf(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t d = int64_t(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

bool isFloatType(int32_t type) {
  return type == onnx::TensorProto::FLOAT ||
         type == onnx::TensorProto::DOUBLE ||
         type == onnx::TensorProto::FLOAT16 ||
         type == onnx::TensorProto::BFLOAT16;
}

/// The value as the result type stores it: float32 rounding for FLOAT,
/// truncation toward zero for the integer types.
double storeAs(int32_t type, double value) {
  if (type == onnx::TensorProto::FLOAT)
    return double(float(value));
  if (!isFloatType(type))
    return std::trunc(value);
  return value;
}

/// An output built from elements of the inputs: values, types and batch
/// marks travel with the elements.
struct Source {
  int input;
  int64_t index;
};
ConstTensor moved(const std::vector<const ConstTensor *> &inputs,
                  std::vector<int64_t> shape,
                  const std::vector<Source> &sources) {
  ConstTensor out;
  out.shape = std::move(shape);
  out.type = inputs.front()->type;
  bool marked = llvm::any_of(
      inputs, [](const ConstTensor *in) { return !in->batch.empty(); });
  for (const Source &source : sources) {
    const ConstTensor &in = *inputs[source.input];
    out.values.push_back(in.values[source.index]);
    if (marked)
      out.batch.push_back(!in.batch.empty() && in.batch[source.index]);
  }
  return out;
}

/// The values, shape, type and batch marks of `in` (folding never carries a
/// quantizer but through Transpose).
ConstTensor valuesOf(const ConstTensor &in) {
  ConstTensor out;
  out.shape = in.shape;
  out.values = in.values;
  out.type = in.type;
  out.batch = in.batch;
  return out;
}

class Folder {
public:
  Folder(Importer &importer, const onnx::NodeProto &node)
      : importer(importer), node(node) {}
  std::optional<LogicalResult> fold();

private:
  LogicalResult error(const llvm::Twine &message) {
    return importer.nodeError(node) << message;
  }
  /// The constant inputs (empty entries for omitted optional inputs).
  bool gather();
  const ConstTensor *input(int index) const {
    return index < int(inputs.size()) ? inputs[index] : nullptr;
  }
  /// Integer entries of an optional input, or of an attribute before the
  /// opset that made it an input.
  std::optional<std::vector<int64_t>> ints(int index, const char *attribute);
  LogicalResult done(ConstTensor out) {
    importer.setConstant(node.output(0), std::move(out));
    return success();
  }
  LogicalResult noBatch() {
    for (const ConstTensor *in : inputs)
      if (in && llvm::is_contained(in->batch, true))
        return error("computes with the batch size, which the IR keeps "
                     "symbolic (dimension 0 of every activation)");
    return success();
  }

  LogicalResult shape();
  LogicalResult elementwise();
  LogicalResult transpose();
  LogicalResult reshapeOp();
  LogicalResult flatten();
  LogicalResult reshape(std::vector<int64_t> target);
  LogicalResult unsqueeze();
  LogicalResult squeeze();
  LogicalResult concat();
  LogicalResult gatherOp();
  LogicalResult slice();
  LogicalResult cast();
  LogicalResult constantOfShape();

  Importer &importer;
  const onnx::NodeProto &node;
  std::vector<const ConstTensor *> inputs;
};

bool Folder::gather() {
  for (int index = 0; index < node.input_size(); ++index) {
    if (node.input(index).empty()) {
      inputs.push_back(nullptr);
      continue;
    }
    if (!importer.isConstant(node.input(index)))
      return false;
    FailureOr<const ConstTensor *> value = importer.constant(node, index);
    if (failed(value))
      return false;
    inputs.push_back(*value);
  }
  return true;
}

std::optional<std::vector<int64_t>> Folder::ints(int index,
                                                 const char *attribute) {
  if (const ConstTensor *in = input(index)) {
    std::vector<int64_t> values;
    for (double value : in->values)
      values.push_back(int64_t(value));
    return values;
  }
  if (importer.attribute(node, attribute))
    return importer.intsAttr(node, attribute);
  return std::nullopt;
}

std::optional<LogicalResult> Folder::fold() {
  const std::string &op = node.op_type();
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return std::nullopt;
  if (op == "Shape") {
    // The input is an activation whose shape is known but for the batch.
    if (node.input_size() != 1 || importer.isConstant(node.input(0)))
      return std::nullopt;
    return shape();
  }
  // The ops this evaluator folds, and how.
  using Fold = LogicalResult (Folder::*)();
  static const std::map<std::string, Fold> folds = {
      {"Add", &Folder::elementwise},
      {"Sub", &Folder::elementwise},
      {"Mul", &Folder::elementwise},
      {"Div", &Folder::elementwise},
      {"Pow", &Folder::elementwise},
      {"Sqrt", &Folder::elementwise},
      {"Neg", &Folder::elementwise},
      {"Reciprocal", &Folder::elementwise},
      {"Abs", &Folder::elementwise},
      {"Transpose", &Folder::transpose},
      {"Reshape", &Folder::reshapeOp},
      {"Flatten", &Folder::flatten},
      {"Unsqueeze", &Folder::unsqueeze},
      {"Squeeze", &Folder::squeeze},
      {"Concat", &Folder::concat},
      {"Gather", &Folder::gatherOp},
      {"Slice", &Folder::slice},
      {"Cast", &Folder::cast},
      {"ConstantOfShape", &Folder::constantOfShape}};
  auto fold = folds.find(op);
  if (fold == folds.end() || node.input_size() == 0 || !gather())
    return std::nullopt;
  // A quantized constant (hgq.Quantizer, QONNX Quant on an initializer)
  // keeps its quantizer only through a transpose; anything else on it is
  // the handlers' to judge.
  for (const ConstTensor *in : inputs)
    if (in && in->quantizer && op != "Transpose")
      return std::nullopt;
  return (this->*fold->second)();
}

LogicalResult Folder::reshapeOp() {
  if (!input(1))
    return error("Reshape needs its shape input");
  if (llvm::is_contained(input(1)->batch, true))
    return error("the shape of a constant cannot use the batch size");
  std::vector<int64_t> target;
  for (double value : input(1)->values)
    target.push_back(int64_t(value));
  return reshape(target);
}

LogicalResult Folder::flatten() {
  int64_t rank = int64_t(input(0)->shape.size());
  int64_t axis = importer.intAttr(node, "axis", 1);
  if (axis < 0)
    axis += rank;
  int64_t outer = 1;
  for (int64_t d = 0; d < axis && d < rank; ++d)
    outer *= input(0)->shape[d];
  return reshape({outer, -1});
}

LogicalResult Folder::shape() {
  FailureOr<Activation> in = importer.activation(node, 0);
  if (failed(in))
    return failure();
  std::vector<int64_t> dims = importer.logicalShape(*in);
  int64_t rank = int64_t(dims.size());
  int64_t start = importer.intAttr(node, "start", 0);
  int64_t end = importer.intAttr(node, "end", rank);
  if (start < 0)
    start += rank;
  if (end < 0)
    end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  ConstTensor out;
  out.type = onnx::TensorProto::INT64;
  out.shape = {end - start};
  for (int64_t d = start; d < end; ++d) {
    if (d > 0 && ShapedType::isDynamic(dims[d]))
      return error("the shape of input 0 has a dynamic dimension " +
                   std::to_string(d) + " besides the batch");
    out.values.push_back(d == 0 ? 1.0 : double(dims[d]));
    out.batch.push_back(d == 0);
  }
  return done(std::move(out));
}

LogicalResult Folder::elementwise() {
  const std::string &op = node.op_type();
  if (failed(noBatch()))
    return failure();
  bool unary = op == "Sqrt" || op == "Neg" || op == "Reciprocal" || op == "Abs";
  if (int(inputs.size()) != (unary ? 1 : 2) ||
      llvm::is_contained(inputs, nullptr))
    return error(op + " needs " + (unary ? "one input" : "two inputs"));
  const ConstTensor &a = *inputs[0];
  const ConstTensor &b = unary ? a : *inputs[1];
  // numpy broadcasting
  size_t rank = std::max(a.shape.size(), b.shape.size());
  std::vector<int64_t> shape(rank);
  for (size_t d = 0; d < rank; ++d) {
    int64_t da =
        d + a.shape.size() >= rank ? a.shape[d + a.shape.size() - rank] : 1;
    int64_t db =
        d + b.shape.size() >= rank ? b.shape[d + b.shape.size() - rank] : 1;
    if (da != db && da != 1 && db != 1)
      return error("shapes do not broadcast");
    shape[d] = da == 1 ? db : da;
  }
  std::vector<int64_t> fromA = broadcastSources(a.shape, shape),
                       fromB = broadcastSources(b.shape, shape);
  ConstTensor out;
  out.shape = shape;
  out.type = a.type;
  for (size_t index = 0; index < fromA.size(); ++index) {
    int64_t ia = fromA[index], ib = fromB[index];
    double x = a.values[ia], y = b.values[ib], r = 0;
    if (op == "Add")
      r = x + y;
    else if (op == "Sub")
      r = x - y;
    else if (op == "Mul")
      r = x * y;
    else if (op == "Div") {
      if (!isFloatType(out.type) && y == 0)
        return error("integer division by zero");
      r = x / y;
    } else if (op == "Pow")
      r = std::pow(x, y);
    else if (op == "Sqrt")
      r = std::sqrt(x);
    else if (op == "Neg")
      r = -x;
    else if (op == "Reciprocal")
      r = 1.0 / x;
    else if (op == "Abs")
      r = std::fabs(x);
    out.values.push_back(storeAs(out.type, r));
  }
  return done(std::move(out));
}

LogicalResult Folder::transpose() {
  const ConstTensor &in = *input(0);
  int64_t rank = int64_t(in.shape.size());
  std::vector<int64_t> perm = importer.intsAttr(node, "perm");
  if (perm.empty())
    for (int64_t d = rank - 1; d >= 0; --d)
      perm.push_back(d);
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  if (int64_t(perm.size()) != rank || sorted != Importer::identity(rank))
    return error("perm is not a permutation of the " + std::to_string(rank) +
                 " dimensions");
  std::vector<int64_t> shape;
  for (int64_t d : perm)
    shape.push_back(in.shape[d]);
  std::vector<Source> sources;
  for (int64_t source : permutationSources(in.shape, perm))
    sources.push_back({0, source});
  ConstTensor out = moved({&in}, shape, sources);
  if (in.quantizer) {
    // The bits broadcast against the values: a scalar stays, a full-rank
    // array moves with them.
    ConstTensor::Quantizer quantizer = *in.quantizer;
    if (!quantizer.bitsShape.empty() && product(quantizer.bitsShape) != 1) {
      if (int64_t(quantizer.bitsShape.size()) != rank)
        return error("a quantized constant's bits must have the rank of "
                     "its values to be transposed");
      std::vector<int64_t> bits;
      for (int64_t source : permutationSources(quantizer.bitsShape, perm))
        bits.push_back(quantizer.bits[source]);
      std::vector<int64_t> bitsShape;
      for (int64_t d : perm)
        bitsShape.push_back(quantizer.bitsShape[d]);
      quantizer.bitsShape = bitsShape;
      quantizer.bits = bits;
    }
    out.quantizer = quantizer;
  }
  return done(std::move(out));
}

LogicalResult Folder::reshape(std::vector<int64_t> target) {
  const ConstTensor &in = *input(0);
  bool allowZero =
      importer.opset("") >= 14 && importer.intAttr(node, "allowzero", 0) != 0;
  int64_t known = 1, inferred = -1;
  for (size_t d = 0; d < target.size(); ++d) {
    if (target[d] == 0 && !allowZero) {
      if (d >= in.shape.size())
        return error("shape entry " + std::to_string(d) +
                     " copies a dimension that does not exist");
      target[d] = in.shape[d];
    }
    if (target[d] == -1) {
      if (inferred >= 0)
        return error("more than one -1 in the shape");
      inferred = int64_t(d);
    } else if (target[d] < 0) {
      return error("shape entry " + std::to_string(d) + " is " +
                   std::to_string(target[d]));
    } else {
      known *= target[d];
    }
  }
  if (inferred >= 0) {
    if (known == 0 || in.size() % known != 0)
      return error("cannot infer the -1 dimension");
    target[inferred] = in.size() / known;
  }
  if (product(target) != in.size())
    return error("the target shape does not hold the " +
                 std::to_string(in.size()) + " elements");
  ConstTensor out = valuesOf(*input(0));
  out.shape = target;
  return done(std::move(out));
}

LogicalResult Folder::unsqueeze() {
  std::optional<std::vector<int64_t>> axes = ints(1, "axes");
  if (!axes)
    return error("Unsqueeze needs axes");
  ConstTensor out = valuesOf(*input(0));
  int64_t rank = int64_t(out.shape.size() + axes->size());
  for (int64_t &axis : *axes)
    if (axis < 0)
      axis += rank;
  std::sort(axes->begin(), axes->end());
  for (int64_t axis : *axes) {
    if (axis < 0 || axis > int64_t(out.shape.size()))
      return error("axis out of range");
    out.shape.insert(out.shape.begin() + axis, 1);
  }
  return done(std::move(out));
}

LogicalResult Folder::squeeze() {
  ConstTensor out = valuesOf(*input(0));
  int64_t rank = int64_t(out.shape.size());
  std::optional<std::vector<int64_t>> axes = ints(1, "axes");
  std::vector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    bool listed = !axes;
    if (axes)
      for (int64_t axis : *axes)
        listed |= (axis < 0 ? axis + rank : axis) == d;
    if (listed && out.shape[d] == 1)
      continue;
    if (listed && axes)
      return error("dimension " + std::to_string(d) + " has size " +
                   std::to_string(out.shape[d]) + ", not 1");
    shape.push_back(out.shape[d]);
  }
  out.shape = shape;
  return done(std::move(out));
}

LogicalResult Folder::concat() {
  if (llvm::is_contained(inputs, nullptr))
    return error("an input is missing");
  int64_t rank = int64_t(inputs.front()->shape.size());
  int64_t axis = importer.intAttr(node, "axis", 0);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return error("axis out of range");
  std::vector<int64_t> shape = inputs.front()->shape;
  shape[axis] = 0;
  for (const ConstTensor *in : inputs) {
    if (int64_t(in->shape.size()) != rank)
      return error("inputs of different ranks");
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && in->shape[d] != inputs.front()->shape[d])
        return error("inputs differ outside the axis");
    shape[axis] += in->shape[axis];
  }
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= shape[d];
  std::vector<Source> sources;
  for (int64_t o = 0; o < outer; ++o)
    for (size_t which = 0; which < inputs.size(); ++which) {
      int64_t length = inputs[which]->shape[axis];
      for (int64_t index = 0; index < length * inner; ++index)
        sources.push_back({int(which), o * length * inner + index});
    }
  return done(moved(inputs, shape, sources));
}

LogicalResult Folder::gatherOp() {
  if (!input(1))
    return error("Gather needs indices");
  const ConstTensor &data = *input(0), &indices = *input(1);
  if (llvm::is_contained(indices.batch, true))
    return error("indexing with the batch size, which stays symbolic");
  int64_t rank = int64_t(data.shape.size());
  int64_t axis = importer.intAttr(node, "axis", 0);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return error("axis out of range");
  std::vector<int64_t> shape(data.shape.begin(), data.shape.begin() + axis);
  shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
  shape.insert(shape.end(), data.shape.begin() + axis + 1, data.shape.end());
  int64_t outer = 1, inner = 1, length = data.shape[axis];
  for (int64_t d = 0; d < axis; ++d)
    outer *= data.shape[d];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= data.shape[d];
  std::vector<Source> sources;
  for (int64_t o = 0; o < outer; ++o)
    for (double value : indices.values) {
      int64_t index = int64_t(value);
      if (index < 0)
        index += length;
      if (index < 0 || index >= length)
        return error("index " + std::to_string(int64_t(value)) +
                     " is out of range");
      for (int64_t i = 0; i < inner; ++i)
        sources.push_back({0, (o * length + index) * inner + i});
    }
  return done(moved({&data}, shape, sources));
}

LogicalResult Folder::slice() {
  const ConstTensor &data = *input(0);
  int64_t rank = int64_t(data.shape.size());
  std::optional<std::vector<int64_t>> starts = ints(1, "starts"),
                                      ends = ints(2, "ends"),
                                      axes = ints(3, "axes"),
                                      steps = ints(4, "steps");
  if (!starts || !ends || starts->size() != ends->size())
    return error("Slice needs starts and ends of one length");
  if (!axes) {
    axes.emplace();
    for (size_t d = 0; d < starts->size(); ++d)
      axes->push_back(int64_t(d));
  }
  if (!steps)
    steps.emplace(starts->size(), 1);
  std::vector<int64_t> begin(rank, 0), step(rank, 1), shape = data.shape;
  for (size_t k = 0; k < axes->size(); ++k) {
    int64_t axis = (*axes)[k] < 0 ? (*axes)[k] + rank : (*axes)[k];
    if (axis < 0 || axis >= rank || (*steps)[k] == 0)
      return error("axis or step out of range");
    int64_t dim = data.shape[axis], s = (*steps)[k];
    int64_t first = (*starts)[k], last = (*ends)[k];
    if (first < 0)
      first += dim;
    if (last < 0)
      last += dim;
    if (s > 0) {
      first = std::clamp<int64_t>(first, 0, dim);
      last = std::clamp<int64_t>(last, 0, dim);
      shape[axis] = std::max<int64_t>(0, (last - first + s - 1) / s);
    } else {
      first = std::clamp<int64_t>(first, 0, dim - 1);
      last = std::clamp<int64_t>(last, -1, dim - 1);
      shape[axis] = std::max<int64_t>(0, (first - last - s - 1) / -s);
    }
    begin[axis] = first;
    step[axis] = s;
  }
  std::vector<int64_t> strides = stridesOf(data.shape);
  std::vector<Source> sources;
  std::vector<int64_t> position(rank, 0);
  for (int64_t index = 0; index < product(shape); ++index) {
    int64_t source = 0;
    for (int64_t d = 0; d < rank; ++d)
      source += (begin[d] + position[d] * step[d]) * strides[d];
    sources.push_back({0, source});
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++position[d] < shape[d])
        break;
      position[d] = 0;
    }
  }
  return done(moved({&data}, shape, sources));
}

LogicalResult Folder::cast() {
  ConstTensor out = valuesOf(*input(0));
  int32_t to = int32_t(importer.intAttr(node, "to", onnx::TensorProto::FLOAT));
  if (to == onnx::TensorProto::STRING)
    return error("casts to strings are not supported");
  out.type = to;
  for (double &value : out.values)
    value =
        to == onnx::TensorProto::BOOL ? double(value != 0) : storeAs(to, value);
  return done(std::move(out));
}

LogicalResult Folder::constantOfShape() {
  const ConstTensor &shapeInput = *input(0);
  if (llvm::is_contained(shapeInput.batch, true))
    return error("a constant of the batch size's shape");
  ConstTensor out;
  for (double dim : shapeInput.values)
    out.shape.push_back(int64_t(dim));
  double fill = 0;
  if (const onnx::AttributeProto *value = importer.attribute(node, "value")) {
    ConstTensor element;
    std::string message;
    if (!decodeTensor(value->t(), element, message))
      return error(message);
    if (element.values.size() != 1)
      return error("value must hold one element");
    fill = element.values[0];
    out.type = element.type;
  }
  if (llvm::any_of(out.shape, [](int64_t dim) { return dim < 0; }))
    return error("a negative dimension");
  out.values.assign(product(out.shape), fill);
  return done(std::move(out));
}

} // namespace

std::optional<LogicalResult> foldConstantNode(Importer &importer,
                                              const onnx::NodeProto &node) {
  return Folder(importer, node).fold();
}

} // namespace hgq::onnx_import
