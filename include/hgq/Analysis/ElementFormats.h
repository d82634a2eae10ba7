//===- ElementFormats.h - Exact per-element formats of proxy IR -*- C++ -*-===//
//
// At proxy level every element of every fixed-point value has an exact
// format: the quantizers state theirs, and every other op's result follows
// from its inputs (the interval of a sum, the hull of a max, a copy). This is
// the one place that works them out; the HLS emitter declares its arrays and
// accumulators with them, and hgq-to-proxy collapses them into the per-layer
// types of the hls4ml document (result_t, accum_t).
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_ANALYSIS_ELEMENTFORMATS_H
#define HGQ_ANALYSIS_ELEMENTFORMATS_H

#include "hgq/Fixed/Interval.h"
#include "hgq/Fixed/LinearSums.h"

#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hgq {

class LayerOpInterface;

/// One term of a dense or convolution output (lib/Fixed/LinearSums).
using LinearTerm = fixed::LinearTerm;

/// A dense or convolution layer's kernel and bias as doubles (the bias empty
/// when it has none), read once for the functions below.
struct LinearConstants {
  std::vector<double> kernel, bias;
};
LinearConstants linearConstants(LayerOpInterface op);

/// The terms of each output element of a dense or convolution layer, in
/// summation order, without those whose weight is zero or whose input element
/// is dead (`skipped` counts them).
std::vector<std::vector<LinearTerm>>
linearTerms(LayerOpInterface op, const LinearConstants &constants,
            llvm::ArrayRef<fixed::Format> inputs, int64_t &skipped);

/// The exact sums of a dense or convolution layer: each output's format (the
/// interval of the whole sum, bias included), each output's accumulator (the
/// hull of all its partial sums), and the hull over every output of the sums
/// without the bias. Failure when 126 bits do not hold them.
using LinearSums = fixed::LinearSumFormats;
mlir::FailureOr<LinearSums>
linearSums(LayerOpInterface op, const LinearConstants &constants,
           llvm::ArrayRef<fixed::Format> inputs,
           const std::vector<std::vector<LinearTerm>> &terms);

/// The window of each output element of a max or average pooling (its
/// non-padded input cells), the format of its partial sums (average), the
/// shift that divides by the cell count (a power of two), and its format.
struct PoolWindow {
  std::vector<int64_t> cells;
  fixed::Format partialSums;
  int shift = 0;
  fixed::Format output;
};
mlir::FailureOr<std::vector<PoolWindow>>
poolWindows(mlir::Operation *pool, llvm::ArrayRef<fixed::Format> inputs);

/// Where each output element of a data-movement op (reshape, flatten,
/// transpose, concat, a linear activation) comes from: (operand, element).
/// Empty for other ops.
std::vector<std::pair<int, int64_t>> elementSources(mlir::Operation *op);

/// The formats of the elements of proxy-level values, worked out on demand
/// and kept.
class ElementFormats {
public:
  /// The formats of `value`'s elements (one sample, row-major), or failure
  /// when it has none: a function argument, a float op (batchnorm, rescale,
  /// an activation without a fixed-point algorithm), a layer-level op, or a
  /// width past 126 bits. `error()` then says why.
  mlir::FailureOr<llvm::ArrayRef<fixed::Format>> of(mlir::Value value);
  const std::string &error() const { return lastError; }
  /// Records formats worked out elsewhere from the same definitions (the
  /// HLS emitter's input ports, a layer whose sums it computed anyway).
  void record(mlir::Value value, std::vector<fixed::Format> formats) {
    known[value] = std::move(formats);
  }

private:
  mlir::FailureOr<std::vector<fixed::Format>> compute(mlir::Value value);
  llvm::DenseMap<mlir::Value, std::vector<fixed::Format>> known;
  std::string lastError;
};

/// hls4ml's per-tensor types of an op (semantics.md 4.5) from the exact
/// element formats: `result` of an op without a quantizer of its own (the
/// collapse of its elements' formats); of a dense or convolution `weight`
/// and `bias` (the smallest containers of the constants' values) and
/// `accum` from the collapse of its input, whatever produces it. Unset where
/// there is no fixed-point value or every element is dead or zero; `accum`
/// is also unset (with `accumTooWide`) when 126 bits do not hold it.
struct PerTensorTypes {
  std::optional<fixed::Format> result, weight, bias, accum;
  bool accumTooWide = false;
};
PerTensorTypes perTensorTypes(mlir::Operation *op, ElementFormats &formats);

/// Records the per-tensor types as `hgq.result_t` / `hgq.accum_t` on every
/// op of each function under `root` that is a proxy (a function with a
/// layer-level op, or without any proxy-level op such as a float model, is
/// left alone), keeping types already recorded. hgq-to-proxy and the model
/// readers call it, so that every proxy carries the types the hls4ml document
/// states.
void recordPerTensorTypes(mlir::Operation *root);

} // namespace hgq

#endif // HGQ_ANALYSIS_ELEMENTFORMATS_H
