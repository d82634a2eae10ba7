//===- FormatReport.h - JSON report of every quantization point -*- C++ -*-===//

#ifndef HGQ_TARGET_FORMATREPORT_H
#define HGQ_TARGET_FORMATREPORT_H

#include "mlir/Support/LLVM.h"

namespace mlir {
class Operation;
} // namespace mlir

namespace hgq {
/// Writes, as JSON, each quantization point of `op` (proxy formats and HGQ
/// quantizers): where it is, its per-element width statistics, and the
/// per-tensor collapsed format of semantics.md 4.5.
mlir::LogicalResult emitFormatReport(mlir::Operation *op,
                                     llvm::raw_ostream &os);
/// Registers `--hgq-format-report` with mlir-translate.
void registerFormatReportTranslation();
} // namespace hgq

#endif // HGQ_TARGET_FORMATREPORT_H
