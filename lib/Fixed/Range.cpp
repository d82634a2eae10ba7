//===- Range.cpp - Integer bits from ranges, spans, collapse --------------===//
//
// Logarithms are taken of exact dyadic values (odd mantissa times a power of
// two), so ceil/floor log2 are integer bit-width computations, never float
// approximations that could be off by one at powers of two.
//
//===----------------------------------------------------------------------===//

#include "hgq/Fixed/Range.h"

#include <algorithm>
#include <cmath>

namespace hgq::fixed {
namespace {

using U128 = unsigned __int128;

int bitWidth(U128 value) {
  int width = 0;
  while (value) {
    ++width;
    value >>= 1;
  }
  return width;
}

/// A positive dyadic value `mantissa * 2^-fractionalBits`.
struct Positive {
  U128 mantissa;
  int64_t fractionalBits;
};

int64_t ceilLog2(Positive value) {
  return bitWidth(value.mantissa - 1) - value.fractionalBits;
}

int64_t floorLog2(Positive value) {
  return bitWidth(value.mantissa) - 1 - value.fractionalBits;
}

/// |value| as a positive dyadic, or nullopt for zero.
std::optional<Positive> magnitudeOf(double value) {
  std::optional<Scaled<int64_t>> exact = exactFromDouble(value);
  if (!exact || exact->mantissa == 0)
    return std::nullopt;
  int64_t mantissa = exact->mantissa;
  return Positive{U128(mantissa < 0 ? -mantissa : mantissa),
                  exact->fractionalBits};
}

/// Outcome of an integer-bit rule: no constraint (log2 of nothing) or a bound.
struct Bound {
  bool failed = false;
  std::optional<int64_t> bits; ///< nullopt = -inf
};

/// max(ceil(log2|min|), ceil(log2(max + 2^-f))); a non-positive argument
/// contributes -inf.
Bound generalIntegerBits(double min, double max, int fractionalBits) {
  Bound bound;
  auto raise = [&](int64_t bits) {
    bound.bits = bound.bits ? std::max(*bound.bits, bits) : bits;
  };
  if (std::optional<Positive> low = magnitudeOf(min))
    raise(ceilLog2(*low));

  std::optional<Scaled<int64_t>> high = exactFromDouble(max);
  if (!high) {
    bound.failed = true;
    return bound;
  }
  // max + 2^-f at the common fractional bits F = max(f_max, f).
  int64_t common = std::max<int64_t>(high->fractionalBits, fractionalBits);
  int64_t maxShift = common - high->fractionalBits;
  int64_t stepShift = common - fractionalBits;
  if (maxShift > 70 || stepShift > 125) {
    bound.failed = true;
    return bound;
  }
  // A multiplication, not a shift: the mantissa may be negative (shifting a
  // negative value left is undefined), and a double's mantissa (< 2^53)
  // times 2^70 stays far inside 128 bits.
  Int128 sum = Int128(high->mantissa) * (Int128(1) << maxShift) +
               (Int128(1) << stepShift);
  if (sum > 0)
    raise(ceilLog2(Positive{U128(sum), common}));
  return bound;
}

std::optional<Format> clipToFormat(int keepNegative, Bound bound,
                                   int fractionalBits) {
  if (bound.failed)
    return std::nullopt;
  // np.clip(i, -f-k, 32): the lower bound first, then the upper.
  int64_t lowest = -int64_t(fractionalBits) - keepNegative;
  int64_t integerBits = bound.bits ? std::max(*bound.bits, lowest) : lowest;
  integerBits = std::min<int64_t>(integerBits, kMaxIntegerBits);
  Format format{keepNegative, int(integerBits), fractionalBits};
  if (format.width() <= 0)
    return Format{};
  return format;
}

} // namespace

std::optional<Format> formatFromRange(double min, double max,
                                      int fractionalBits, RangeRule rule) {
  if (!std::isfinite(min) || !std::isfinite(max))
    return std::nullopt;
  if (rule == RangeRule::PositiveOnly) {
    Bound bound;
    if (std::optional<Positive> top = magnitudeOf(std::max(max, 0.0)))
      bound.bits = floorLog2(*top) + 1;
    return clipToFormat(0, bound, fractionalBits);
  }
  return clipToFormat(min < 0 ? 1 : 0,
                      generalIntegerBits(min, max, fractionalBits),
                      fractionalBits);
}

std::optional<Range> applyCoverFactor(Range range, double coverFactor,
                                      int fractionalBits, Rounding rounding) {
  if (!(coverFactor > 0) || !std::isfinite(coverFactor))
    return std::nullopt;
  double low = range.min, high = range.max;
  if (coverFactor != 1.0) {
    double mid = (range.min + range.max) / 2;
    double half = (range.max - range.min) / 2;
    low = mid - half * coverFactor;
    high = mid + half * coverFactor;
  }
  auto round = [&](double value) -> std::optional<double> {
    std::optional<Scaled<int64_t>> exact = exactFromDouble(value);
    if (!exact)
      return std::nullopt;
    Quantized<Int128> rounded = roundTo<Int128>(
        exact->mantissa, exact->fractionalBits, fractionalBits, rounding);
    if (!rounded.ok())
      return std::nullopt;
    return toDouble(rounded.mantissa, fractionalBits);
  };
  std::optional<double> roundedLow = round(low), roundedHigh = round(high);
  if (!roundedLow || !roundedHigh)
    return std::nullopt;
  return Range{*roundedLow, *roundedHigh};
}

int weightSpan(double value) {
  std::optional<Positive> magnitude = magnitudeOf(value);
  // exactFromDouble strips trailing zeros: the mantissa is odd, so its width
  // is the distance between the highest and lowest set bits.
  return magnitude ? bitWidth(magnitude->mantissa) : 0;
}

std::optional<int> lowestSetBitFractional(double value) {
  std::optional<Positive> magnitude = magnitudeOf(value);
  if (!magnitude)
    return std::nullopt;
  return int(magnitude->fractionalBits);
}

std::optional<Format> minimalContainer(const double *values, size_t count) {
  std::optional<int> fractionalBits;
  double min = 0.0, max = 0.0;
  for (size_t index = 0; index < count; ++index) {
    double value = values[index];
    if (!std::isfinite(value))
      return std::nullopt;
    min = std::min(min, value);
    max = std::max(max, value);
    if (std::optional<int> bits = lowestSetBitFractional(value))
      fractionalBits =
          fractionalBits ? std::max(*fractionalBits, *bits) : *bits;
  }
  if (!fractionalBits)
    return Format{}; // all zero
  Bound bound = generalIntegerBits(min, max, *fractionalBits);
  if (bound.failed || !bound.bits)
    return std::nullopt;
  Format format{min < 0 ? 1 : 0, int(*bound.bits), *fractionalBits};
  return format.width() <= 0 ? Format{} : format;
}

Format collapse(const Format *formats, size_t count) {
  std::optional<Format> collapsed;
  for (size_t index = 0; index < count; ++index) {
    const Format &format = formats[index];
    if (format.isDead())
      continue;
    if (!collapsed) {
      collapsed = format;
      continue;
    }
    collapsed->keepNegative =
        std::max(collapsed->keepNegative, format.keepNegative);
    collapsed->integerBits =
        std::max(collapsed->integerBits, format.integerBits);
    collapsed->fractionalBits =
        std::max(collapsed->fractionalBits, format.fractionalBits);
  }
  return collapsed.value_or(Format{});
}

} // namespace hgq::fixed
