//===- Hls4ml.h - The hls4ml document writer --------------------*- C++ -*-===//
//
// `hgq-translate --emit-hls4ml`: a proxy-level model as the hls4ml document
// (JSON, docs/hls4ml-format.md). The reader is hgq/Import/Hls4mlImporter.h.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_TARGET_HLS4ML_H
#define HGQ_TARGET_HLS4ML_H

#include "hgq/Dialect/HGQ.h"
#include "hgq/Target/Translation.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace hgq {
namespace hls4ml {
/// The schema name both the writer and the reader check.
inline constexpr const char *kSchema = "hgq-hls4ml/1";

/// hls4ml's precision string of a format, `fixed<W,I,RND,SAT>`.
std::string precisionString(fixed::Format format, RoundingMode rounding,
                            OverflowMode overflow);
} // namespace hls4ml

/// The document with the hardware settings of hgq-translate's command line.
mlir::LogicalResult emitHls4ml(mlir::ModuleOp module, llvm::raw_ostream &os);
/// The document with the given hardware settings (io type, reuse factor,
/// strategy; the io type the proxy was converted for unless `ioTypeGiven`).
mlir::LogicalResult emitHls4ml(mlir::ModuleOp module, llvm::raw_ostream &os,
                               const HardwareOptions &hardware);

/// Registers --emit-hls4ml.
void registerHls4mlExportTranslation();

} // namespace hgq

#endif // HGQ_TARGET_HLS4ML_H
