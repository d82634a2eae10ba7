//===- Bops.h - BOPs and EBOPs of hgq IR ------------------------*- C++ -*-===//
//
// Walks a function, works out the width of every element of every tensor
// that has one (from traced quantizers and proxy formats, carried through
// shape ops and pooling), and computes the figures of semantics.md 3 with
// the numeric core. Shared by hgq-trace-minmax (which prints the table) and
// hgq-estimate-bops (which also records it).
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_ANALYSIS_BOPS_H
#define HGQ_ANALYSIS_BOPS_H

#include "mlir/Support/LLVM.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir {
class Operation;
namespace func {
class FuncOp;
} // namespace func
} // namespace mlir

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace hgq {

struct LayerBops {
  mlir::Operation *op = nullptr;
  std::string name;           ///< location name, or the op name with an index
  std::string kind;           ///< "dense", "conv", "add", "pool", "lut"
  std::optional<double> bops; ///< dense and conv (HGQ v0.2)
  std::optional<double>
      perPosition;             ///< conv: full * parallel_factor / positions
  std::optional<double> ebops; ///< HGQ2
  std::string missing;         ///< why a figure could not be computed
};

struct BopsReport {
  std::vector<LayerBops> layers;
  double totalBops = 0; ///< dense: bops; conv: HGQ's per-position figure
  double totalEbops = 0;
  bool calibrated = false; ///< ranges from hgq-trace-minmax
};

/// BOPs and EBOPs of every layer of `function`; fails (after a diagnostic)
/// on an hgq op the analysis has no rule for.
mlir::FailureOr<BopsReport> computeBops(mlir::func::FuncOp function);

/// An aligned table with the total, as trace_minmax prints it.
void printBopsTable(const BopsReport &report, llvm::raw_ostream &os);

} // namespace hgq

#endif // HGQ_ANALYSIS_BOPS_H
