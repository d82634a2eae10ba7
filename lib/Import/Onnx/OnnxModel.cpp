//===- OnnxModel.cpp - Loading and checking ONNX models -------------------===//
//
// Compiled with exceptions: the ONNX checker and shape inference throw.
//
//===----------------------------------------------------------------------===//

#include "hgq/Import/OnnxModel.h"

#include "onnx/checker.h"
#include "onnx/defs/schema.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

namespace hgq::onnx_import {

bool isQonnxDomain(const std::string &domain) {
  return domain == "qonnx.custom_op.general" ||
         domain == "finn.custom_op.general" || domain == "onnx.brevitas" ||
         domain == "finn" || domain == "qonnx";
}

bool isHgqDomain(const std::string &domain) { return domain == "hgq"; }

namespace {

/// Declares every custom domain a node uses but the model does not import.
void declareCustomDomains(onnx::ModelProto &model) {
  std::set<std::string> declared;
  for (const auto &opset : model.opset_import())
    declared.insert(opset.domain());
  auto visit = [&](const onnx::NodeProto &node) {
    const std::string &domain = node.domain();
    if (domain.empty() || domain == "ai.onnx" || declared.count(domain))
      return;
    for (const auto &function : model.functions())
      if (function.domain() == domain)
        return;
    auto *opset = model.add_opset_import();
    opset->set_domain(domain);
    opset->set_version(1);
    declared.insert(domain);
  };
  for (const auto &node : model.graph().node())
    visit(node);
  for (const auto &function : model.functions())
    for (const auto &node : function.node())
      visit(node);
}

/// Replaces every call of a model-local function by its body, recursively,
/// with tensors renamed under the calling node and node names kept as
/// "caller/inner" so diagnostics still name the original node.
bool inlineFunctions(onnx::ModelProto &model, std::string &error) {
  if (model.functions_size() == 0)
    return true;
  std::map<std::pair<std::string, std::string>, const onnx::FunctionProto *>
      functions;
  for (const auto &function : model.functions())
    functions[{function.domain(), function.name()}] = &function;

  auto callee =
      [&](const onnx::NodeProto &node) -> const onnx::FunctionProto * {
    auto found = functions.find({node.domain(), node.op_type()});
    return found == functions.end() ? nullptr : found->second;
  };

  // Before anything is copied: how many nodes each function becomes once
  // inlined (saturating), found depth-first. A function met again on the
  // current path calls itself, however indirectly; without recursion a body
  // can still call another function twice, which calls another twice, and
  // so on, so the total is bounded as well. Names are scoped by their
  // callers, so they grow with the depth of the calls: the bytes the copies
  // take are bounded too, while they are made.
  constexpr uint64_t kMaxInlinedNodes = uint64_t(1) << 20;
  constexpr uint64_t kMaxInlinedBytes = uint64_t(128) << 20;
  std::map<const onnx::FunctionProto *, uint64_t> inlinedSize;
  std::vector<const onnx::FunctionProto *> path;
  std::function<bool(const onnx::FunctionProto &)> measure =
      [&](const onnx::FunctionProto &function) -> bool {
    if (inlinedSize.count(&function))
      return true;
    if (std::find(path.begin(), path.end(), &function) != path.end()) {
      std::string cycle;
      for (auto it = std::find(path.begin(), path.end(), &function);
           it != path.end(); ++it)
        cycle += (*it)->name() + " -> ";
      error = "function '" + function.name() +
              "' calls itself (recursion: " + cycle + function.name() + ")";
      return false;
    }
    path.push_back(&function);
    uint64_t size = 0;
    for (const auto &inner : function.node()) {
      const onnx::FunctionProto *called = callee(inner);
      if (called && !measure(*called))
        return false;
      size = std::min(kMaxInlinedNodes + 1,
                      size + (called ? inlinedSize[called] : 1));
    }
    path.pop_back();
    inlinedSize[&function] = size;
    return true;
  };
  uint64_t total = 0;
  for (const auto &node : model.graph().node()) {
    const onnx::FunctionProto *called = callee(node);
    if (called && !measure(*called))
      return false;
    total = std::min(kMaxInlinedNodes + 1,
                     total + (called ? inlinedSize[called] : 1));
  }
  if (total > kMaxInlinedNodes) {
    error = "inlining the model-local functions gives more than " +
            std::to_string(kMaxInlinedNodes) + " nodes";
    return false;
  }

  uint64_t inlinedBytes = 0;
  // A copy's name is already scoped by its callers ("call/inner"), so the
  // calls it makes are scoped by that name alone.
  std::function<bool(const onnx::NodeProto &, bool,
                     std::vector<onnx::NodeProto> &)>
      expand = [&](const onnx::NodeProto &node, bool inlined,
                   std::vector<onnx::NodeProto> &out) -> bool {
    const onnx::FunctionProto *called = callee(node);
    if (!called) {
      if (inlined) {
        inlinedBytes += node.ByteSizeLong();
        if (inlinedBytes > kMaxInlinedBytes) {
          error = "inlining the model-local functions gives more than " +
                  std::to_string(kMaxInlinedBytes >> 20) +
                  " MiB of nodes (at node '" + node.name().substr(0, 200) +
                  (node.name().size() > 200 ? "...'" : "'") + ")";
          return false;
        }
      }
      out.push_back(node);
      return true;
    }
    const onnx::FunctionProto &function = *called;
    std::string scope = node.name().empty() ? node.op_type() : node.name();
    std::map<std::string, std::string> rename;
    for (int index = 0; index < function.input_size(); ++index)
      rename[function.input(index)] =
          index < node.input_size() ? node.input(index) : "";
    for (int index = 0; index < function.output_size(); ++index)
      if (index < node.output_size())
        rename[function.output(index)] = node.output(index);
    std::map<std::string, const onnx::AttributeProto *> attributes;
    for (const auto &attribute : node.attribute())
      attributes[attribute.name()] = &attribute;
    for (const auto &inner : function.node()) {
      onnx::NodeProto copy = inner;
      copy.set_name(scope + "/" +
                    (inner.name().empty() ? inner.op_type() : inner.name()));
      auto mapName = [&](const std::string &name) {
        if (name.empty())
          return name;
        auto it = rename.find(name);
        if (it != rename.end())
          return it->second;
        std::string fresh = scope + "/" + name;
        rename[name] = fresh;
        return fresh;
      };
      for (int index = 0; index < copy.input_size(); ++index)
        copy.set_input(index, mapName(copy.input(index)));
      for (int index = 0; index < copy.output_size(); ++index)
        copy.set_output(index, mapName(copy.output(index)));
      // Attribute references (ref_attr_name) take the caller's values.
      for (auto &attribute : *copy.mutable_attribute()) {
        if (attribute.ref_attr_name().empty())
          continue;
        auto value = attributes.find(attribute.ref_attr_name());
        if (value == attributes.end()) {
          error = "function '" + function.name() + "' needs attribute '" +
                  attribute.ref_attr_name() + "' that node '" + node.name() +
                  "' does not give";
          return false;
        }
        std::string name = attribute.name();
        attribute = *value->second;
        attribute.set_name(name);
      }
      if (!expand(copy, true, out))
        return false;
    }
    return true;
  };

  std::vector<onnx::NodeProto> nodes;
  for (const auto &node : model.graph().node())
    if (!expand(node, false, nodes))
      return false;
  auto *graph = model.mutable_graph();
  graph->clear_node();
  for (auto &node : nodes)
    *graph->add_node() = std::move(node);
  model.clear_functions();
  return true;
}

/// Reads every external-data tensor (initializers and Constant values) from
/// its file next to the model and stores it inline, so the checker and the
/// importer see one self-contained model.
bool internalizeExternalData(onnx::ModelProto &model, const std::string &path,
                             std::string &error) {
  std::filesystem::path directory = std::filesystem::path(path).parent_path();
  auto load = [&](onnx::TensorProto &tensor) {
    if (tensor.data_location() != onnx::TensorProto::EXTERNAL)
      return true;
    std::string location;
    int64_t offset = 0, length = -1;
    auto number = [&](const std::string &field, const std::string &text,
                      int64_t &value) {
      value = 0;
      bool ok = !text.empty();
      for (char c : text)
        ok = ok && c >= '0' && c <= '9' &&
             !__builtin_mul_overflow(value, int64_t(10), &value) &&
             !__builtin_add_overflow(value, int64_t(c - '0'), &value);
      if (!ok)
        error = "external data of tensor '" + tensor.name() + "': " + field +
                " '" + text + "' is not a non-negative integer";
      return ok;
    };
    for (const auto &entry : tensor.external_data()) {
      if (entry.key() == "location")
        location = entry.value();
      else if (entry.key() == "offset" &&
               !number("offset", entry.value(), offset))
        return false;
      else if (entry.key() == "length" &&
               !number("length", entry.value(), length))
        return false;
    }
    // The data lives next to the model: a location may not be absolute or
    // climb out of the model's folder (ONNX's own rule), and must name a
    // regular file that holds offset + length bytes.
    std::filesystem::path relative(location);
    bool escapes = relative.is_absolute();
    for (const std::filesystem::path &part : relative)
      escapes = escapes || part == "..";
    if (location.empty() || escapes) {
      error = "external data '" + location + "' of tensor '" + tensor.name() +
              "' must be a file inside the model's folder";
      return false;
    }
    std::filesystem::path file = directory / relative;
    std::error_code code;
    bool regular = std::filesystem::is_regular_file(file, code);
    std::uintmax_t size = regular ? std::filesystem::file_size(file, code) : 0;
    std::ifstream in;
    if (regular && !code)
      in.open(file, std::ios::binary);
    if (!regular || code || !in) {
      error = "external data '" + location + "' of tensor '" + tensor.name() +
              "' cannot be opened as a file (looked for " + file.string() + ")";
      return false;
    }
    if (uint64_t(offset) > size ||
        (length >= 0 && uint64_t(length) > size - uint64_t(offset))) {
      error = "external data of tensor '" + tensor.name() + "' in " +
              file.string() + " is truncated: offset " +
              std::to_string(offset) + " and length " +
              (length < 0 ? std::string("(rest)") : std::to_string(length)) +
              " do not fit its " + std::to_string(size) + " bytes";
      return false;
    }
    in.seekg(offset);
    std::string bytes;
    if (length < 0) {
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    } else {
      bytes.resize(size_t(length));
      in.read(bytes.data(), length);
      if (!in) {
        error = "external data of tensor '" + tensor.name() + "' in " +
                file.string() + " is truncated";
        return false;
      }
    }
    tensor.set_raw_data(bytes);
    tensor.clear_external_data();
    tensor.set_data_location(onnx::TensorProto::DEFAULT);
    return true;
  };
  for (auto &tensor : *model.mutable_graph()->mutable_initializer())
    if (!load(tensor))
      return false;
  for (auto &node : *model.mutable_graph()->mutable_node())
    for (auto &attribute : *node.mutable_attribute())
      if (attribute.has_t() && !load(*attribute.mutable_t()))
        return false;
  return true;
}

/// Window attributes are checked before the ONNX library's shape inference
/// sees them: it divides by strides (a zero raises SIGFPE) and multiplies
/// kernel sizes, dilations and pads without overflow checks. Graph input
/// dimensions may not be negative.
bool checkWindowAttributes(const onnx::GraphProto &graph, std::string &error,
                           int depth = 0) {
  constexpr int64_t kLimit = int64_t(1) << 31;
  if (depth > 64) {
    error = "subgraphs are nested deeper than 64 levels";
    return false;
  }
  for (const auto &node : graph.node()) {
    for (const auto &attribute : node.attribute()) {
      if (attribute.has_g() &&
          !checkWindowAttributes(attribute.g(), error, depth + 1))
        return false;
      for (const auto &subgraph : attribute.graphs())
        if (!checkWindowAttributes(subgraph, error, depth + 1))
          return false;
      const std::string &name = attribute.name();
      bool positive =
          name == "strides" || name == "dilations" || name == "kernel_shape";
      if (!positive && name != "pads" && name != "output_padding")
        continue;
      for (int64_t value : attribute.ints()) {
        if ((positive ? value >= 1 : value >= 0) && value < kLimit)
          continue;
        error = "node '" + node.name() + "' (" + node.op_type() +
                "): attribute '" + name + "' holds " + std::to_string(value) +
                (positive ? "; it must be between 1 and 2^31"
                          : "; it must be between 0 and 2^31");
        return false;
      }
    }
  }
  return true;
}

bool checkShapeAttributes(const onnx::ModelProto &model, std::string &error) {
  if (!checkWindowAttributes(model.graph(), error))
    return false;
  for (const auto &input : model.graph().input())
    for (const auto &dim : input.type().tensor_type().shape().dim())
      if (dim.has_dim_value() && dim.dim_value() < 0) {
        error = "graph input '" + input.name() + "' has dimension " +
                std::to_string(dim.dim_value()) + ", which is negative";
        return false;
      }
  return true;
}

/// The ONNX library here (1.12) knows the standard domain up to opset 17;
/// newer models (up to 21, the contract) are checked against the newest
/// schemas it has. The importer's handlers still see the model's own
/// version, and refuse the attributes added since (e.g. block_size).
void clampOpsetsForChecker(onnx::ModelProto &model) {
  const auto &ranges =
      onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  for (auto &opset : *model.mutable_opset_import()) {
    std::string domain = opset.domain() == "ai.onnx" ? "" : opset.domain();
    auto known = ranges.find(domain);
    if (known != ranges.end() && opset.version() > known->second.second)
      opset.set_version(known->second.second);
  }
}

} // namespace

std::unique_ptr<onnx::ModelProto> loadModel(const std::string &path,
                                            const std::string &bytes,
                                            std::string &error) {
  auto model = std::make_unique<onnx::ModelProto>();
  if (!model->ParseFromString(bytes)) {
    error = path + ": not a valid ONNX model (the protobuf does not parse; "
                   "is the file truncated or of another format?)";
    return nullptr;
  }
  if (!model->has_graph()) {
    error = path + ": the ONNX model has no graph";
    return nullptr;
  }
  if (!internalizeExternalData(*model, path, error)) {
    error = path + ": " + error;
    return nullptr;
  }
  try {
    declareCustomDomains(*model);
    // Check a copy whose opsets the library knows; keep the model's own.
    onnx::ModelProto checkable = *model;
    clampOpsetsForChecker(checkable);
    onnx::checker::check_model(checkable);
    if (!inlineFunctions(*model, error) ||
        !checkShapeAttributes(*model, error)) {
      error = path + ": " + error;
      return nullptr;
    }
    onnx::ShapeInferenceOptions options{/*check_type=*/false,
                                        /*error_mode=*/0,
                                        /*enable_data_propagation=*/true};
    onnx::ModelProto inferable = *model;
    clampOpsetsForChecker(inferable);
    onnx::shape_inference::InferShapes(
        inferable, onnx::OpSchemaRegistry::Instance(), options);
    *model->mutable_graph() = inferable.graph();
  } catch (const std::exception &exception) {
    error = path + ": the ONNX checker rejects the model: " + exception.what();
    return nullptr;
  }
  return model;
}

bool checkModel(const onnx::ModelProto &model, std::string &error) {
  try {
    onnx::ModelProto checkable = model;
    clampOpsetsForChecker(checkable);
    onnx::checker::check_model(checkable);
  } catch (const std::exception &exception) {
    error = exception.what();
    return false;
  }
  return true;
}

} // namespace hgq::onnx_import
