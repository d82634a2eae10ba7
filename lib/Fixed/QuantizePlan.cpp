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

namespace hgq::fixed {

QuantizePlan::QuantizePlan(std::vector<Format> formats, Rounding rounding,
                           std::optional<Overflow> overflow,
                           int64_t inputFractionalBits)
    : formats_(std::move(formats)), rounding_(rounding), overflow_(overflow),
      inputFractionalBits_(inputFractionalBits) {
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

} // namespace hgq::fixed
