// Interval arithmetic against enumeration: every value of small formats,
// summed with weights exactly in integers, gives the same bounds, and the
// format of an interval is the smallest that holds its values.
#include "hgq/Fixed/Interval.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace hgq::fixed;

namespace {

/// Every value of a format, as integers at `frac` fractional bits.
std::vector<long> valuesOf(Format format, int frac) {
  std::vector<long> values;
  if (format.isDead())
    return {0};
  long count = 1L << format.width();
  for (long raw = 0; raw < count; ++raw) {
    long value = format.keepNegative && raw >= count / 2 ? raw - count : raw;
    values.push_back(value * (1L << (frac - format.fractionalBits)));
  }
  return values;
}

/// True when every integer in [low, high] at `frac` fits `format`.
bool holds(Format format, long low, long high, int frac) {
  if (format.isDead())
    return low == 0 && high == 0;
  int shift = frac - format.fractionalBits;
  if (shift < 0)
    return false;
  long magnitude = 1L << (format.integerBits + format.fractionalBits);
  long formatLow = format.keepNegative ? -magnitude : 0;
  return low >= formatLow * (1L << shift) &&
         high <= (magnitude - 1) * (1L << shift);
}

} // namespace

TEST(Interval, WeightedSumsMatchEnumeration) {
  const Format formats[] = {{1, 1, 2}, {0, 2, 1}, {1, -1, 3},
                            {0, 0, 0}, {1, 0, 0}, {0, 3, -1}};
  const double weights[] = {0.75, -1.5, 0.125, 2.0, -0.3125};
  for (const Format &a : formats)
    for (const Format &b : formats)
      for (double wa : weights)
        for (double wb : weights) {
          std::optional<Interval> sum =
              add(*multiply(*Interval::constant(wa), Interval::of(a)),
                  *multiply(*Interval::constant(wb), Interval::of(b)));
          ASSERT_TRUE(sum);
          // Enumerate at 12 fractional bits (every term is exact there).
          const int frac = 12;
          long low = 0, high = 0;
          bool first = true;
          for (long x : valuesOf(a, 6))
            for (long y : valuesOf(b, 6)) {
              long value =
                  long(std::ldexp(wa, 6)) * x + long(std::ldexp(wb, 6)) * y;
              low = first ? value : std::min(low, value);
              high = first ? value : std::max(high, value);
              first = false;
            }
          std::optional<Interval> scaled = sum->at(frac);
          ASSERT_TRUE(scaled);
          EXPECT_EQ(long(scaled->low), low);
          EXPECT_EQ(long(scaled->high), high);
          Format format = sum->format();
          EXPECT_TRUE(holds(format, low, high, frac));
          // One integer bit less (or no sign) would not hold it.
          if (!format.isDead()) {
            Format narrower = format;
            --narrower.integerBits;
            EXPECT_FALSE(holds(narrower, low, high, frac));
          }
        }
}

TEST(Interval, RefusesWhatDoesNotFit) {
  Interval wide = Interval::of(Format{1, 100, 20});
  EXPECT_FALSE(multiply(wide, wide));
  EXPECT_FALSE(wide.at(200));
  EXPECT_TRUE(Interval::of(Format{}).isZero());
  EXPECT_FALSE(Interval::constant(std::nan("")));
}

/// semantics.md 4.5's accum_t, by brute force in integers: weights and
/// biases are multiples of 2^-4, all sums are taken at 2^-12.
Format referenceAccumulator(Format in, const std::vector<double> &kernel,
                            long outputs, const std::vector<double> &bias) {
  auto fractionalOf = [](const std::vector<double> &values) {
    int frac = -30;
    for (double v : values)
      for (int f = -30; f <= 4; ++f)
        if (std::ldexp(v, f) == std::floor(std::ldexp(v, f))) {
          frac = std::max(frac, f);
          break;
        }
    return frac;
  };
  bool allZero = std::all_of(kernel.begin(), kernel.end(),
                             [](double v) { return v == 0; });
  int weightFrac = allZero ? 0 : fractionalOf(kernel);
  int frac = in.fractionalBits + weightFrac;
  bool biasLive =
      std::any_of(bias.begin(), bias.end(), [](double v) { return v != 0; });
  if (biasLive)
    frac = std::max(frac, fractionalOf(bias));
  bool negative = in.keepNegative;
  for (double v : kernel)
    negative |= v < 0;
  for (double v : bias)
    negative |= v < 0;
  const int scale = 12;
  long bound = 0;
  long perOutput = long(kernel.size()) / outputs;
  for (long o = 0; o < outputs; ++o) {
    long sum = bias.empty() ? 0 : long(std::ldexp(std::fabs(bias[o]), scale));
    for (long j = 0; j < perOutput; ++j)
      sum += long(std::ldexp(std::fabs(kernel[j * outputs + o]),
                             scale + in.integerBits));
    bound = std::max(bound, sum);
  }
  int integer = 0;
  if (bound > 0) {
    long target = bound + long(std::ldexp(1.0, scale - frac));
    integer = -scale;
    while (std::ldexp(1.0, integer + scale) < double(target))
      ++integer;
  }
  return Format{negative ? 1 : 0, integer, frac};
}

TEST(Interval, AccumulatorMatchesBruteForce) {
  unsigned seed = 12345;
  auto next = [&] {
    seed = seed * 1103515245u + 12345u;
    return int((seed >> 16) & 0x7fff);
  };
  for (int trial = 0; trial < 2000; ++trial) {
    Format in{next() % 2, next() % 7 - 2, next() % 5};
    long outputs = 1 + next() % 4, inputs = 1 + next() % 5;
    std::vector<double> kernel(outputs * inputs), bias;
    for (double &w : kernel)
      w = std::ldexp(double(next() % 129 - 64), -(next() % 5));
    if (next() % 2) {
      bias.resize(outputs);
      for (double &b : bias)
        b = std::ldexp(double(next() % 33 - 16), -(next() % 5));
    }
    if (std::all_of(kernel.begin(), kernel.end(),
                    [](double v) { return v == 0; }))
      continue;
    std::optional<Format> got = accumulatorFormat(in, kernel, outputs, bias);
    ASSERT_TRUE(got);
    Format want = referenceAccumulator(in, kernel, outputs, bias);
    EXPECT_EQ(got->keepNegative, want.keepNegative) << trial;
    EXPECT_EQ(got->integerBits, want.integerBits) << trial;
    EXPECT_EQ(got->fractionalBits, want.fractionalBits) << trial;
  }
}

TEST(Interval, AccumulatorIsExactWhereDoublesRound) {
  // One weight of 1 on inputs in [-1, 1) at 2^-60: the bound 1 plus one LSB
  // (2^-60) needs an integer bit, although 1 + 2^-60 == 1 in a double.
  std::vector<double> kernel{1.0}, bias;
  std::optional<Format> got =
      accumulatorFormat(Format{1, 0, 60}, kernel, 1, bias);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->integerBits, 1);
  EXPECT_EQ(got->fractionalBits, 60);
  // Too wide for 126 bits: refused, not rounded.
  std::vector<double> huge{std::ldexp(1.0, 100)};
  EXPECT_FALSE(accumulatorFormat(Format{1, 60, 60}, huge, 1, bias));
}
