//===- Interval.h - Exact value intervals of fixed-point data ---*- C++ -*-===//
//
// The range a fixed-point value can take, [low, high] * 2^-fractionalBits,
// held exactly in 128-bit integers. It sizes accumulators: the interval of a
// sum of products of formats and constants, every partial sum included, gives
// the narrowest format that never overflows (what the HLS emitter declares).
// Every operation refuses (nullopt) rather than round when 126 bits do not
// hold the result.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_FIXED_INTERVAL_H
#define HGQ_FIXED_INTERVAL_H

#include "hgq/Fixed/Fixed.h"

#include <optional>

namespace hgq::fixed {

struct Interval {
  __int128 low = 0, high = 0;
  int fractionalBits = 0;

  /// Every value of a format (a dead format: exactly 0).
  static Interval of(Format format);
  /// A constant (finite double) at its smallest fractional bits.
  static std::optional<Interval> constant(double value);

  bool isZero() const { return low == 0 && high == 0; }
  /// The same interval at `fractionalBits` (never fewer than it has).
  std::optional<Interval> at(int fractionalBits) const;
  /// The smallest format that holds every value of the interval with its
  /// fractional bits: a dead format for [0, 0].
  Format format() const;
};

/// Exact interval arithmetic; nullopt when 126 bits are not enough.
std::optional<Interval> add(const Interval &lhs, const Interval &rhs);
std::optional<Interval> multiply(const Interval &lhs, const Interval &rhs);
/// The smallest interval holding both.
std::optional<Interval> hull(const Interval &lhs, const Interval &rhs);

/// hls4ml's per-layer accumulator type (`accum_t`, semantics.md 4.5) of a
/// dense or convolution layer: every element of the input in the per-tensor
/// format `input`, the `kernel` (row-major, the output channel last, `outputs`
/// of them) and the optional `bias` (one per output). Fractional bits: the
/// input's plus the weights' container's, at least the bias container's;
/// signed when the input or any constant is; integer bits: the smallest I
/// with 2^I >= max over outputs of (|bias| + sum |w| 2^i_input) + one LSB.
/// Computed exactly; nullopt when 126 bits do not hold it.
std::optional<Format> accumulatorFormat(Format input, const double *kernel,
                                        size_t kernelCount, int64_t outputs,
                                        const double *bias, size_t biasCount);

template <typename Container>
std::optional<Format> accumulatorFormat(Format input, const Container &kernel,
                                        int64_t outputs,
                                        const Container &bias) {
  return accumulatorFormat(input, kernel.data(), kernel.size(), outputs,
                           bias.data(), bias.size());
}

} // namespace hgq::fixed

#endif // HGQ_FIXED_INTERVAL_H
