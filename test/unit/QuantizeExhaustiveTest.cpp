//===- QuantizeExhaustiveTest.cpp - Every format up to 8 bits -------------===//
//
// Every format with W <= 8 bits (signed and unsigned, integer width I from -4
// to 12), every rounding and overflow mode, and inputs on a grid three bits
// finer than the format across three times its range, against a reference
// written directly from the definitions with rational arithmetic. Each input
// goes through the 64-bit path, the 128-bit path and the double path.
//
//===----------------------------------------------------------------------===//

#include "hgq/Fixed/Fixed.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace hgq::fixed;

namespace {

/// An exact rational num / 2^denLog2 (the reference's only number type).
struct Rational {
  Int128 num;
  int denLog2;
};

Int128 pow2(int exponent) { return Int128(1) << exponent; }

/// floor(a / b) for b > 0, by definition.
Int128 floorDiv(Int128 a, Int128 b) {
  Int128 quotient = a / b;
  if (quotient * b > a)
    --quotient;
  return quotient;
}

/// floor-mod, result in [0, b).
Int128 floorMod(Int128 a, Int128 b) { return a - floorDiv(a, b) * b; }

/// Reference: the quantized integer q (the value is q * 2^-f), and whether
/// the overflow mode changed the rounded value.
struct Expected {
  Int128 mantissa;
  bool overflowed;
};

Int128 applyOverflow(Int128 q, int k, int width, Overflow o);

Expected reference(Rational x, int k, int width, int integerWidth, Rounding r,
                   Overflow o) {
  if (width == 0)
    return {0, false};
  int f = width - integerWidth;
  // s = x * 2^f = num * 2^f / 2^denLog2 as a fraction n / d.
  Int128 n = x.num, d = pow2(x.denLog2);
  if (f >= 0)
    n *= pow2(f);
  else
    d *= pow2(-f);
  Int128 lower = floorDiv(n, d);        // candidate below (or equal)
  Int128 upper = lower + 1;             // candidate above
  Int128 belowDistance = n - lower * d; // (s - lower) * d, in [0, d)
  Int128 aboveDistance = d - belowDistance;
  Int128 q;
  if (belowDistance == 0) {
    q = lower;
  } else {
    auto magnitude = [](Int128 v) { return v < 0 ? -v : v; };
    switch (r) {
    case Rounding::TRN:
      q = lower;
      break;
    case Rounding::TRN_ZERO:
      q = magnitude(lower) < magnitude(upper) ? lower : upper;
      break;
    default:
      if (belowDistance < aboveDistance)
        q = lower;
      else if (belowDistance > aboveDistance)
        q = upper;
      else if (r == Rounding::RND)
        q = upper; // toward +inf
      else if (r == Rounding::RND_CONV)
        q = floorMod(lower, 2) == 0 ? lower : upper;
      else if (r == Rounding::RND_ZERO)
        q = magnitude(lower) < magnitude(upper) ? lower : upper;
      else if (r == Rounding::RND_INF)
        q = magnitude(lower) > magnitude(upper) ? lower : upper;
      else // RND_MIN_INF
        q = lower;
    }
  }
  Int128 result = applyOverflow(q, k, width, o);
  return {result, result != q};
}

Int128 applyOverflow(Int128 q, int k, int width, Overflow o) {
  Int128 high = pow2(width - k) - 1;
  Int128 low = -(high + 1) * k;
  switch (o) {
  case Overflow::SAT:
    return q < low ? low : q > high ? high : q;
  case Overflow::SAT_SYM: {
    Int128 symLow = -high * k;
    return q < symLow ? symLow : q > high ? high : q;
  }
  case Overflow::SAT_ZERO:
    return (q < low || q > high) ? 0 : q;
  case Overflow::WRAP:
    return floorMod(q - low, pow2(width)) + low;
  }
  return q;
}

TEST(QuantizeExhaustive, AllFormatsUpTo8Bits) {
  int64_t checked = 0;
  for (int k = 0; k <= 1; ++k)
    for (int width = 0; width <= 8; ++width)
      for (int integerWidth = -4; integerWidth <= 12; ++integerWidth) {
        Format format = Format::fromKBI(k, width, integerWidth);
        if (width == 0)
          format = Format{};
        int f = width - integerWidth;
        int inputFrac = f + 3;
        // Inputs n * 2^-(f+3) over three times the format's range.
        int64_t span = 3 * (int64_t(1) << (width + 3));
        for (int r = 0; r <= int(Rounding::RND_MIN_INF); ++r)
          for (int o = 0; o <= int(Overflow::SAT_ZERO); ++o) {
            Rounding rounding = Rounding(r);
            Overflow overflow = Overflow(o);
            for (int64_t n = -span; n <= span; ++n) {
              Rational x;
              x.num = inputFrac >= 0 ? Int128(n) : Int128(n) * pow2(-inputFrac);
              x.denLog2 = inputFrac >= 0 ? inputFrac : 0;
              Expected want =
                  reference(x, k, width, integerWidth, rounding, overflow);
              Int128 expected = want.mantissa;
              Quantized<int64_t> narrow =
                  quantize<int64_t>(n, inputFrac, format, rounding, overflow);
              Quantized<Int128> wide =
                  quantize<Int128>(n, inputFrac, format, rounding, overflow);
              QuantizedDouble viaDouble =
                  quantizeDouble(std::ldexp(double(n), -inputFrac), format,
                                 rounding, overflow);
              double expectedValue =
                  std::ldexp(double(int64_t(expected)), -format.fractionalBits);
              if (!narrow.ok() || !wide.ok() || !viaDouble.ok() ||
                  Int128(narrow.mantissa) != expected ||
                  wide.mantissa != expected ||
                  narrow.overflowed != want.overflowed ||
                  wide.overflowed != want.overflowed ||
                  viaDouble.value != expectedValue) {
                ADD_FAILURE()
                    << "k=" << k << " W=" << width << " I=" << integerWidth
                    << " " << roundingName(rounding) << " "
                    << overflowName(overflow) << " x=" << n << "*2^-"
                    << inputFrac << ": expected " << int64_t(expected)
                    << ", got " << narrow.mantissa << " / "
                    << int64_t(wide.mantissa) << " / " << viaDouble.value;
                return;
              }
              ++checked;
            }
          }
      }
  // 2 signs x 9 widths x 17 integer widths x 28 modes, grids of 2^(W+4)*3+1.
  EXPECT_GT(checked, 10'000'000);
  RecordProperty("cases", std::to_string(checked));
}

} // namespace

#include "hgq/Fixed/QuantizePlan.h"

namespace {

/// The executor's precomputed plan agrees with `quantize` on every format up
/// to 8 bits, every mode (and the layer-level "round only" mode), inputs at
/// several fractional offsets, and mixed per-element formats in one plan.
TEST(QuantizeExhaustive, PlanMatchesReference) {
  std::vector<Format> formats;
  for (int k = 0; k <= 1; ++k)
    for (int width = 0; width <= 8; ++width)
      for (int integerWidth = -3; integerWidth <= 10; ++integerWidth)
        formats.push_back(width == 0 ? Format{}
                                     : Format::fromKBI(k, width, integerWidth));
  int64_t checked = 0;
  for (int inputFrac : {-4, 0, 3, 9, 14})
    for (int r = 0; r <= int(Rounding::RND_MIN_INF); ++r)
      for (int o = -1; o <= int(Overflow::SAT_ZERO); ++o) {
        Rounding rounding = Rounding(r);
        std::optional<Overflow> overflow;
        if (o >= 0)
          overflow = Overflow(o);
        QuantizePlan plan(formats, rounding, overflow, inputFrac);
        for (size_t element = 0; element < formats.size(); ++element) {
          const Format &format = formats[element];
          for (int64_t n = -1500; n <= 1500; n += 7) {
            int64_t mantissa = n * 13 + (n % 5);
            int64_t out = 0;
            bool overflowed = false;
            ASSERT_TRUE(plan.apply(element, mantissa, out, overflowed));
            Quantized<Int128> want =
                overflow ? quantize<Int128>(mantissa, inputFrac, format,
                                            rounding, *overflow)
                         : roundTo<Int128>(mantissa, inputFrac,
                                           format.fractionalBits, rounding);
            ASSERT_TRUE(want.ok());
            bool dead = overflow && format.isDead();
            int64_t shift =
                dead ? 0 : plan.outputFractionalBits() - format.fractionalBits;
            Int128 expected = want.mantissa * (Int128(1) << shift);
            if (Int128(out) != expected || overflowed != want.overflowed) {
              ADD_FAILURE()
                  << "format " << format.str() << " f=" << format.fractionalBits
                  << " " << roundingName(rounding) << " overflow " << o
                  << " input " << mantissa << "*2^-" << inputFrac << ": got "
                  << out << ", expected " << int64_t(expected);
              return;
            }
            bool viaDoubleOverflowed = false;
            int64_t viaDouble = 0;
            ASSERT_TRUE(plan.applyDouble(
                element, std::ldexp(double(mantissa), -inputFrac), viaDouble,
                viaDoubleOverflowed));
            ASSERT_EQ(viaDouble, out);
            // float32 inputs (these mantissas have at most 12 bits) take the
            // floating-point fast path.
            float asFloat = std::ldexp(float(mantissa), -inputFrac);
            int64_t viaFloat = 0;
            bool viaFloatOverflowed = false;
            ASSERT_TRUE(plan.applyFloat(element, asFloat, viaFloat,
                                        viaFloatOverflowed));
            ASSERT_EQ(viaFloat, out) << "float path, " << format.str();
            ASSERT_EQ(viaFloatOverflowed, want.overflowed);
            ++checked;
          }
        }
      }
  EXPECT_GT(checked, 1'000'000);
}

/// The float32 fast path on values with all 24 mantissa bits set, tiny
/// values, ties and huge values, against quantize() on the exact value.
TEST(QuantizePlan, FloatPathMatchesReference) {
  std::vector<Format> formats = {Format{1, 3, 4}, Format{0, 2, 9},
                                 Format{1, 10, -3}, Format{1, 0, 20}};
  std::vector<float> values;
  for (int exponent = -40; exponent <= 40; ++exponent)
    for (float mantissa : {1.0f, 1.5f, 1.99999988f, 1.00000012f, 1.25f})
      for (float sign : {1.0f, -1.0f})
        values.push_back(sign * std::ldexp(mantissa, exponent));
  for (int tie = -64; tie <= 64; ++tie)
    for (int f : {4, 9, -3, 20})
      values.push_back(std::ldexp(float(tie) + 0.5f, -f));
  values.push_back(0.0f);
  values.push_back(-0.0f);
  values.push_back(std::numeric_limits<float>::denorm_min());
  values.push_back(-std::numeric_limits<float>::denorm_min());
  values.push_back(std::numeric_limits<float>::max());
  for (Rounding rounding : {Rounding::TRN, Rounding::RND})
    for (std::optional<Overflow> overflow :
         {std::optional<Overflow>(), std::optional<Overflow>(Overflow::SAT),
          std::optional<Overflow>(Overflow::WRAP)}) {
      QuantizePlan plan(formats, rounding, overflow, 0);
      for (size_t element = 0; element < formats.size(); ++element)
        for (float value : values) {
          int64_t viaFloat = 0, viaDouble = 0;
          bool floatOverflowed = false, doubleOverflowed = false;
          bool floatOk =
              plan.applyFloat(element, value, viaFloat, floatOverflowed);
          bool doubleOk =
              plan.applyDouble(element, value, viaDouble, doubleOverflowed);
          ASSERT_EQ(floatOk, doubleOk) << value;
          if (floatOk) {
            ASSERT_EQ(viaFloat, viaDouble)
                << value << " " << formats[element].str();
            ASSERT_EQ(floatOverflowed, doubleOverflowed);
          }
        }
    }
}

TEST(QuantizePlan, ReportsMantissasThatDoNotFit) {
  // Round-only plan whose output needs more than 63 bits.
  QuantizePlan plan({Format{1, 0, 0}, Format{1, 0, 40}}, Rounding::RND,
                    std::nullopt, 0);
  int64_t out = 0;
  bool overflowed = false;
  EXPECT_TRUE(plan.apply(1, 5, out, overflowed));
  EXPECT_EQ(out, int64_t(5) << 40);
  EXPECT_FALSE(plan.apply(0, int64_t(1) << 40, out, overflowed));
  EXPECT_FALSE(plan.applyDouble(0, NAN, out, overflowed));
}

} // namespace
