//===- EstimateBops.cpp - BOPs and EBOPs as attributes and a table --------===//

#include "hgq/Analysis/Bops.h"
#include "hgq/Dialect/HGQ.h"
#include "hgq/Support/OutputFile.h"
#include "hgq/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace hgq {
#define GEN_PASS_DEF_HGQESTIMATEBOPS
#include "dialects/hgq/HGQPasses.h.inc"
} // namespace hgq

using namespace mlir;
using namespace hgq;

namespace {

void writeJson(llvm::raw_ostream &os, ArrayRef<BopsReport> reports,
               ArrayRef<std::string> functions) {
  llvm::json::OStream json(os, 2);
  json.object([&] {
    json.attribute("schema", "hgq-bops/1");
    json.attributeArray("functions", [&] {
      for (auto [report, name] : llvm::zip(reports, functions))
        json.object([&] {
          json.attribute("function", name);
          json.attribute("ranges", report.calibrated ? "calibrated" : "free");
          json.attribute("total_bops", report.totalBops);
          json.attribute("total_ebops", report.totalEbops);
          json.attributeArray("layers", [&] {
            for (const LayerBops &layer : report.layers)
              json.object([&] {
                json.attribute("name", layer.name);
                json.attribute("kind", layer.kind);
                if (layer.bops)
                  json.attribute(layer.perPosition ? "bops_full_layer" : "bops",
                                 *layer.bops);
                if (layer.perPosition)
                  json.attribute("bops_per_position", *layer.perPosition);
                if (layer.ebops)
                  json.attribute("ebops", *layer.ebops);
                if (!layer.missing.empty())
                  json.attribute("missing", layer.missing);
              });
          });
        });
    });
  });
  os << "\n";
}

struct EstimateBopsPass
    : public hgq::impl::HGQEstimateBopsBase<EstimateBopsPass> {
  using HGQEstimateBopsBase::HGQEstimateBopsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    Builder builder(&getContext());
    std::vector<BopsReport> reports;
    std::vector<std::string> names;
    double totalBops = 0, totalEbops = 0;
    for (func::FuncOp function : module.getOps<func::FuncOp>()) {
      FailureOr<BopsReport> computed = computeBops(function);
      if (failed(computed))
        return signalPassFailure();
      BopsReport report = std::move(*computed);
      for (const LayerBops &layer : report.layers) {
        if (layer.bops)
          layer.op->setAttr(HGQDialect::BopsAttrHelper::getNameStr(),
                            builder.getF64FloatAttr(*layer.bops));
        if (layer.perPosition)
          layer.op->setAttr(HGQDialect::BopsPerPositionAttrHelper::getNameStr(),
                            builder.getF64FloatAttr(*layer.perPosition));
        if (layer.ebops)
          layer.op->setAttr(HGQDialect::EbopsAttrHelper::getNameStr(),
                            builder.getF64FloatAttr(*layer.ebops));
      }
      totalBops += report.totalBops;
      totalEbops += report.totalEbops;
      if (!quiet) {
        llvm::errs() << "@" << function.getSymName() << ": ";
        printBopsTable(report, llvm::errs());
      }
      reports.push_back(std::move(report));
      names.push_back(function.getSymName().str());
    }
    module->setAttr(HGQDialect::BopsTotalAttrHelper::getNameStr(),
                    builder.getF64FloatAttr(totalBops));
    module->setAttr(HGQDialect::EbopsTotalAttrHelper::getNameStr(),
                    builder.getF64FloatAttr(totalEbops));
    if (jsonPath.empty())
      return;
    // Written by the tool once the whole pipeline has succeeded (a later
    // pass that fails leaves the previous JSON as it was), whole or not at
    // all.
    std::string text;
    llvm::raw_string_ostream os(text);
    writeJson(os, reports, names);
    stageOutput(jsonPath, std::move(text));
  }
};

} // namespace
