//===- QuantizePlan.cpp - Per-element quantization, precomputed -----------===//
//
// Why applyFloat may floor in double: a float32 times 2^f has at most 24
// significant bits, so the scaling is exact, floor(s) is exact, and s + 0.5
// is exact whenever |s| >= 0.25 and |s| < 2^50 (the sum spans at most 53
// bits). For |s| < 0.25, s + 0.5 may round, but stays inside [0.25, 0.75],
// whose floor is 0 like the exact one's. So floor(s + 0.5) is RND exactly.
//

#include "hgq/Fixed/QuantizePlan.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <type_traits>

namespace hgq::fixed {

namespace {

/// The number of leading formats a plan needs to store: the smallest
/// multiple of the formats' period that divides their count and is at least
/// 1024 (long enough for the row loops), or the count itself.
size_t storedLength(const std::vector<Format> &formats) {
  constexpr size_t kRun = 1024, kLongestPeriod = 4096;
  size_t count = formats.size();
  if (count <= kRun)
    return count;
  for (size_t period = 1; period <= kLongestPeriod && period < count;
       ++period) {
    if (count % period != 0)
      continue;
    bool repeats = true;
    for (size_t e = period; e < count && repeats; ++e)
      repeats = formats[e] == formats[e - period];
    if (!repeats)
      continue;
    for (size_t length = period; length < count; length += period)
      if (length >= kRun && count % length == 0)
        return length;
    return count;
  }
  return count;
}

} // namespace

QuantizePlan::QuantizePlan(std::vector<Format> formats, Rounding rounding,
                           std::optional<Overflow> overflow,
                           int64_t inputFractionalBits)
    : size_(formats.size()), formats_(std::move(formats)), rounding_(rounding),
      overflow_(overflow), inputFractionalBits_(inputFractionalBits) {
  formats_.resize(storedLength(formats_));
  // Without an overflow mode only f matters: nothing is dead at layer level.
  auto isDead = [&](const Format &format) {
    return overflow_ && format.isDead();
  };
  bool any = false;
  for (const Format &format : formats_)
    if (!isDead(format)) {
      outputFractionalBits_ =
          any ? std::max<int64_t>(outputFractionalBits_, format.fractionalBits)
              : format.fractionalBits;
      any = true;
    }
  elements_.reserve(formats_.size());
  for (const Format &format : formats_) {
    Element plan{};
    plan.scale = std::ldexp(1.0, format.fractionalBits);
    plan.dead = isDead(format);
    plan.shift = inputFractionalBits - format.fractionalBits;
    plan.outShift = outputFractionalBits_ - format.fractionalBits;
    int width = format.width();
    bool validWidth =
        validate(format) == Status::Ok && width > 0 && width <= 62;
    if (validWidth) {
      plan.high = (int64_t(1) << (width - format.keepNegative)) - 1;
      plan.low = format.keepNegative ? -plan.high - 1 : 0;
    }
    bool simpleRounding =
        rounding == Rounding::TRN || rounding == Rounding::RND;
    bool simpleOverflow =
        !overflow || *overflow == Overflow::SAT || *overflow == Overflow::WRAP;
    plan.fast = !plan.dead && simpleRounding && simpleOverflow &&
                (validWidth || !overflow) && plan.shift < 63 &&
                plan.shift > -63 && plan.outShift < 63;
    elements_.push_back(plan);
  }
  planRows();
  planFloatRows();
}

//===----------------------------------------------------------------------===//
// Rows at a time
//===----------------------------------------------------------------------===//
//
// applyRows computes what apply() computes, as straight-line code per
// element: v = ((m + half) >> rightShift) << leftShift (one of the shifts is
// 0; half is 0 for TRN), then the overflow mode, then v << outShift. The
// exceptions apply() handles with branches (a sum past INT64_MAX, a left
// shift or output shift that would not fit) cannot happen while
// |m| <= safe[e], which is planned per element; a row with any element past
// it is redone by apply(). Float inputs: v = floor(x * 2^f + halfScaled),
// exact while |x * 2^f| < safeScaled <= 2^50 (see the top of this file).
// Arithmetic that could wrap in a row about to be redone is done on
// unsigned values, so it is defined either way. Mantissa rows are integers
// held exactly in float32 (|m| < 2^24): converted, they take the integer
// loop.

void QuantizePlan::planRows() {
  size_t count = elements_.size();
  RowArrays &a = arrays_;
  for (std::vector<int64_t> *array :
       {&a.rightShift, &a.leftShift, &a.half, &a.high, &a.low, &a.mask,
        &a.outShift, &a.keep, &a.safe})
    array->assign(count, 0);
  a.scale.assign(count, 0.0);
  a.halfScaled.assign(count, 0.0);
  a.safeScaled.assign(count, 0.0);
  rows_ = true;
  for (size_t e = 0; e < count; ++e) {
    const Element &plan = elements_[e];
    if (plan.dead) { // computes 0 from anything, never counts an overflow
      a.high[e] = kMax;
      a.low[e] = std::numeric_limits<int64_t>::min();
      a.mask[e] = -1;
      a.safe[e] = kMax;
      a.safeScaled[e] = 0x1p50;
      continue;
    }
    if (!plan.fast) {
      rows_ = false;
      return;
    }
    int64_t right = std::max<int64_t>(plan.shift, 0);
    int64_t left = std::max<int64_t>(-plan.shift, 0);
    int64_t half =
        rounding_ == Rounding::RND && right > 0 ? int64_t(1) << (right - 1) : 0;
    // The largest |v| before the output shift that keeps every step in range.
    int64_t limit;
    if (overflow_) {
      // After the overflow mode v is in [low, high]: it must survive the
      // output shift, and before it the left shift must not overflow.
      if (plan.outShift >= 63 ||
          std::max(plan.high, -plan.low) > (kMax >> plan.outShift)) {
        rows_ = false;
        return;
      }
      limit = kMax >> left;
      a.high[e] = plan.high;
      a.low[e] = plan.low;
      a.mask[e] =
          int64_t((uint64_t(1) << formats_[e].width()) - 1); // width <= 62
      a.safeScaled[e] = 0x1p50;
    } else {
      if (left + plan.outShift >= 63) {
        rows_ = false;
        return;
      }
      limit = kMax >> (left + plan.outShift);
      a.high[e] = kMax;
      a.low[e] = std::numeric_limits<int64_t>::min();
      a.mask[e] = -1;
      // |floor(s + 1/2)| <= |s| + 1: halving the limit leaves room for it
      // and for the rounding of the limit to double.
      a.safeScaled[e] = std::min(0x1p50, double((kMax >> plan.outShift) / 2));
    }
    // ceil((|m| + half) / 2^right) <= limit  <=>  |m| + half <= limit * 2^right
    int64_t reach = limit > (kMax >> right) ? kMax : limit << right;
    a.safe[e] = std::min(kMax - half, reach - half);
    a.rightShift[e] = right;
    a.leftShift[e] = left;
    a.half[e] = half;
    a.outShift[e] = plan.outShift;
    a.keep[e] = -1;
    a.scale[e] = plan.scale;
    a.halfScaled[e] = rounding_ == Rounding::RND ? 0.5 : 0.0;
  }
}

namespace {

enum class RowOverflow { None, Sat, Wrap };

/// The overflow mode and output shift of applyRows on one element; counts
/// an overflow in `changed`.
template <RowOverflow Mode>
inline int64_t finishRow(int64_t v, int64_t high, int64_t low, int64_t mask,
                         int64_t outShift, int64_t keep, int64_t &changed) {
  if constexpr (Mode != RowOverflow::None) {
    int64_t over = int64_t(v > high) | int64_t(v < low);
    changed += over;
    if constexpr (Mode == RowOverflow::Sat) {
      v = v > high ? high : v;
      v = v < low ? low : v;
    } else {
      v = int64_t(((uint64_t(v) - uint64_t(low)) & uint64_t(mask)) +
                  uint64_t(low));
    }
  }
  return int64_t((uint64_t(v) << outShift) & uint64_t(keep));
}

} // namespace

template <typename Input>
bool QuantizePlan::applyRowsElementwise(const Input *in, int64_t rows,
                                        int64_t *out,
                                        int64_t &overflowCount) const {
  size_t count = elements_.size();
  for (int64_t r = 0; r < rows; ++r)
    for (size_t e = 0; e < count; ++e) {
      bool overflowed = false;
      bool ok;
      if constexpr (std::is_same_v<Input, float>)
        ok = applyFloat(e, in[r * count + e], out[r * count + e], overflowed);
      else
        ok = apply(e, in[r * count + e], out[r * count + e], overflowed);
      if (!ok)
        return false;
      overflowCount += overflowed;
    }
  return true;
}

bool QuantizePlan::applyRows(const int64_t *in, int64_t rows, int64_t *out,
                             int64_t &overflowCount) const {
  rows = storedRows(rows);
  if (!rows_)
    return applyRowsElementwise(in, rows, out, overflowCount);
  return integerRows(in, rows, out, overflowCount);
}

template <typename Input, typename Round, typename Redo>
bool QuantizePlan::rowLoop(const Input *in, int64_t rows, int64_t *out,
                           int64_t &overflowCount, Round round,
                           Redo redo) const {
  const int64_t count = int64_t(elements_.size());
  // Restrict-qualified locals: the loops below vectorize.
  const int64_t *__restrict high = arrays_.high.data();
  const int64_t *__restrict low = arrays_.low.data();
  const int64_t *__restrict mask = arrays_.mask.data();
  const int64_t *__restrict shiftOut = arrays_.outShift.data();
  const int64_t *__restrict keep = arrays_.keep.data();
  auto run = [&](auto mode) {
    constexpr RowOverflow Mode = decltype(mode)::value;
    for (int64_t r = 0; r < rows; ++r) {
      const Input *__restrict x = in + r * count;
      int64_t *__restrict y = out + r * count;
      int64_t changed = 0, bad = 0;
      for (int64_t e = 0; e < count; ++e)
        y[e] = finishRow<Mode>(round(x[e], e, bad), high[e], low[e], mask[e],
                               shiftOut[e], keep[e], changed);
      if (bad) {
        changed = 0;
        for (int64_t e = 0; e < count; ++e) {
          bool overflowed = false;
          if (!redo(size_t(e), x[e], y[e], overflowed))
            return false;
          changed += overflowed;
        }
      }
      overflowCount += changed;
    }
    return true;
  };
  if (!overflow_)
    return run(std::integral_constant<RowOverflow, RowOverflow::None>());
  if (*overflow_ == Overflow::SAT)
    return run(std::integral_constant<RowOverflow, RowOverflow::Sat>());
  return run(std::integral_constant<RowOverflow, RowOverflow::Wrap>());
}

template <typename Input>
bool QuantizePlan::integerRows(const Input *in, int64_t rows, int64_t *out,
                               int64_t &overflowCount) const {
  const int64_t *__restrict safe = arrays_.safe.data();
  const int64_t *__restrict half = arrays_.half.data();
  const int64_t *__restrict right = arrays_.rightShift.data();
  const int64_t *__restrict left = arrays_.leftShift.data();
  return rowLoop(
      in, rows, out, overflowCount,
      [&](Input x, int64_t e, int64_t &bad) {
        int64_t m = int64_t(x);
        bad |= int64_t(m > safe[e]) | int64_t(m < -safe[e]);
        int64_t v = int64_t(uint64_t(m) + uint64_t(half[e])) >> right[e];
        return int64_t(uint64_t(v) << left[e]);
      },
      [&](size_t e, Input x, int64_t &y, bool &overflowed) {
        return apply(e, int64_t(x), y, overflowed);
      });
}

//===----------------------------------------------------------------------===//
// Rows held in float32
//===----------------------------------------------------------------------===//
//
// applyRowsToFloat computes applyRows' results in float32 arithmetic, for
// inputs and outputs that are integers below 2^24 (exact in float32):
//   mantissa input m: t = (m + half) * 2^-shift, q = floor(t): m + half is
//     an integer below 2^24 while |m| + half < 2^24, the scaling by a power
//     of two is exact, so q = floor((m + half) / 2^shift) exactly (for a
//     left shift half = 0 and q = m * 2^-shift).
//   float input x: q = floor(x * 2^f + 1/2 or 0) in double (exact, see the
//     top of this file), kept while |x * 2^f| < 2^23.
//   overflow: with |q| < 2^23 and low, high within +-2^23, q - low is an
//     integer below 2^24, and WRAP's q - floor((q - low) / 2^W) * 2^W
//     subtracts an exact multiple; SAT is min/max.
//   output: v * 2^outShift, kept while below 2^24.
// A value past these bounds makes the call return false.

void QuantizePlan::planFloatRows() {
  size_t count = elements_.size();
  FloatArrays &a = floatArrays_;
  for (std::vector<float> *array : {&a.scale, &a.half, &a.outScale, &a.high,
                                    &a.low, &a.inverseModulus, &a.floatScale})
    array->assign(count, 0.0f);
  floatRows_ = false;
  constexpr float kTwo23 = 0x1p23f;
  for (size_t e = 0; e < count; ++e) {
    const Element &plan = elements_[e];
    // Dead: scale and output scale 0 compute 0 and count nothing.
    a.high[e] = kTwo23;
    a.low[e] = -kTwo23;
    a.inverseModulus[e] = 0x1p-24f;
    if (plan.dead)
      continue;
    int64_t fractionalBits = formats_[e].fractionalBits;
    if (!plan.fast || plan.shift > 24 || plan.shift < -24 ||
        plan.outShift > 24 || fractionalBits > 100 || fractionalBits < -100)
      return;
    a.scale[e] = std::ldexp(1.0f, int(-plan.shift));
    a.floatScale[e] = std::ldexp(1.0f, int(fractionalBits));
    a.half[e] = rounding_ == Rounding::RND && plan.shift > 0
                    ? std::ldexp(1.0f, int(plan.shift) - 1)
                    : 0.0f;
    a.outScale[e] = std::ldexp(1.0f, int(plan.outShift));
    if (overflow_) {
      if (plan.high > (int64_t(1) << 23) || -plan.low > (int64_t(1) << 23))
        return;
      a.high[e] = float(plan.high);
      a.low[e] = float(plan.low);
      a.inverseModulus[e] = std::ldexp(1.0f, -int(formats_[e].width()));
    }
  }
  floatRows_ = true;
  uniform_ = !formats_.empty() && std::all_of(formats_.begin(), formats_.end(),
                                              [&](const Format &f) {
                                                return f == formats_.front();
                                              });
}

template <bool FloatInput, int Mode, bool Uniform>
bool QuantizePlan::floatStorageRows(const float *in, int64_t rows, float *out,
                                    int64_t &overflowCount) const {
  const int64_t count = int64_t(elements_.size());
  const FloatArrays &a = floatArrays_;
  const float *__restrict scale = a.scale.data();
  const float *__restrict half = a.half.data();
  const float *__restrict outScale = a.outScale.data();
  const float *__restrict high = a.high.data();
  const float *__restrict low = a.low.data();
  const float *__restrict inverseModulus = a.inverseModulus.data();
  const float *__restrict floatScale = a.floatScale.data();
  const double floatHalf = rounding_ == Rounding::RND ? 0.5 : 0.0;
  int64_t changed = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float *__restrict x = in + r * count;
    float *__restrict y = out + r * count;
    // Flags and counts as ints, conditions as selects: the loop vectorizes.
    int bad = 0, rowChanged = 0;
    for (int64_t e = 0; e < count; ++e) {
      const int64_t i = Uniform ? 0 : e; // the element's float arrays
      float q;
      if constexpr (FloatInput) {
        double scaled = double(x[e]) * double(floatScale[i]);
        bad |= int(!(std::fabs(scaled) < 0x1p23)); // also NaN
        q = float(std::floor(scaled + floatHalf));
      } else {
        bad |= int(!(std::fabs(x[e]) + half[i] < 0x1p24f));
        float t = (x[e] + half[i]) * scale[i];
        bad |= int(!(std::fabs(t) < 0x1p23f));
        q = std::floor(t);
      }
      float v = q;
      if constexpr (Mode == int(RowOverflow::Sat)) {
        v = v > high[i] ? high[i] : v;
        v = v < low[i] ? low[i] : v;
        rowChanged += int(v != q);
      } else if constexpr (Mode == int(RowOverflow::Wrap)) {
        rowChanged += int(q > high[i]) + int(q < low[i]);
        float modulus = high[i] - low[i] + 1.0f;
        v = q - std::floor((q - low[i]) * inverseModulus[i]) * modulus;
      }
      float result = v * outScale[i];
      bad |= int(!(std::fabs(result) < 0x1p24f));
      y[e] = result + 0.0f; // never -0
    }
    if (bad)
      return false;
    changed += rowChanged;
  }
  overflowCount += changed;
  return true;
}

bool QuantizePlan::applyRowsToFloat(const float *in, bool floatInput,
                                    int64_t rows, float *out,
                                    int64_t &overflowCount) const {
  if (!floatRows_)
    return false;
  rows = storedRows(rows);
  // Dead elements count nothing; without an overflow mode nothing counts.
  auto run = [&](auto mode) {
    constexpr int Mode = decltype(mode)::value;
    if (uniform_)
      return floatInput ? floatStorageRows<true, Mode, true>(in, rows, out,
                                                             overflowCount)
                        : floatStorageRows<false, Mode, true>(in, rows, out,
                                                              overflowCount);
    return floatInput ? floatStorageRows<true, Mode, false>(in, rows, out,
                                                            overflowCount)
                      : floatStorageRows<false, Mode, false>(in, rows, out,
                                                             overflowCount);
  };
  if (!overflow_)
    return run(std::integral_constant<int, int(RowOverflow::None)>());
  if (*overflow_ == Overflow::SAT)
    return run(std::integral_constant<int, int(RowOverflow::Sat)>());
  return run(std::integral_constant<int, int(RowOverflow::Wrap)>());
}

bool QuantizePlan::applyRows(const float *in, int64_t rows, int64_t *out,
                             int64_t &overflowCount) const {
  rows = storedRows(rows);
  if (!rows_)
    return applyRowsElementwise(in, rows, out, overflowCount);
  return floatRows(in, rows, out, overflowCount);
}

bool QuantizePlan::applyMantissaRows(const float *in, int64_t rows,
                                     int64_t *out,
                                     int64_t &overflowCount) const {
  rows = storedRows(rows);
  if (!rows_) {
    int64_t count = int64_t(storedSize());
    for (int64_t index = 0; index < rows * count; ++index) {
      bool overflowed = false;
      if (!apply(size_t(index % count), int64_t(in[index]), out[index],
                 overflowed))
        return false;
      overflowCount += overflowed;
    }
    return true;
  }
  return integerRows(in, rows, out, overflowCount);
}

bool QuantizePlan::floatRows(const float *in, int64_t rows, int64_t *out,
                             int64_t &overflowCount) const {
  const double *__restrict scale = arrays_.scale.data();
  const double *__restrict safe = arrays_.safeScaled.data();
  const double *__restrict half = arrays_.halfScaled.data();
  return rowLoop(
      in, rows, out, overflowCount,
      [&](float x, int64_t e, int64_t &bad) {
        double scaled = double(x) * scale[e];
        bool ok = std::fabs(scaled) < safe[e]; // false for NaN
        bad |= int64_t(!ok);
        // floor() without a libm call: below 2^50 the truncation is exact,
        // and one less where it rounded up (negative non-integers).
        double sum = (ok ? scaled : 0.0) + half[e];
        int64_t t = int64_t(sum);
        return t - int64_t(double(t) > sum);
      },
      [&](size_t e, float x, int64_t &y, bool &overflowed) {
        return applyFloat(e, x, y, overflowed);
      });
}

bool QuantizePlan::wide(size_t element, int64_t mantissa,
                        int64_t fractionalBits, int64_t &out,
                        bool &overflowed) const {
  const Format &format = formats_[element];
  Quantized<Int128> result =
      overflow_ ? quantize<Int128>(mantissa, fractionalBits, format, rounding_,
                                   *overflow_)
                : roundTo<Int128>(mantissa, fractionalBits,
                                  format.fractionalBits, rounding_);
  if (!result.ok())
    return false;
  overflowed = result.overflowed;
  if (result.mantissa > std::numeric_limits<int64_t>::max() ||
      result.mantissa < std::numeric_limits<int64_t>::min())
    return false;
  return shiftOut(elements_[element], int64_t(result.mantissa), out);
}

bool QuantizePlan::slowPath(size_t element, int64_t mantissa, int64_t &out,
                            bool &overflowed) const {
  return wide(element, mantissa, inputFractionalBits_, out, overflowed);
}

bool QuantizePlan::applyDouble(size_t element, double value, int64_t &out,
                               bool &overflowed) const {
  element = stored(element);
  overflowed = false;
  if (elements_[element].dead) {
    out = 0;
    return true;
  }
  std::optional<Scaled<int64_t>> exact = exactFromDouble(value);
  if (!exact)
    return false;
  return wide(element, exact->mantissa, exact->fractionalBits, out, overflowed);
}

bool QuantizePlan::passesThrough(const QuantizePlan &producer,
                                 bool nonNegative) const {
  if (!producer.overflow_ || producer.size_ != size_ ||
      producer.outputFractionalBits_ != inputFractionalBits_ ||
      outputFractionalBits_ != inputFractionalBits_)
    return false;
  // Mantissa limits at a format's own f: high = 2^(i + f) - 1 and low =
  // -(high + 1) * k (semantics.md 1); SAT_SYM clips at -high.
  constexpr int kWidest = 100;
  auto high = [](const Format &format) {
    return (Int128(1) << (format.integerBits + format.fractionalBits)) - 1;
  };
  // Each plan's formats repeat with its stored length (a divisor of the
  // size): the pairs repeat with the least common multiple.
  size_t period = std::lcm(std::max<size_t>(formats_.size(), 1),
                           std::max<size_t>(producer.formats_.size(), 1));
  for (size_t e = 0; e < std::min(size_, period); ++e) {
    const Format &in = producer.format(e), &out = format(e);
    if (in.isDead())
      continue; // always 0
    int shift = out.fractionalBits - in.fractionalBits;
    if (shift < 0)
      return false; // this plan would round
    if (!overflow_)
      continue; // it only rounds, and nothing is lost
    if (out.isDead() || in.width() + shift > kWidest || out.width() > kWidest)
      return false;
    Int128 inHigh = high(in) << shift;
    Int128 inLow =
        nonNegative ? Int128(0) : -((high(in) + 1) << shift) * in.keepNegative;
    Int128 outHigh = high(out);
    Int128 outLow = *overflow_ == Overflow::SAT_SYM
                        ? -outHigh * out.keepNegative
                        : -(outHigh + 1) * out.keepNegative;
    if (inHigh > outHigh || inLow < outLow)
      return false;
  }
  return true;
}

} // namespace hgq::fixed
