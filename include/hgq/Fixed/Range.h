//===- Range.h - Integer bits from recorded ranges --------------*- C++ -*-===//
//
// semantics.md section 2 (trace_minmax: cover factor, both integer-bit rules,
// the clip and dead elements), the weight span of section 3, and the per-tensor
// collapse of section 4.5. All of it exact, on dyadic values.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_FIXED_RANGE_H
#define HGQ_FIXED_RANGE_H

#include "hgq/Fixed/Fixed.h"

#include <cstddef>
#include <optional>

namespace hgq::fixed {

/// Which rule derives integer bits from a range.
enum class RangeRule : uint8_t {
  General,      ///< i = max(ceil(log2|min|), ceil(log2(max + 2^-f))), k = min<0
  PositiveOnly, ///< ReLU layers: i = floor(log2(max(max,0))) + 1, k = 0
};

/// Clip applied to the derived integer bits (HGQ clips to [-f-k, 32]).
constexpr int kMaxIntegerBits = 32;

/// The format that covers [min, max] at `fractionalBits` under `rule`, clipped
/// to [-f-k, kMaxIntegerBits]; a zero-width result is the dead format (0,0,0).
/// `min` and `max` must be finite. Fails (nullopt) only when an exact
/// intermediate would need more than 126 bits.
std::optional<Format> formatFromRange(double min, double max,
                                      int fractionalBits, RangeRule rule);

/// trace_minmax's cover factor: mid +- half*coverFactor, each end rounded to
/// `fractionalBits` with `rounding`. The product with the cover factor is
/// computed in double precision before the exact rounding.
struct Range {
  double min = 0.0;
  double max = 0.0;
};
std::optional<Range> applyCoverFactor(Range range, double coverFactor,
                                      int fractionalBits, Rounding rounding);

/// Bits from the most to the least significant set bit of |value| (sign
/// excluded; 0 for zero). 0.75 -> 2, 4 -> 1, 5.125 -> 6. Requires a finite
/// value.
int weightSpan(double value);

/// The fractional bits at which a finite non-zero value is exact with an odd
/// mantissa (0.75 -> 2, 4 -> -2). Zero has no set bit: nullopt.
std::optional<int> lowestSetBitFractional(double value);

/// The smallest format holding every one of `values` exactly (weight_t,
/// bias_t, table_t of semantics.md 4.5). No clip on the integer bits.
std::optional<Format> minimalContainer(const double *values, size_t count);

/// Per-tensor collapse of heterogeneous formats (semantics.md 4.5): max k,
/// max i and max f, each taken independently over the live elements. All dead
/// gives the dead format.
Format collapse(const Format *formats, size_t count);

} // namespace hgq::fixed

#endif // HGQ_FIXED_RANGE_H
