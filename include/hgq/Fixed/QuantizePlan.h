//===- QuantizePlan.h - Per-element quantization, precomputed ---*- C++ -*-===//
//
// The executor quantizes millions of elements with the same per-element
// formats. A plan precomputes, for each element, the shift from the input's
// fractional bits and the range limits, so the common cases (TRN and RND with
// SAT or WRAP, shifts below 63) are a few integer operations; everything else
// falls back to the reference `quantize`. Exhaustive tests check the plan
// against `quantize` on every format up to 8 bits.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_FIXED_QUANTIZEPLAN_H
#define HGQ_FIXED_QUANTIZEPLAN_H

#include "hgq/Fixed/Fixed.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace hgq::fixed {

class QuantizePlan {
public:
  /// Plans quantizing a tensor whose elements are int64 mantissas at
  /// `inputFractionalBits` to `formats` (one per element). Without `overflow`
  /// the plan only rounds (a layer-level HGQ quantizer never overflows) and
  /// only the fractional bits of `formats` matter.
  /// Outputs are mantissas at the largest fractional bits of `formats`.
  QuantizePlan(std::vector<Format> formats, Rounding rounding,
               std::optional<Overflow> overflow, int64_t inputFractionalBits);

  int64_t outputFractionalBits() const { return outputFractionalBits_; }
  size_t size() const { return elements_.size(); }
  const Format &format(size_t element) const { return formats_[element]; }

  /// Quantizes one element. Returns false when the result does not fit an
  /// int64 mantissa at the output fractional bits (the caller reports it).
  bool apply(size_t element, int64_t mantissa, int64_t &out,
             bool &overflowed) const;

  /// The same for a value given as a double (exact conversion first).
  bool applyDouble(size_t element, double value, int64_t &out,
                   bool &overflowed) const;

private:
  struct Element {
    int64_t shift;    ///< input fractional bits - f (> 0: round)
    int64_t outShift; ///< output fractional bits - f (>= 0)
    int64_t high;     ///< largest mantissa at f
    int64_t low;      ///< smallest mantissa at f
    bool dead;
    bool fast; ///< TRN/RND with SAT/WRAP/none and 0 < width <= 62
  };

  bool finish(const Element &plan, int64_t value, int64_t &out) const;
  bool slowPath(size_t element, int64_t mantissa, int64_t &out,
                bool &overflowed) const;

  std::vector<Format> formats_;
  std::vector<Element> elements_;
  Rounding rounding_;
  std::optional<Overflow> overflow_;
  int64_t inputFractionalBits_;
  int64_t outputFractionalBits_ = 0;
};

} // namespace hgq::fixed

#endif // HGQ_FIXED_QUANTIZEPLAN_H
