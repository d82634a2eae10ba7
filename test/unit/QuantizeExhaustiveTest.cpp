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

/// Every format of 0 to 8 bits, signed and unsigned, with integer widths
/// (sign included) from -3 to 10.
std::vector<Format> formatsUpTo8Bits() {
  std::vector<Format> formats;
  for (int k = 0; k <= 1; ++k)
    for (int width = 0; width <= 8; ++width)
      for (int integerWidth = -3; integerWidth <= 10; ++integerWidth)
        formats.push_back(width == 0 ? Format{}
                                     : Format::fromKBI(k, width, integerWidth));
  return formats;
}

/// The executor's precomputed plan agrees with `quantize` on every format up
/// to 8 bits, every mode (and the layer-level "round only" mode), inputs at
/// several fractional offsets, and mixed per-element formats in one plan.
TEST(QuantizeExhaustive, PlanMatchesReference) {
  std::vector<Format> formats = formatsUpTo8Bits();
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

/// applyRows (the executor's path) against apply()/applyFloat() element by
/// element: every format up to 8 bits in one row, every mode, rows of
/// ordinary values and rows holding extremes (INT64_MIN/MAX, values around
/// the bounds that force a row to be redone, non-finite floats).
TEST(QuantizeExhaustive, RowsMatchElementwise) {
  std::vector<Format> formats = formatsUpTo8Bits();
  formats.push_back(Format{1, 20, 40}); // an output shift near the limit
  const int64_t count = int64_t(formats.size());
  std::vector<int64_t> specials = {INT64_MAX,
                                   INT64_MIN,
                                   INT64_MAX - 1,
                                   -INT64_MAX,
                                   int64_t(1) << 62,
                                   -(int64_t(1) << 62),
                                   (int64_t(1) << 40) + 3,
                                   -(int64_t(1) << 50)};
  int64_t checked = 0, planned = 0;
  for (int inputFrac : {-4, 0, 3, 9, 14, 60})
    for (Rounding rounding : {Rounding::TRN, Rounding::RND, Rounding::RND_CONV})
      for (int o = -1; o <= int(Overflow::SAT_ZERO); ++o) {
        std::optional<Overflow> overflow;
        if (o >= 0)
          overflow = Overflow(o);
        QuantizePlan plan(formats, rounding, overflow, inputFrac);
        std::vector<int64_t> in, rowsOut;
        for (int64_t n = -700; n <= 700; n += 3)
          for (int64_t e = 0; e < count; ++e)
            in.push_back(n * 37 + e * 5 - (n % 7));
        for (int64_t special : specials)
          for (int64_t e = 0; e < count; ++e)
            in.push_back(e % 3 == 0 ? special : e - 40);
        int64_t rows = int64_t(in.size()) / count;
        rowsOut.assign(in.size(), -1);
        int64_t rowsOverflow = 0;
        bool rowsOk =
            plan.applyRows(in.data(), rows, rowsOut.data(), rowsOverflow);
        // Element by element, stopping where apply() fails (as applyRows
        // does: it reports failure for the call).
        bool elementsOk = true;
        int64_t elementsOverflow = 0;
        for (int64_t index = 0; index < int64_t(in.size()) && elementsOk;
             ++index) {
          int64_t out = 0;
          bool overflowed = false;
          elementsOk =
              plan.apply(size_t(index % count), in[index], out, overflowed);
          if (elementsOk) {
            elementsOverflow += overflowed;
            ASSERT_EQ(rowsOut[index], out)
                << "element " << index % count << " ("
                << formats[index % count].str() << ") input " << in[index]
                << "*2^-" << inputFrac << " overflow mode " << o;
            ++checked;
          }
        }
        ASSERT_EQ(rowsOk, elementsOk);
        if (rowsOk) {
          ASSERT_EQ(rowsOverflow, elementsOverflow);
        }
        planned += plan.rowsPlanned();

        // Integer mantissas held in float32 (a float32 product's results):
        // the ordinary rows and rows at the edge of float32's exactness.
        std::vector<float> asFloats;
        std::vector<int64_t> exactInputs;
        for (int64_t index = 0; index < int64_t(in.size()); ++index)
          if (in[index] > -(int64_t(1) << 24) && in[index] < (int64_t(1) << 24))
            exactInputs.push_back(in[index]);
        exactInputs.resize(exactInputs.size() / count * count);
        for (int64_t edge :
             {(int64_t(1) << 24) - 1, -(int64_t(1) << 23), int64_t(12345)})
          for (int64_t e = 0; e < count; ++e)
            exactInputs.push_back(e % 2 ? edge : -edge);
        asFloats.assign(exactInputs.begin(), exactInputs.end());
        std::vector<int64_t> mantissaOut(exactInputs.size(), -1);
        int64_t mantissaOverflow = 0;
        bool mantissaOk = plan.applyMantissaRows(
            asFloats.data(), int64_t(asFloats.size()) / count,
            mantissaOut.data(), mantissaOverflow);
        bool mantissaElementsOk = true;
        int64_t mantissaElementsOverflow = 0;
        for (int64_t index = 0;
             index < int64_t(exactInputs.size()) && mantissaElementsOk;
             ++index) {
          int64_t out = 0;
          bool overflowed = false;
          mantissaElementsOk = plan.apply(size_t(index % count),
                                          exactInputs[index], out, overflowed);
          if (mantissaElementsOk) {
            mantissaElementsOverflow += overflowed;
            ASSERT_EQ(mantissaOut[index], out)
                << "mantissa element " << index % count << " ("
                << formats[index % count].str() << ") input "
                << exactInputs[index] << "*2^-" << inputFrac;
          }
        }
        ASSERT_EQ(mantissaOk, mantissaElementsOk);
        if (mantissaOk) {
          ASSERT_EQ(mantissaOverflow, mantissaElementsOverflow);
        }

        // float32 rows.
        std::vector<float> values;
        for (int64_t n = -700; n <= 700; n += 3)
          for (int64_t e = 0; e < count; ++e)
            values.push_back(std::ldexp(float(n * 37 + e * 5), -inputFrac / 2));
        for (float special : {std::numeric_limits<float>::max(), 1e30f, -1e30f,
                              0x1p49f, -0x1p51f, 0.0f})
          for (int64_t e = 0; e < count; ++e)
            values.push_back(e % 2 ? special : 0.5f);
        int64_t floatRows = int64_t(values.size()) / count;
        std::vector<int64_t> floatOut(values.size(), -1);
        int64_t floatOverflow = 0;
        bool floatOk = plan.applyRows(values.data(), floatRows, floatOut.data(),
                                      floatOverflow);
        bool floatElementsOk = true;
        int64_t floatElementsOverflow = 0;
        for (int64_t index = 0;
             index < int64_t(values.size()) && floatElementsOk; ++index) {
          int64_t out = 0;
          bool overflowed = false;
          floatElementsOk = plan.applyFloat(size_t(index % count),
                                            values[index], out, overflowed);
          if (floatElementsOk) {
            floatElementsOverflow += overflowed;
            ASSERT_EQ(floatOut[index], out) << "float element " << index % count
                                            << " input " << values[index];
          }
        }
        ASSERT_EQ(floatOk, floatElementsOk);
        if (floatOk) {
          ASSERT_EQ(floatOverflow, floatElementsOverflow);
        }
      }
  EXPECT_GT(checked, 1'000'000);
  // TRN and RND with no overflow mode, SAT or WRAP take the row loops at
  // five input offsets (5 x 2 x 3 plans); at 60 fractional bits a format
  // with f = -9 needs a 69-bit shift, and the other rounding modes go
  // element by element.
  EXPECT_EQ(planned, 30);
}

/// applyRowsToFloat (results held in float32) agrees with apply() and
/// applyFloat() element by element, overflow counts included, on every
/// format up to 8 bits, TRN and RND, no overflow mode, SAT and WRAP; a row
/// is refused only when a value is past float32's exact range, and then the
/// call counts nothing.
TEST(QuantizeExhaustive, FloatStorageRowsMatchElementwise) {
  std::vector<Format> formats = formatsUpTo8Bits();
  formats.push_back(Format{0, -2, 12}); // negative integer bits
  const int64_t count = int64_t(formats.size());
  int64_t checked = 0, refused = 0, planned = 0;
  for (int inputFrac : {-4, 0, 3, 9, 14})
    for (Rounding rounding : {Rounding::TRN, Rounding::RND})
      for (int o : {-1, int(Overflow::SAT), int(Overflow::WRAP)}) {
        std::optional<Overflow> overflow;
        if (o >= 0)
          overflow = Overflow(o);
        QuantizePlan plan(formats, rounding, overflow, inputFrac);
        ASSERT_TRUE(plan.floatRowsPlanned())
            << "input f " << inputFrac << " mode " << o;
        ++planned;
        // Mantissa rows: one row per call, so each refusal is one row's.
        for (int64_t n = -900; n <= 900; n += 7) {
          std::vector<float> row(size_t(count), 0.0f);
          for (int64_t e = 0; e < count; ++e) {
            int64_t m = n * 131 + e * 17 - (n % 5);
            if (n == 900) // the edge of float32's integers
              m = e % 2 ? (int64_t(1) << 24) - 1 - e : -(int64_t(1) << 23);
            row[size_t(e)] = float(m);
          }
          std::vector<float> out(size_t(count), -7.0f);
          int64_t overflowCount = 0;
          bool ok = plan.applyRowsToFloat(row.data(), false, 1, out.data(),
                                          overflowCount);
          int64_t expectedOverflows = 0;
          bool large = false;
          for (int64_t e = 0; e < count; ++e) {
            int64_t expected = 0;
            bool overflowed = false;
            bool elementOk = plan.apply(size_t(e), int64_t(row[size_t(e)]),
                                        expected, overflowed);
            expectedOverflows += overflowed;
            // The causes of a refusal: the value at f before the overflow
            // mode, or the result, past float32's exact integers.
            int shift = inputFrac - formats[size_t(e)].fractionalBits;
            double half = rounding == Rounding::RND && shift > 0
                              ? std::ldexp(1.0, shift - 1)
                              : 0.0;
            double before =
                std::floor(std::ldexp(double(row[size_t(e)]) + half, -shift));
            large |= !elementOk || std::fabs(before) >= 0x1p23 ||
                     std::llabs(expected) >= (int64_t(1) << 24) ||
                     std::fabs(row[size_t(e)]) + half >= 0x1p24;
            if (ok) {
              ASSERT_TRUE(elementOk);
              ASSERT_EQ(double(out[size_t(e)]), double(expected))
                  << formats[size_t(e)].str() << " mantissa " << row[size_t(e)]
                  << "*2^-" << inputFrac << " mode " << o;
              ASSERT_FALSE(out[size_t(e)] == 0.0f &&
                           std::signbit(out[size_t(e)])); // no -0
              ++checked;
            }
          }
          if (ok) {
            ASSERT_EQ(overflowCount, expectedOverflows);
          } else {
            ASSERT_TRUE(large) << "row " << n << " refused without cause";
            ASSERT_EQ(overflowCount, 0);
            ++refused;
          }
        }
        // float32 rows, with values that cannot be held.
        for (int64_t n = -600; n <= 600; n += 11) {
          std::vector<float> row(static_cast<size_t>(count));
          for (int64_t e = 0; e < count; ++e)
            row[size_t(e)] =
                std::ldexp(float(n * 37 + e * 5), -8 - inputFrac / 2);
          if (n == 600)
            row[3] = std::numeric_limits<float>::quiet_NaN();
          if (n == 589)
            row[5] = 1e30f;
          std::vector<float> out(size_t(count), -7.0f);
          int64_t overflowCount = 0;
          bool ok = plan.applyRowsToFloat(row.data(), true, 1, out.data(),
                                          overflowCount);
          if (n == 600 || n == 589) {
            ASSERT_FALSE(ok);
            ASSERT_EQ(overflowCount, 0);
            continue;
          }
          if (!ok) { // only when a scaled value is past 2^23
            bool large = false;
            for (int64_t e = 0; e < count; ++e)
              large |=
                  std::fabs(std::ldexp(double(row[size_t(e)]),
                                       formats[size_t(e)].fractionalBits)) >=
                  0x1p23;
            ASSERT_TRUE(large) << "float row " << n << " refused without cause";
            ASSERT_EQ(overflowCount, 0);
            ++refused;
            continue;
          }
          int64_t expectedOverflows = 0;
          for (int64_t e = 0; e < count; ++e) {
            int64_t expected = 0;
            bool overflowed = false;
            ASSERT_TRUE(plan.applyFloat(size_t(e), row[size_t(e)], expected,
                                        overflowed));
            expectedOverflows += overflowed;
            ASSERT_EQ(double(out[size_t(e)]), double(expected))
                << formats[size_t(e)].str() << " value " << row[size_t(e)]
                << " mode " << o;
            ++checked;
          }
          ASSERT_EQ(overflowCount, expectedOverflows);
        }
      }
  EXPECT_EQ(planned, 30);
  EXPECT_GT(checked, 500'000);
  EXPECT_GT(refused, 0);
  // 24 bits is the widest format planned; other rounding modes, wider
  // formats and shifts past 24 bits are not.
  EXPECT_TRUE(QuantizePlan({Format{1, 3, 20}}, Rounding::RND, Overflow::WRAP, 0)
                  .floatRowsPlanned());
  EXPECT_FALSE(QuantizePlan(formats, Rounding::RND_CONV, Overflow::WRAP, 0)
                   .floatRowsPlanned());
  EXPECT_FALSE(
      QuantizePlan({Format{1, 10, 20}}, Rounding::TRN, Overflow::WRAP, 0)
          .floatRowsPlanned());
  EXPECT_FALSE(QuantizePlan({Format{1, 3, 4}}, Rounding::TRN, Overflow::SAT, 40)
                   .floatRowsPlanned());
}

/// Formats that repeat (one per channel, one for the whole tensor) are
/// stored for one run of at least 1024 elements; every element of every
/// row still gets its own format: rows of int64, float32 and float-held
/// mantissas against `quantize`.
/// One format for a whole tensor (the float rows then hold its constants in
/// registers): every format up to 8 bits, alone in a plan of 64 elements,
/// against apply()/applyFloat() element by element, mantissa and float
/// inputs, every mode of the float rows.
TEST(QuantizeExhaustive, UniformFloatRowsMatchElementwise) {
  int64_t checked = 0;
  for (const Format &format : formatsUpTo8Bits())
    for (int inputFrac : {-4, 3, 14})
      for (Rounding rounding : {Rounding::TRN, Rounding::RND})
        for (int o : {-1, int(Overflow::SAT), int(Overflow::WRAP)}) {
          std::optional<Overflow> overflow;
          if (o >= 0)
            overflow = Overflow(o);
          const int64_t count = 64, rows = 3;
          QuantizePlan plan(std::vector<Format>(count, format), rounding,
                            overflow, inputFrac);
          ASSERT_TRUE(plan.floatRowsPlanned());
          std::vector<float> mantissas(size_t(rows * count)),
              values(size_t(rows * count));
          for (int64_t e = 0; e < rows * count; ++e) {
            mantissas[size_t(e)] = float(e * 523 % 6001 - 3000);
            values[size_t(e)] = float(e * 37 % 301 - 150) * 0.03125f;
          }
          for (bool floatInput : {false, true}) {
            const std::vector<float> &in = floatInput ? values : mantissas;
            std::vector<float> out(in.size(), -7.0f);
            int64_t overflows = 0, expectedOverflows = 0;
            bool ok = plan.applyRowsToFloat(in.data(), floatInput, rows,
                                            out.data(), overflows);
            if (!ok) {
              // Refused: some value at f is past float32's proven range.
              bool cause = false;
              for (float x : in) {
                double scale = std::ldexp(
                    1.0, format.fractionalBits - (floatInput ? 0 : inputFrac));
                cause |= std::fabs(double(x) * scale) >= 0x1p23 - 1;
              }
              ASSERT_TRUE(cause) << format.str() << " input f " << inputFrac;
              EXPECT_EQ(overflows, 0);
              continue;
            }
            for (int64_t e = 0; e < rows * count; ++e) {
              int64_t expected = 0;
              bool overflowed = false;
              ASSERT_TRUE(
                  floatInput
                      ? plan.applyFloat(size_t(e % count), in[size_t(e)],
                                        expected, overflowed)
                      : plan.apply(size_t(e % count), int64_t(in[size_t(e)]),
                                   expected, overflowed));
              expectedOverflows += overflowed;
              ASSERT_EQ(double(out[size_t(e)]), double(expected))
                  << format.str() << " input " << in[size_t(e)] << " f "
                  << inputFrac << " mode " << o;
              ++checked;
            }
            EXPECT_EQ(overflows, expectedOverflows) << format.str();
          }
        }
  EXPECT_GT(checked, 1000000);
}

TEST(QuantizePlan, RepeatingFormatsMatchReference) {
  struct Case {
    std::vector<Format> period;
    size_t count, stored;
  };
  const Case cases[] = {
      {{Format{1, 2, 3}}, 12544, 1568},                     // one format
      {{Format{1, 2, 3}, Format{0, 4, 1}, Format{1, 0, 6}}, // 3 channels
       6144,
       1536},
      {{Format{1, 2, 3}, Format{0, 4, 1}}, 1000, 1000}, // short: as is
  };
  for (const Case &c : cases) {
    std::vector<Format> formats;
    for (size_t e = 0; e < c.count; ++e)
      formats.push_back(c.period[e % c.period.size()]);
    // A format that breaks the period: nothing is shared.
    std::vector<Format> broken = formats;
    broken.back() = Format{1, 5, 5};
    EXPECT_EQ(
        QuantizePlan(broken, Rounding::TRN, Overflow::WRAP, 4).storedSize(),
        c.count);
    for (Rounding rounding : {Rounding::TRN, Rounding::RND})
      for (Overflow overflow : {Overflow::SAT, Overflow::WRAP}) {
        QuantizePlan plan(formats, rounding, overflow, 4);
        ASSERT_EQ(plan.size(), c.count);
        ASSERT_EQ(plan.storedSize(), c.stored);
        const int64_t rows = 2;
        std::vector<int64_t> in(rows * c.count);
        for (size_t index = 0; index < in.size(); ++index)
          in[index] = int64_t(index % 977) * 3 - 1400;
        std::vector<int64_t> out(in.size());
        std::vector<float> held(in.size());
        std::vector<float> asFloat(in.begin(), in.end());
        int64_t overflows = 0, heldOverflows = 0, expectedOverflows = 0;
        ASSERT_TRUE(plan.applyRows(in.data(), rows, out.data(), overflows));
        ASSERT_TRUE(plan.applyRowsToFloat(asFloat.data(), false, rows,
                                          held.data(), heldOverflows));
        for (size_t index = 0; index < in.size(); ++index) {
          const Format &format = formats[index % c.count];
          ASSERT_EQ(plan.format(index % c.count), format);
          Quantized<Int128> want =
              quantize<Int128>(in[index], 4, format, rounding, overflow);
          ASSERT_TRUE(want.ok());
          expectedOverflows += want.overflowed;
          int64_t shift = plan.outputFractionalBits() - format.fractionalBits;
          int64_t expected = int64_t(want.mantissa) * (int64_t(1) << shift);
          ASSERT_EQ(out[index], expected) << "element " << index;
          ASSERT_EQ(double(held[index]), double(expected));
          int64_t single = 0;
          bool overflowed = false;
          ASSERT_TRUE(
              plan.apply(index % c.count, in[index], single, overflowed));
          ASSERT_EQ(single, expected);
        }
        EXPECT_EQ(overflows, expectedOverflows);
        EXPECT_EQ(heldOverflows, expectedOverflows);
      }
  }
}

/// passesThrough against the definition: for every pair of formats up to 5
/// bits (the producer wrapping, the consumer in every overflow mode and the
/// round-only mode, with and without a relu between), the consumer, applied
/// by the reference `quantize` to every value the producer can output, must
/// give it back at the same fractional bits whenever the proof says so; and
/// the proof must hold whenever that is the case (it is exact for one
/// element), except for a dead consumer after a relu that leaves only 0.
TEST(QuantizePlan, PassesThroughMatchesDefinition) {
  std::vector<Format> formats;
  for (int k = 0; k <= 1; ++k)
    for (int width = 0; width <= 5; ++width)
      for (int integerWidth = -2; integerWidth <= 5; ++integerWidth)
        formats.push_back(width == 0 ? Format{}
                                     : Format::fromKBI(k, width, integerWidth));
  int64_t proven = 0, identities = 0;
  for (const Format &in : formats) {
    QuantizePlan producer({in}, Rounding::TRN, Overflow::WRAP, 7);
    int64_t frac = producer.outputFractionalBits();
    // Every output of the producer, as a mantissa at `frac`.
    std::vector<int64_t> outputs{0};
    if (!in.isDead()) {
      int64_t high = (int64_t(1) << (in.integerBits + in.fractionalBits)) - 1;
      int64_t low = -(high + 1) * in.keepNegative;
      int64_t shift = frac - in.fractionalBits;
      outputs.clear();
      for (int64_t m = low; m <= high; ++m)
        outputs.push_back(m * (int64_t(1) << shift));
    }
    for (const Format &out : formats)
      for (int o = -1; o <= int(Overflow::SAT_ZERO); ++o)
        for (bool relu : {false, true}) {
          std::optional<Overflow> overflow;
          if (o >= 0)
            overflow = Overflow(o);
          QuantizePlan consumer({out}, Rounding::RND, overflow, frac);
          bool identity = consumer.outputFractionalBits() == frac;
          for (int64_t value : outputs) {
            if (!identity)
              break;
            int64_t v = relu ? std::max<int64_t>(value, 0) : value;
            Quantized<Int128> got =
                overflow
                    ? quantize<Int128>(v, frac, out, Rounding::RND, *overflow)
                    : roundTo<Int128>(v, frac, out.fractionalBits,
                                      Rounding::RND);
            ASSERT_TRUE(got.ok());
            bool dead = overflow && out.isDead();
            int64_t shift =
                dead ? 0 : consumer.outputFractionalBits() - out.fractionalBits;
            identity = got.mantissa * (Int128(1) << shift) == Int128(v);
          }
          bool passes = consumer.passesThrough(producer, relu);
          identities += identity;
          proven += passes;
          if (passes && !identity)
            FAIL() << "passesThrough(" << in.str() << " -> " << out.str()
                   << ", overflow " << o << ", relu " << relu
                   << ") but some value changes";
          if (identity && !passes && !(overflow && out.isDead()))
            FAIL() << "passesThrough missed " << in.str() << " -> " << out.str()
                   << ", overflow " << o << ", relu " << relu;
        }
    // A producer without an overflow mode is unbounded: never proven.
    QuantizePlan unbounded({in}, Rounding::TRN, std::nullopt, 7);
    QuantizePlan wide({Format{1, 40, 20}}, Rounding::TRN, Overflow::SAT,
                      unbounded.outputFractionalBits());
    EXPECT_FALSE(wide.passesThrough(unbounded, false));
  }
  EXPECT_GT(proven, 1000);
  EXPECT_GT(identities, proven / 2);

  // Formats repeating with different periods (3 and 4 over 3072 elements,
  // stored as runs of 1536 and 1024): one element that does not fit, late
  // in the tensor, is found.
  std::vector<Format> produced, consumed;
  for (int64_t e = 0; e < 3072; ++e) {
    produced.push_back(Format{1, int(e % 3), 4});
    consumed.push_back(Format{1, 2 + int(e % 4 == 3), 4});
  }
  QuantizePlan producer(produced, Rounding::TRN, Overflow::WRAP, 9);
  QuantizePlan fits(consumed, Rounding::TRN, Overflow::SAT,
                    producer.outputFractionalBits());
  EXPECT_TRUE(fits.passesThrough(producer, false));
  consumed[3071] = Format{1, 1, 4}; // element 3071: producer i = 2
  QuantizePlan misses(consumed, Rounding::TRN, Overflow::SAT,
                      producer.outputFractionalBits());
  EXPECT_FALSE(misses.passesThrough(producer, false));
  // Its positive half does not fit either: a relu does not help.
  EXPECT_FALSE(misses.passesThrough(producer, true));
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
