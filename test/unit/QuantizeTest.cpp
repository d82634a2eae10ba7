//===- QuantizeTest.cpp - Examples of the quantizer semantics -------------===//
//
// Hand-checked cases of semantics.md section 1: every rounding mode on ties of
// both signs, every overflow mode at both ends, dead formats, negative
// fractional bits, both integer paths and their limits.
//
//===----------------------------------------------------------------------===//

#include "hgq/Fixed/Fixed.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace hgq::fixed;

namespace {

/// An integer format of `bits` with sign (or not) and no fraction.
Format integerFormat(int keepNegative, int bits) {
  return Format{keepNegative, bits - keepNegative, 0};
}

double q(double value, Format format, Rounding rounding,
         Overflow overflow = Overflow::SAT) {
  QuantizedDouble result = quantizeDouble(value, format, rounding, overflow);
  EXPECT_TRUE(result.ok()) << statusMessage(result.status);
  return result.value;
}

TEST(Quantize, RoundingModesOnTies) {
  Format f = integerFormat(1, 8);
  struct Case {
    Rounding rounding;
    double minus25, minus15, minus05, plus05, plus15, plus25;
  };
  const Case cases[] = {
      {Rounding::TRN, -3, -2, -1, 0, 1, 2},
      {Rounding::RND, -2, -1, 0, 1, 2, 3}, // ties toward +inf, not to even
      {Rounding::RND_CONV, -2, -2, 0, 0, 2, 2},
      {Rounding::TRN_ZERO, -2, -1, 0, 0, 1, 2},
      {Rounding::RND_ZERO, -2, -1, 0, 0, 1, 2},
      {Rounding::RND_INF, -3, -2, -1, 1, 2, 3},
      {Rounding::RND_MIN_INF, -3, -2, -1, 0, 1, 2},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(roundingName(c.rounding));
    EXPECT_EQ(q(-2.5, f, c.rounding), c.minus25);
    EXPECT_EQ(q(-1.5, f, c.rounding), c.minus15);
    EXPECT_EQ(q(-0.5, f, c.rounding), c.minus05);
    EXPECT_EQ(q(0.5, f, c.rounding), c.plus05);
    EXPECT_EQ(q(1.5, f, c.rounding), c.plus15);
    EXPECT_EQ(q(2.5, f, c.rounding), c.plus25);
  }
}

TEST(Quantize, NonTiesRoundToNearest) {
  Format f = integerFormat(1, 8);
  for (Rounding rounding :
       {Rounding::RND, Rounding::RND_CONV, Rounding::RND_ZERO,
        Rounding::RND_INF, Rounding::RND_MIN_INF}) {
    EXPECT_EQ(q(1.25, f, rounding), 1);
    EXPECT_EQ(q(1.75, f, rounding), 2);
    EXPECT_EQ(q(-1.25, f, rounding), -1);
    EXPECT_EQ(q(-1.75, f, rounding), -2);
  }
  EXPECT_EQ(q(-1.25, f, Rounding::TRN), -2);
  EXPECT_EQ(q(-1.25, f, Rounding::TRN_ZERO), -1);
}

TEST(Quantize, OverflowModesSigned) {
  // ap_fixed<4,2>: k=1, i=1, f=2, range [-2, 1.75].
  Format f = Format::fromKBI(1, 4, 2);
  ASSERT_EQ(f.integerBits, 1);
  ASSERT_EQ(f.fractionalBits, 2);
  EXPECT_EQ(q(3.0, f, Rounding::TRN, Overflow::SAT), 1.75);
  EXPECT_EQ(q(-3.0, f, Rounding::TRN, Overflow::SAT), -2.0);
  EXPECT_EQ(q(-3.0, f, Rounding::TRN, Overflow::SAT_SYM), -1.75);
  EXPECT_EQ(q(-2.0, f, Rounding::TRN, Overflow::SAT_SYM), -1.75);
  EXPECT_EQ(q(3.0, f, Rounding::TRN, Overflow::SAT_ZERO), 0.0);
  EXPECT_EQ(q(-2.0, f, Rounding::TRN, Overflow::SAT_ZERO), -2.0);
  EXPECT_EQ(q(2.0, f, Rounding::TRN, Overflow::WRAP), -2.0);
  EXPECT_EQ(q(2.25, f, Rounding::TRN, Overflow::WRAP), -1.75);
  EXPECT_EQ(q(-2.25, f, Rounding::TRN, Overflow::WRAP), 1.75);
  EXPECT_EQ(q(5.5, f, Rounding::TRN, Overflow::WRAP), 5.5 - 4.0);
  // Rounding happens before overflow: 1.875 rounds up to 2.0, then wraps.
  EXPECT_EQ(q(1.875, f, Rounding::RND, Overflow::WRAP), -2.0);
  EXPECT_EQ(q(1.875, f, Rounding::RND, Overflow::SAT), 1.75);
}

TEST(Quantize, OverflowModesUnsigned) {
  // ap_ufixed<3,1>: range [0, 1.75].
  Format f = Format::fromKBI(0, 3, 1);
  EXPECT_EQ(q(-0.25, f, Rounding::TRN, Overflow::SAT), 0.0);
  EXPECT_EQ(q(-0.25, f, Rounding::TRN, Overflow::SAT_SYM), 0.0);
  EXPECT_EQ(q(-0.25, f, Rounding::TRN, Overflow::WRAP), 1.75);
  EXPECT_EQ(q(2.0, f, Rounding::TRN, Overflow::WRAP), 0.0);
  EXPECT_EQ(q(2.0, f, Rounding::TRN, Overflow::SAT), 1.75);
}

TEST(Quantize, OverflowFlagIsExact) {
  Format f = Format::fromKBI(1, 4, 2);
  EXPECT_FALSE(
      quantizeDouble(1.75, f, Rounding::TRN, Overflow::SAT).overflowed);
  EXPECT_FALSE(
      quantizeDouble(-2.0, f, Rounding::TRN, Overflow::SAT).overflowed);
  EXPECT_TRUE(
      quantizeDouble(1.875, f, Rounding::RND, Overflow::SAT).overflowed);
  EXPECT_FALSE(
      quantizeDouble(1.875, f, Rounding::TRN, Overflow::SAT).overflowed);
  EXPECT_TRUE(
      quantizeDouble(-2.25, f, Rounding::TRN, Overflow::WRAP).overflowed);
}

TEST(Quantize, DeadFormatIsAlwaysZero) {
  Format dead = Format::fromKBI(0, 0, 0);
  EXPECT_TRUE(dead.isDead());
  EXPECT_EQ(q(123.0, dead, Rounding::RND), 0.0);
  EXPECT_EQ(q(-7.5, dead, Rounding::TRN, Overflow::WRAP), 0.0);
  // A zero-width format with k = 1, i = -1 is dead too, and normalizes.
  Format alsoDead{1, -1, 0};
  EXPECT_EQ(q(0.5, alsoDead, Rounding::RND), 0.0);
  EXPECT_EQ(alsoDead.normalized(), Format{});
}

TEST(Quantize, NegativeFractionalBits) {
  // Multiples of 4 in [0, 28]: k=0, i=5, f=-2 (W = 3).
  Format f{0, 5, -2};
  EXPECT_EQ(f.width(), 3);
  EXPECT_EQ(q(5.0, f, Rounding::RND), 4.0);
  EXPECT_EQ(q(6.0, f, Rounding::RND), 8.0);
  EXPECT_EQ(q(6.0, f, Rounding::TRN), 4.0);
  EXPECT_EQ(q(30.0, f, Rounding::RND, Overflow::SAT), 28.0);
  EXPECT_EQ(q(32.0, f, Rounding::TRN, Overflow::WRAP), 0.0);
}

TEST(Quantize, TinyAndHugeInputs) {
  Format f{1, 3, 4};
  EXPECT_EQ(q(1e-300, f, Rounding::RND), 0.0);
  EXPECT_EQ(q(-1e-300, f, Rounding::TRN), -0.0625);
  EXPECT_EQ(q(-1e-300, f, Rounding::TRN_ZERO), 0.0);
  EXPECT_EQ(q(std::ldexp(1.0, -5), f, Rounding::RND), 0.0625); // tie up
  EXPECT_EQ(q(1e300, f, Rounding::RND, Overflow::SAT), 8.0 - 0.0625);
  EXPECT_EQ(q(-1e300, f, Rounding::RND, Overflow::SAT), -8.0);
  // 1e300 is a multiple of 2^8, so it wraps to 0 in 8 bits.
  EXPECT_EQ(q(1e300, f, Rounding::RND, Overflow::WRAP), 0.0);
  EXPECT_EQ(q(3.0 * std::ldexp(1.0, 200) + 1.0, Format{1, 3, 0}, Rounding::TRN,
              Overflow::WRAP),
            0.0);
}

TEST(Quantize, RefusesNonFiniteAndInvalid) {
  Format f{1, 3, 4};
  EXPECT_EQ(
      quantizeDouble(std::nan(""), f, Rounding::RND, Overflow::SAT).status,
      Status::NotFinite);
  EXPECT_EQ(quantizeDouble(INFINITY, f, Rounding::RND, Overflow::SAT).status,
            Status::NotFinite);
  EXPECT_EQ(
      quantizeDouble(1.0, Format{2, 3, 4}, Rounding::RND, Overflow::SAT).status,
      Status::InvalidFormat);
  EXPECT_EQ(quantizeDouble(1.0, Format{0, -5, 2}, Rounding::RND, Overflow::SAT)
                .status,
            Status::InvalidFormat);
}

TEST(Quantize, IntegerPathsAndTheirLimits) {
  EXPECT_EQ(maxFormatWidth<int64_t>(), 62);
  EXPECT_EQ(maxFormatWidth<Int128>(), 126);
  Format wide{1, 40, 30}; // 71 bits: only the 128-bit path holds it
  EXPECT_EQ(quantize<int64_t>(1, 0, wide, Rounding::RND, Overflow::SAT).status,
            Status::FormatTooWide);
  Quantized<Int128> result =
      quantize<Int128>(Int128(3) << 90, 60, wide, Rounding::RND, Overflow::SAT);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.mantissa == (Int128(3) << 60)); // 3 * 2^30 at f = 30
  EXPECT_EQ(
      quantize<Int128>(1, 0, Format{1, 99, 26}, Rounding::RND, Overflow::SAT)
          .status,
      Status::Ok);
  EXPECT_EQ(
      quantize<Int128>(1, 0, Format{1, 100, 27}, Rounding::RND, Overflow::SAT)
          .status,
      Status::FormatTooWide);
  // A wide accumulator saturating into a narrow result.
  Quantized<Int128> saturated = quantize<Int128>(
      Int128(1) << 120, 10, Format{1, 7, 8}, Rounding::TRN, Overflow::SAT);
  EXPECT_TRUE(saturated.overflowed);
  EXPECT_TRUE(saturated.mantissa == (Int128(1) << 15) - 1);
  // Extreme 64-bit mantissas and shifts are exact.
  int64_t extreme = std::numeric_limits<int64_t>::min();
  Quantized<int64_t> shifted = quantize<int64_t>(extreme, 63, Format{1, 0, 8},
                                                 Rounding::RND, Overflow::SAT);
  ASSERT_TRUE(shifted.ok());
  EXPECT_EQ(shifted.mantissa, -256); // exactly -1.0
  EXPECT_FALSE(shifted.overflowed);
  Quantized<int64_t> pastEverything = quantize<int64_t>(
      extreme, 64, Format{1, 0, 0}, Rounding::RND_CONV, Overflow::SAT);
  EXPECT_EQ(pastEverything.mantissa, 0); // -0.5 ties to even: 0
  Quantized<int64_t> pastEverythingAway = quantize<int64_t>(
      extreme, 64, Format{1, 0, 0}, Rounding::RND_INF, Overflow::WRAP);
  EXPECT_EQ(pastEverythingAway.mantissa, -1);
}

TEST(Quantize, RoundToHasNoOverflow) {
  Quantized<int64_t> rounded = roundTo<int64_t>(7, 2, 1, Rounding::RND);
  ASSERT_TRUE(rounded.ok());
  EXPECT_EQ(rounded.mantissa, 4); // 1.75 -> 2.0 at one fractional bit
  EXPECT_EQ(roundTo<int64_t>(1, 0, 70, Rounding::RND).status,
            Status::MantissaTooWide);
}

TEST(Quantize, ExactDoubleConversions) {
  auto exact = exactFromDouble(5.125);
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->mantissa, 41);
  EXPECT_EQ(exact->fractionalBits, 3);
  auto big = exactFromDouble(std::ldexp(1.0, 80));
  ASSERT_TRUE(big);
  EXPECT_EQ(big->mantissa, 1);
  EXPECT_EQ(big->fractionalBits, -80);
  auto subnormal = exactFromDouble(std::numeric_limits<double>::denorm_min());
  ASSERT_TRUE(subnormal);
  EXPECT_EQ(subnormal->mantissa, 1);
  EXPECT_EQ(subnormal->fractionalBits, 1074);
  EXPECT_FALSE(exactFromDouble(std::nan("")));
  EXPECT_EQ(toDouble(41, 3), 5.125);
  EXPECT_EQ(toDouble(-(Int128(1) << 100), 100), -1.0);
  // 2^64 + 1 rounds to 2^64 in double.
  EXPECT_EQ(toDouble((Int128(1) << 64) + 1, 0), std::ldexp(1.0, 64));
}

TEST(Quantize, FormatSpellings) {
  EXPECT_EQ(Format::fromKBI(1, 8, 3).str(), "fixed<8,3>");
  EXPECT_EQ((Format{0, 2, 4}).str(), "ufixed<6,2>");
  EXPECT_EQ(parseRounding("RND_CONV"), Rounding::RND_CONV);
  EXPECT_EQ(parseOverflow("SAT_SYM"), Overflow::SAT_SYM);
  EXPECT_FALSE(parseRounding("ROUND"));
  EXPECT_EQ(std::string(roundingName(Rounding::RND_MIN_INF)), "RND_MIN_INF");
  EXPECT_EQ(std::string(overflowName(Overflow::SAT_ZERO)), "SAT_ZERO");
}

} // namespace
