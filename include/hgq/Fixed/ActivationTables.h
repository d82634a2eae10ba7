//===- ActivationTables.h - Fixed-point sigmoid, tanh, softmax --*- C++ -*-===//
//
// The meaning of sigmoid, tanh and softmax at proxy level, on fixed-point
// inputs (docs/activations.md): table algorithms defined on integers, so that
// the executor and the emitted HLS code compute the same bits. Tables are
// built here once and used by both.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_FIXED_ACTIVATIONTABLES_H
#define HGQ_FIXED_ACTIVATIONTABLES_H

#include "hgq/Fixed/Fixed.h"

#include <cstdint>
#include <vector>

namespace hgq::fixed {

/// Entries of every table: 17 fractional bits, rounded to nearest.
constexpr int kTableEntryFrac = 17;
/// Every table has 2^10 entries, indexed by a 10-bit unsigned integer.
constexpr int kTableIndexBits = 10;

/// Sigmoid or tanh: over [-2^rangeLog2, 2^rangeLog2) in 1024 steps,
/// index = clip(floor((x + 2^rangeLog2) * 2^(9 - rangeLog2)), 0, 1023),
/// entry i = fn(-2^rangeLog2 + (i + 1/2) * step) (the middle of the step),
/// rounded to 17 fractional bits. Sigmoid: rangeLog2 = 3, tanh: 2.
struct ElementwiseTable {
  int rangeLog2 = 0;
  std::vector<int64_t> entries; ///< mantissas at 17 fractional bits
  /// The index of x = mantissa * 2^-frac.
  int64_t index(int64_t mantissa, int frac) const;
};
ElementwiseTable sigmoidTable();
ElementwiseTable tanhTable();

/// Softmax over `length` values: d_j = max(x) - x_j; e_j = EXP[min(floor(d_j
/// * 2^6), 1023)] with EXP[i] = exp(-i / 64); S = sum e_j (S >= 1, since the
/// maximum's entry is exactly 1); r = RECIPROCAL[min(floor((S - 1) *
/// 2^reciprocalStepLog2), 1023)] with RECIPROCAL[k] = 1 / (1 + (k + 1/2) *
/// 2^-reciprocalStepLog2), reciprocalStepLog2 the largest t with
/// (length - 1) * 2^t <= 1024; y_j = e_j * r (34 fractional bits, exact).
/// Entries rounded to 17 fractional bits.
struct SoftmaxTables {
  static constexpr int kExpStepLog2 = 6;
  int reciprocalStepLog2 = 0;
  std::vector<int64_t> exp, reciprocal; ///< mantissas at 17 fractional bits
  /// y (mantissas at 34 fractional bits) of `count` inputs x = mantissa *
  /// 2^-frac, read at x[i * stride].
  void apply(const int64_t *x, int64_t count, int64_t stride, int frac,
             int64_t *y) const;
};
SoftmaxTables softmaxTables(int64_t length);

/// The smallest format that holds every entry of a table (mantissas at 17
/// fractional bits): the type the HLS code and the hls4ml document give it.
Format tableFormat(const std::vector<int64_t> &entries);

} // namespace hgq::fixed

#endif // HGQ_FIXED_ACTIVATIONTABLES_H
