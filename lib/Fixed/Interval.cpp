//===- Interval.cpp - Exact value intervals of fixed-point data -----------===//

#include "hgq/Fixed/Interval.h"
#include "hgq/Fixed/Range.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace hgq::fixed {
namespace {

using Int = __int128;
constexpr int kLimitBits = 126;

int bitLength(unsigned __int128 value) {
  uint64_t high = uint64_t(value >> 64), low = uint64_t(value);
  if (high)
    return 128 - __builtin_clzll(high);
  return low ? 64 - __builtin_clzll(low) : 0;
}

/// Magnitude bits of an integer (sign excluded).
int magnitudeBits(Int value) {
  return bitLength(value < 0 ? (unsigned __int128)(-(value + 1))
                             : (unsigned __int128)value);
}

bool fits(Int value) { return magnitudeBits(value) <= kLimitBits; }

} // namespace

Interval Interval::of(Format format) {
  Interval interval;
  if (format.isDead())
    return interval;
  int magnitude = format.integerBits + format.fractionalBits;
  interval.fractionalBits = format.fractionalBits;
  // Up to 2^127 - 1 for a 127-bit unsigned format: shifted unsigned, as a
  // signed shift into the sign bit is undefined.
  using UInt = unsigned __int128;
  interval.high = Int((UInt(1) << magnitude) - 1);
  interval.low = format.keepNegative ? -Int(UInt(1) << magnitude) : 0;
  return interval;
}

std::optional<Interval> Interval::constant(double value) {
  if (!std::isfinite(value))
    return std::nullopt;
  Interval interval;
  if (value == 0)
    return interval;
  int exponent = 0;
  double fraction = std::frexp(value, &exponent);
  int64_t mantissa = int64_t(std::ldexp(fraction, 53));
  int frac = 53 - exponent;
  while (mantissa % 2 == 0) {
    mantissa /= 2;
    --frac;
  }
  interval.low = interval.high = mantissa;
  interval.fractionalBits = frac;
  return interval;
}

std::optional<Interval> Interval::at(int target) const {
  if (target < fractionalBits)
    return std::nullopt;
  int shift = target - fractionalBits;
  Interval result = *this;
  result.fractionalBits = target;
  if (shift == 0 || isZero())
    return result;
  if (shift >= kLimitBits ||
      std::max(magnitudeBits(low), magnitudeBits(high)) + shift > kLimitBits)
    return std::nullopt;
  result.low = low * (Int(1) << shift);
  result.high = high * (Int(1) << shift);
  return result;
}

Format Interval::format() const {
  if (isZero())
    return Format{};
  Format result;
  result.keepNegative = low < 0 ? 1 : 0;
  int magnitude = std::max(high > 0 ? magnitudeBits(high) : 0,
                           low < 0 ? magnitudeBits(low) : 0);
  result.fractionalBits = fractionalBits;
  result.integerBits = magnitude - fractionalBits;
  return result;
}

/// Both intervals at the finer of their scales.
static std::optional<std::pair<Interval, Interval>>
aligned(const Interval &lhs, const Interval &rhs) {
  int frac = std::max(lhs.fractionalBits, rhs.fractionalBits);
  std::optional<Interval> a = lhs.at(frac), b = rhs.at(frac);
  if (!a || !b)
    return std::nullopt;
  return std::make_pair(*a, *b);
}

std::optional<Interval> add(const Interval &lhs, const Interval &rhs) {
  auto both = aligned(lhs, rhs);
  if (!both)
    return std::nullopt;
  Interval result = both->first;
  result.low += both->second.low;
  result.high += both->second.high;
  if (!fits(result.low) || !fits(result.high))
    return std::nullopt;
  return result;
}

std::optional<Interval> multiply(const Interval &lhs, const Interval &rhs) {
  Interval result;
  result.fractionalBits = lhs.fractionalBits + rhs.fractionalBits;
  if (lhs.isZero() || rhs.isZero())
    return result;
  int bits = std::max(magnitudeBits(lhs.low), magnitudeBits(lhs.high)) +
             std::max(magnitudeBits(rhs.low), magnitudeBits(rhs.high));
  if (bits > kLimitBits)
    return std::nullopt;
  Int corners[] = {lhs.low * rhs.low, lhs.low * rhs.high, lhs.high * rhs.low,
                   lhs.high * rhs.high};
  result.low = *std::min_element(corners, corners + 4);
  result.high = *std::max_element(corners, corners + 4);
  return result;
}

std::optional<Interval> hull(const Interval &lhs, const Interval &rhs) {
  auto both = aligned(lhs, rhs);
  if (!both)
    return std::nullopt;
  Interval result = both->first;
  result.low = std::min(result.low, both->second.low);
  result.high = std::max(result.high, both->second.high);
  return result;
}

std::optional<Format> accumulatorFormat(Format input, const double *kernel,
                                        size_t kernelCount, int64_t outputs,
                                        const double *bias, size_t biasCount) {
  std::optional<Format> weight = minimalContainer(kernel, kernelCount);
  if (!weight || outputs <= 0 || kernelCount % size_t(outputs) != 0 ||
      (biasCount != 0 && biasCount != size_t(outputs)))
    return std::nullopt;
  int fractional = input.fractionalBits + weight->fractionalBits;
  bool negative = input.keepNegative != 0;
  if (biasCount)
    if (std::optional<Format> container = minimalContainer(bias, biasCount))
      fractional = std::max(fractional, container->fractionalBits);
  for (size_t index = 0; index < kernelCount; ++index)
    negative |= kernel[index] < 0;
  for (size_t index = 0; index < biasCount; ++index)
    negative |= bias[index] < 0;

  // Inputs lie in [-2^i, 2^i) (or [0, 2^i)): the largest magnitude any
  // output's sum reaches is sum |w| 2^i + |b|.
  std::optional<Interval> inputMagnitude =
      Interval::constant(std::ldexp(1.0, input.integerBits));
  if (!inputMagnitude)
    return std::nullopt;
  size_t perOutput = kernelCount / size_t(outputs);
  std::optional<Interval> bound = Interval();
  for (int64_t o = 0; o < outputs; ++o) {
    std::optional<Interval> sum =
        Interval::constant(biasCount ? std::fabs(bias[o]) : 0.0);
    for (size_t j = 0; j < perOutput && sum; ++j) {
      std::optional<Interval> w =
          Interval::constant(std::fabs(kernel[j * size_t(outputs) + o]));
      std::optional<Interval> term =
          w ? multiply(*w, *inputMagnitude) : std::nullopt;
      sum = term ? add(*sum, *term) : std::nullopt;
    }
    bound = sum ? hull(*bound, *sum) : std::nullopt;
    if (!bound)
      return std::nullopt;
  }
  Format result;
  result.keepNegative = negative ? 1 : 0;
  result.fractionalBits = fractional;
  result.integerBits = 0;
  if (bound->high > 0) {
    std::optional<Interval> lsb =
        Interval::constant(std::ldexp(1.0, -fractional));
    std::optional<Interval> total = lsb ? add(*bound, *lsb) : std::nullopt;
    if (!total)
      return std::nullopt;
    // ceil(log2(high * 2^-F)) = bitLength(high - 1) - F for high >= 1.
    result.integerBits =
        bitLength((unsigned __int128)(total->high - 1)) - total->fractionalBits;
  }
  return result;
}

} // namespace hgq::fixed
