//===- Report.cpp - The figures of a compiled proxy model as JSON ---------===//
//
// Everything here is read off the proxy IR with the analyses the emitters
// use (ElementFormats for the exact per-element formats, perTensorTypes for
// hls4ml's per-tensor types, computeBops for BOPs and EBOPs); the driver adds
// what it measured (overflow counts, checks, files). Read-only on the IR.
//
//===----------------------------------------------------------------------===//

#include "hgq/Target/Report.h"
#include "hgq/Analysis/Bops.h"
#include "hgq/Analysis/ElementFormats.h"
#include "hgq/Dialect/HGQ.h"
#include "hgq/Fixed/Interval.h"
#include "hgq/Fixed/Range.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>

using namespace mlir;
using namespace hgq;
namespace json = llvm::json;

namespace {

/// min, median (the lower one of an even count) and max of `values`.
json::Object spread(std::vector<int> values) {
  if (values.empty())
    return json::Object{};
  std::sort(values.begin(), values.end());
  return json::Object{{"min", values.front()},
                      {"median", values[(values.size() - 1) / 2]},
                      {"max", values.back()}};
}

json::Array shapeArray(ArrayRef<int64_t> shape) {
  json::Array array;
  for (int64_t dim : shape)
    array.push_back(dim);
  return array;
}

/// Statistics of per-element formats: widths (k + i + f), k, i and f over
/// the live elements, dead elements, total bits, and the widths themselves
/// when `withElements`.
json::Object formatStatistics(ArrayRef<fixed::Format> formats,
                              bool withElements) {
  std::vector<int> widths, keep, integers, fractionals;
  int64_t dead = 0, total = 0;
  json::Array elements;
  for (const fixed::Format &format : formats) {
    widths.push_back(format.width());
    total += format.width();
    if (withElements)
      elements.push_back(format.width());
    if (format.isDead()) {
      ++dead;
      continue;
    }
    keep.push_back(format.keepNegative);
    integers.push_back(format.integerBits);
    fractionals.push_back(format.fractionalBits);
  }
  json::Object stats{{"elements", int64_t(formats.size())},
                     {"dead", dead},
                     {"total_bits", total},
                     {"width", spread(widths)},
                     {"k", spread(keep)},
                     {"i", spread(integers)},
                     {"f", spread(fractionals)}};
  if (withElements)
    stats["widths"] = std::move(elements);
  return stats;
}

std::string typeText(const std::optional<fixed::Format> &format) {
  if (!format)
    return "";
  return format->isDead() ? std::string("dead") : format->str();
}

/// The short kind shown in the graph: "dense", "quantize", "activation".
std::string kindOf(Operation *op) {
  StringRef name = op->getName().getStringRef();
  name.consume_front("hgq.");
  return name.str();
}

} // namespace

FailureOr<json::Value> hgq::buildReport(func::FuncOp proxy,
                                        const ReportRun &run) {
  FailureOr<BopsReport> bops = computeBops(proxy);
  if (failed(bops))
    return failure();
  llvm::DenseMap<Operation *, const LayerBops *> bopsOf;
  for (const LayerBops &layer : bops->layers)
    bopsOf[layer.op] = &layer;
  llvm::DenseMap<Operation *, int64_t> overflowOf;
  int64_t overflowTotal = 0;
  for (auto [op, count] : run.overflows) {
    overflowOf[op] += count;
    overflowTotal += count;
  }

  ElementFormats formats;
  llvm::DenseMap<Value, std::string> nodeOf;
  json::Array nodes;
  for (BlockArgument argument : proxy.getArguments()) {
    std::string id = "input:" + argumentName(argument);
    nodeOf[argument] = id;
    auto type = cast<RankedTensorType>(argument.getType());
    nodes.push_back(
        json::Object{{"id", id},
                     {"name", argumentName(argument)},
                     {"op", "input"},
                     {"inputs", json::Array{}},
                     {"shape", shapeArray(type.getShape().drop_front())}});
  }

  int64_t weightCount = 0, biasCount = 0, pruned = 0, activationBits = 0,
          deadActivations = 0, quantizedActivations = 0;
  int index = 0;
  for (Operation &op : proxy.getBody().front()) {
    if (isa<func::ReturnOp>(op)) {
      json::Array outputs;
      for (Value value : op.getOperands())
        outputs.push_back(nodeOf.lookup(value));
      nodes.push_back(json::Object{{"id", "output"},
                                   {"name", "output"},
                                   {"op", "output"},
                                   {"inputs", std::move(outputs)},
                                   {"shape", json::Array{}}});
      continue;
    }
    std::string name = layerName(&op);
    std::string id =
        name.empty() ? kindOf(&op) + "_" + std::to_string(index) : name;
    ++index;
    json::Array inputs;
    for (Value operand : op.getOperands())
      inputs.push_back(nodeOf.lookup(operand));
    json::Object node{{"id", id},
                      {"name", name.empty() ? id : name},
                      {"op", kindOf(&op)},
                      {"inputs", std::move(inputs)}};
    if (op.getNumResults() == 1) {
      Value result = op.getResult(0);
      nodeOf[result] = id;
      if (auto type = dyn_cast<RankedTensorType>(result.getType()))
        node["shape"] = shapeArray(type.getShape().drop_front());
      bool quantizer = isa<QuantizeOp>(op);
      FailureOr<ArrayRef<fixed::Format>> elements = formats.of(result);
      if (succeeded(elements)) {
        node["output"] = formatStatistics(*elements, quantizer);
        if (quantizer) {
          for (const fixed::Format &format : *elements) {
            activationBits += format.width();
            deadActivations += format.isDead();
          }
          quantizedActivations += int64_t(elements->size());
        }
      } else {
        node["float"] = true; // no fixed-point value: a float op
      }
      if (quantizer) {
        node["quantizer"] = true;
        int64_t count = overflowOf.lookup(&op);
        node["overflows"] = count;
      }
    }
    if (auto layer = dyn_cast<LayerOpInterface>(&op)) {
      LinearConstants constants = linearConstants(layer);
      std::vector<fixed::Format> weights;
      int64_t zeros = 0;
      for (double weight : constants.kernel) {
        std::optional<fixed::Interval> value =
            fixed::Interval::constant(weight);
        if (!value) {
          op.emitError("report: a kernel value is not finite");
          return failure();
        }
        weights.push_back(value->format());
        zeros += weight == 0;
      }
      json::Object kernel = formatStatistics(weights, true);
      kernel["shape"] =
          shapeArray(cast<ShapedType>(layer.getKernel().getType()).getShape());
      kernel["pruned"] = zeros;
      node["kernel"] = std::move(kernel);
      weightCount += int64_t(constants.kernel.size());
      biasCount += int64_t(constants.bias.size());
      pruned += zeros;
    }
    PerTensorTypes types = perTensorTypes(&op, formats);
    json::Object hls;
    if (types.result)
      hls["result"] = typeText(types.result);
    if (types.weight)
      hls["weight"] = typeText(types.weight);
    if (types.bias)
      hls["bias"] = typeText(types.bias);
    if (types.accum)
      hls["accum"] = typeText(types.accum);
    if (types.accumTooWide)
      hls["accum"] = "wider than 126 bits";
    if (!hls.empty())
      node["hls_types"] = std::move(hls);
    if (const LayerBops *figures = bopsOf.lookup(&op)) {
      if (figures->bops)
        node["bops"] = *figures->bops;
      if (figures->ebops)
        node["ebops"] = *figures->ebops;
      if (!figures->missing.empty())
        node["bops_missing"] = figures->missing;
    }
    nodes.push_back(std::move(node));
  }

  json::Object totals{{"bops", bops->totalBops},
                      {"ebops", bops->totalEbops},
                      {"parameters", weightCount + biasCount},
                      {"weights", weightCount},
                      {"pruned_weights", pruned},
                      {"quantized_activations", quantizedActivations},
                      {"dead_activations", deadActivations},
                      {"activation_bits", activationBits},
                      {"overflows", overflowTotal}};
  json::Object checks;
  if (run.layerEqualsProxy)
    checks["layer_equals_proxy"] = *run.layerEqualsProxy;
  if (run.csimEqual)
    checks["csim_equals_hgq_run"] = *run.csimEqual;
  if (!run.csimSummary.empty())
    checks["csim"] = run.csimSummary;
  json::Array files;
  for (const std::string &file : run.files)
    files.push_back(file);
  json::Array skipped;
  for (const std::string &file : run.skipped)
    skipped.push_back(file);
  json::Object seconds;
  for (auto [stage, time] : run.stageSeconds)
    seconds[stage] = time;
  json::Object calibration{{"samples", run.samples}};
  if (!run.calibration.empty())
    calibration["path"] = run.calibration;
  return json::Value(json::Object{{"schema", "hgq-compile-report/1"},
                                  {"model", run.model},
                                  {"calibration", std::move(calibration)},
                                  {"totals", std::move(totals)},
                                  {"layers", std::move(nodes)},
                                  {"checks", std::move(checks)},
                                  {"files", std::move(files)},
                                  {"not_written", std::move(skipped)},
                                  {"seconds", std::move(seconds)}});
}
