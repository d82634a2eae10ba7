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
    values.push_back(value << (frac - format.fractionalBits));
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
  return low >= (formatLow << shift) && high <= ((magnitude - 1) << shift);
}

} // namespace

TEST(Interval, WeightedSumsMatchEnumeration) {
  const Format formats[] = {{1, 1, 2}, {0, 2, 1}, {1, -1, 3}, {0, 0, 0},
                            {1, 0, 0}, {0, 3, -1}};
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
              long value = long(std::ldexp(wa, 6)) * x +
                           long(std::ldexp(wb, 6)) * y;
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
