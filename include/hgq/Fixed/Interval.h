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

} // namespace hgq::fixed

#endif // HGQ_FIXED_INTERVAL_H
