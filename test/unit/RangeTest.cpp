//===- RangeTest.cpp - Integer bits from ranges, spans, collapse ----------===//

#include "hgq/Fixed/Range.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace hgq::fixed;

namespace {

Format general(double min, double max, int f) {
  std::optional<Format> format =
      formatFromRange(min, max, f, RangeRule::General);
  EXPECT_TRUE(format);
  return format.value_or(Format{});
}

Format relu(double max, int f) {
  std::optional<Format> format =
      formatFromRange(0.0, max, f, RangeRule::PositiveOnly);
  EXPECT_TRUE(format);
  return format.value_or(Format{});
}

TEST(Range, GeneralRule) {
  // |min| = 3 -> 2; max + 2^-2 = 5.25 -> 3: i = 3, signed.
  EXPECT_EQ(general(-3.0, 5.0, 2), (Format{1, 3, 2}));
  // At a power of two: max = 3.75 needs exactly 2 integer bits at f = 2.
  EXPECT_EQ(general(0.0, 3.75, 2), (Format{0, 2, 2}));
  EXPECT_EQ(general(0.0, 4.0, 2), (Format{0, 3, 2}));
  // min = -4 fits 2 integer bits with the sign.
  EXPECT_EQ(general(-4.0, 1.0, 2), (Format{1, 2, 2}));
  EXPECT_EQ(general(-4.25, 1.0, 2), (Format{1, 3, 2}));
  // A positive min still contributes |min| (it never dominates max).
  EXPECT_EQ(general(0.25, 0.25, 2), (Format{0, -1, 2}));
}

TEST(Range, PositiveOnlyRule) {
  EXPECT_EQ(relu(5.0, 2), (Format{0, 3, 2}));
  EXPECT_EQ(relu(4.0, 2), (Format{0, 3, 2}));
  EXPECT_EQ(relu(3.75, 2), (Format{0, 2, 2}));
  EXPECT_EQ(relu(0.75, 2), (Format{0, 0, 2}));
  // Negative max is clipped to 0: dead.
  EXPECT_EQ(relu(-1.0, 2), Format{});
}

TEST(Range, ClipAndDeadElements) {
  // Nothing recorded: i = -inf, clipped to -f-k, width 0, dead.
  EXPECT_EQ(general(0.0, 0.0, 3), Format{});
  EXPECT_TRUE(general(0.0, 0.0, 3).isDead());
  // max + 2^-f <= 0 contributes nothing either.
  EXPECT_EQ(general(-0.5, -0.5, 1), (Format{1, -1, 1}));
  // Clipped at 32 integer bits.
  EXPECT_EQ(general(0.0, std::ldexp(1.0, 40), 0), (Format{0, 32, 0}));
  // Large negative f: the clip bounds cross and the result is dead.
  EXPECT_TRUE(general(0.0, 1.0, -40).isDead());
}

/// Every [min, max] pair on a grid: the derived format holds both ends
/// without overflow, and one integer bit fewer would not (unless clipped).
TEST(Range, DerivedFormatIsMinimalAndCovering) {
  for (int f = -3; f <= 6; ++f) {
    double step = std::ldexp(1.0, -f);
    for (int low = -40; low <= 40; ++low)
      for (int high = low; high <= 40; ++high) {
        double min = low * step, max = high * step;
        for (RangeRule rule : {RangeRule::General, RangeRule::PositiveOnly}) {
          std::optional<Format> format = formatFromRange(min, max, f, rule);
          ASSERT_TRUE(format);
          double top =
              rule == RangeRule::PositiveOnly ? std::max(max, 0.0) : max;
          double bottom = rule == RangeRule::PositiveOnly ? 0.0 : min;
          auto holds = [&](Format candidate) {
            if (candidate.width() <= 0)
              return top == 0.0 && bottom == 0.0;
            for (double value : {bottom, top}) {
              QuantizedDouble result = quantizeDouble(
                  value, candidate, Rounding::TRN, Overflow::SAT);
              if (result.overflowed || result.value != value)
                return false;
            }
            return true;
          };
          SCOPED_TRACE(testing::Message() << "f=" << f << " [" << min << ", "
                                          << max << "] rule " << int(rule));
          EXPECT_TRUE(holds(*format));
          if (!format->isDead() &&
              format->integerBits > -f - format->keepNegative &&
              format->integerBits < kMaxIntegerBits) {
            Format smaller = *format;
            --smaller.integerBits;
            EXPECT_FALSE(holds(smaller));
          }
        }
      }
  }
}

TEST(Range, CoverFactor) {
  auto range = applyCoverFactor({-1.0, 3.0}, 2.0, 4, Rounding::RND);
  ASSERT_TRUE(range);
  EXPECT_EQ(range->min, -3.0);
  EXPECT_EQ(range->max, 5.0);
  range = applyCoverFactor({-1.0, 3.0}, 0.5, 4, Rounding::RND);
  EXPECT_EQ(range->min, 0.0);
  EXPECT_EQ(range->max, 2.0);
  // mid 0.5, half 0.75: [-0.25, 1.25], rounded to one fractional bit.
  range = applyCoverFactor({0.0, 1.0}, 1.5, 1, Rounding::RND);
  EXPECT_EQ(range->min, 0.0);
  EXPECT_EQ(range->max, 1.5);
  range = applyCoverFactor({0.0, 1.0}, 1.5, 1, Rounding::TRN);
  EXPECT_EQ(range->min, -0.5);
  EXPECT_EQ(range->max, 1.0);
  EXPECT_FALSE(applyCoverFactor({0.0, 1.0}, 0.0, 1, Rounding::TRN));
  EXPECT_FALSE(applyCoverFactor({0.0, 1.0}, -1.0, 1, Rounding::TRN));
}

TEST(Range, WeightSpanExamples) {
  EXPECT_EQ(weightSpan(0.75), 2);
  EXPECT_EQ(weightSpan(4.0), 1);
  EXPECT_EQ(weightSpan(-0.375), 2);
  EXPECT_EQ(weightSpan(5.125), 6);
  EXPECT_EQ(weightSpan(0.0), 0);
  EXPECT_EQ(weightSpan(-0.0), 0);
  EXPECT_EQ(weightSpan(1.0 + std::ldexp(1.0, -52)), 53);
}

TEST(Range, LowestSetBit) {
  EXPECT_EQ(lowestSetBitFractional(0.75), 2);
  EXPECT_EQ(lowestSetBitFractional(4.0), -2);
  EXPECT_EQ(lowestSetBitFractional(-3.0), 0);
  EXPECT_FALSE(lowestSetBitFractional(0.0));
}

TEST(Range, MinimalContainer) {
  const double values[] = {0.5, -0.25, 3.0};
  std::optional<Format> format = minimalContainer(values, 3);
  ASSERT_TRUE(format);
  EXPECT_EQ(*format, (Format{1, 2, 2})); // fixed<5,3>: [-4, 3.75]
  const double positive[] = {0.5, 0.0};
  EXPECT_EQ(*minimalContainer(positive, 2), (Format{0, 0, 1}));
  const double negativeHalf[] = {-0.5};
  EXPECT_EQ(*minimalContainer(negativeHalf, 1), (Format{1, -1, 1}));
  const double zeros[] = {0.0, 0.0};
  EXPECT_TRUE(minimalContainer(zeros, 2)->isDead());
  const double bad[] = {1.0, NAN};
  EXPECT_FALSE(minimalContainer(bad, 2));
}

TEST(Range, Collapse) {
  const Format formats[] = {{1, 2, 3}, {0, 4, 1}, {}, {0, -2, 5}};
  EXPECT_EQ(collapse(formats, 4), (Format{1, 4, 5}));
  const Format dead[] = {{}, {}};
  EXPECT_TRUE(collapse(dead, 2).isDead());
  EXPECT_TRUE(collapse(nullptr, 0).isDead());
}

} // namespace
