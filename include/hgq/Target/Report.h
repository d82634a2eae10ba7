//===- Report.h - hgq-compile's report: where the bits went ----*- C++ -*-===//
//
// The figures of a compiled proxy model as one JSON document
// (`hgq-compile-report/1`, docs/report.md): the graph, per layer the element
// formats (min/median/max of k, i, f), the per-element widths of every
// quantizer and kernel, pruned weights, dead activations, the per-tensor HLS
// types, BOPs and EBOPs, overflow counts on the calibration data, the checks
// the driver ran and the totals. The Markdown and HTML pages are renderings
// of that document and show nothing it does not hold.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_TARGET_REPORT_H
#define HGQ_TARGET_REPORT_H

#include "mlir/Support/LLVM.h"
#include "llvm/Support/JSON.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mlir {
class Operation;
namespace func {
class FuncOp;
} // namespace func
} // namespace mlir

namespace hgq {

/// What the driver did and measured besides the model itself.
struct ReportRun {
  std::string model;       ///< the model file as given
  std::string calibration; ///< the calibration file, or empty
  int64_t samples = 0;     ///< calibration samples run through the proxy
  /// Elements each proxy quantizer's overflow mode changed on them.
  std::vector<std::pair<mlir::Operation *, int64_t>> overflows;
  /// The layer-level and the proxy model gave the same outputs (unset: not
  /// compared, e.g. the model was a proxy already).
  std::optional<bool> layerEqualsProxy;
  /// The HLS C simulation equals hgq-run bit for bit (unset: not run).
  std::optional<bool> csimEqual;
  std::string csimSummary;        ///< its last line, or why it did not run
  std::vector<std::string> files; ///< written, relative to the output folder
  /// Documents a format could not express (with a warning), not written.
  std::vector<std::string> skipped;
  std::vector<std::pair<std::string, double>> stageSeconds;
};

/// The report of the proxy function `proxy`; failure (after a diagnostic on
/// the op) when a figure cannot be worked out exactly.
mlir::FailureOr<llvm::json::Value> buildReport(mlir::func::FuncOp proxy,
                                               const ReportRun &run);

/// The report as Markdown (tables; heatmaps summarized, not drawn).
void writeReportMarkdown(const llvm::json::Value &report,
                         llvm::raw_ostream &os);
/// The report as one self-contained HTML page: inline SVG for the graph and
/// the legends, inline PNG for the heatmaps; no network access needed.
void writeReportHtml(const llvm::json::Value &report, llvm::raw_ostream &os);

} // namespace hgq

#endif // HGQ_TARGET_REPORT_H
