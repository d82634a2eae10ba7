//===- QuantizePlan.cpp - Per-element quantization, precomputed -----------===//

#include "hgq/Fixed/QuantizePlan.h"

#include <algorithm>
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
      outputFractionalBits_ = any ? std::max<int64_t>(outputFractionalBits_,
                                                      format.fractionalBits)
                                  : format.fractionalBits;
      any = true;
    }
  elements_.reserve(formats_.size());
  for (const Format &format : formats_) {
    Element plan{};
    plan.dead = isDead(format);
    plan.shift = inputFractionalBits - format.fractionalBits;
    plan.outShift = outputFractionalBits_ - format.fractionalBits;
    int width = format.width();
    bool validWidth = validate(format) == Status::Ok && width > 0 && width <= 62;
    if (validWidth) {
      plan.high = (int64_t(1) << (width - format.keepNegative)) - 1;
      plan.low = format.keepNegative ? -plan.high - 1 : 0;
    }
    bool simpleRounding =
        rounding == Rounding::TRN || rounding == Rounding::RND;
    bool simpleOverflow = !overflow || *overflow == Overflow::SAT ||
                          *overflow == Overflow::WRAP;
    plan.fast = !plan.dead && simpleRounding && simpleOverflow &&
                (validWidth || !overflow) && plan.shift < 63 &&
                plan.shift > -63 && plan.outShift < 63;
    elements_.push_back(plan);
  }
}

bool QuantizePlan::finish(const Element &plan, int64_t value,
                          int64_t &out) const {
  if (plan.outShift == 0) {
    out = value;
    return true;
  }
  int64_t limit = std::numeric_limits<int64_t>::max() >> plan.outShift;
  if (value > limit || value < -limit)
    return false;
  out = value * (int64_t(1) << plan.outShift);
  return true;
}

bool QuantizePlan::slowPath(size_t element, int64_t mantissa, int64_t &out,
                            bool &overflowed) const {
  const Format &format = formats_[element];
  Quantized<Int128> result =
      overflow_ ? quantize<Int128>(mantissa, inputFractionalBits_, format,
                                   rounding_, *overflow_)
                : roundTo<Int128>(mantissa, inputFractionalBits_,
                                  format.fractionalBits, rounding_);
  if (!result.ok())
    return false;
  overflowed = result.overflowed;
  if (result.mantissa > std::numeric_limits<int64_t>::max() ||
      result.mantissa < std::numeric_limits<int64_t>::min())
    return false;
  return finish(elements_[element], int64_t(result.mantissa), out);
}

bool QuantizePlan::apply(size_t element, int64_t mantissa, int64_t &out,
                         bool &overflowed) const {
  const Element &plan = elements_[element];
  overflowed = false;
  if (plan.dead) {
    out = 0;
    return true;
  }
  if (!plan.fast)
    return slowPath(element, mantissa, out, overflowed);
  int64_t value;
  if (plan.shift > 0) {
    if (rounding_ == Rounding::TRN) {
      value = mantissa >> plan.shift; // arithmetic shift: floor
    } else {
      int64_t half = int64_t(1) << (plan.shift - 1);
      if (mantissa > std::numeric_limits<int64_t>::max() - half)
        return slowPath(element, mantissa, out, overflowed);
      value = (mantissa + half) >> plan.shift; // floor(x + 1/2)
    }
  } else if (plan.shift < 0) {
    int64_t limit = std::numeric_limits<int64_t>::max() >> -plan.shift;
    if (mantissa > limit || mantissa < -limit)
      return slowPath(element, mantissa, out, overflowed);
    value = mantissa * (int64_t(1) << -plan.shift);
  } else {
    value = mantissa;
  }
  if (overflow_ && (value > plan.high || value < plan.low)) {
    overflowed = true;
    if (*overflow_ == Overflow::SAT) {
      value = value > plan.high ? plan.high : plan.low;
    } else { // WRAP: ((q - low) mod 2^W) + low
      uint64_t mask = (uint64_t(1) << formats_[element].width()) - 1;
      value = int64_t((uint64_t(value) - uint64_t(plan.low)) & mask) +
              plan.low;
    }
  }
  return finish(plan, value, out);
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
  const Format &format = formats_[element];
  Quantized<Int128> result =
      overflow_ ? quantize<Int128>(exact->mantissa, exact->fractionalBits,
                                   format, rounding_, *overflow_)
                : roundTo<Int128>(exact->mantissa, exact->fractionalBits,
                                  format.fractionalBits, rounding_);
  if (!result.ok())
    return false;
  overflowed = result.overflowed;
  if (result.mantissa > std::numeric_limits<int64_t>::max() ||
      result.mantissa < std::numeric_limits<int64_t>::min())
    return false;
  return finish(elements_[element], int64_t(result.mantissa), out);
}

} // namespace hgq::fixed
