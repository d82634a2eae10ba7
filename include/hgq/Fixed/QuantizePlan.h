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

#include <cmath>
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
  size_t size() const { return size_; }
  const Format &format(size_t element) const {
    return formats_[stored(element)];
  }
  /// How many elements the plan holds: formats that repeat with a period
  /// (one format for a whole tensor, one per channel) are planned for one
  /// run of at least 1024 elements (or the whole), every row of the tensor
  /// being size() / storedSize() such runs.
  size_t storedSize() const { return elements_.size(); }

  /// Quantizes one element. Returns false when the result does not fit an
  /// int64 mantissa at the output fractional bits (the caller reports it).
  bool apply(size_t element, int64_t mantissa, int64_t &out,
             bool &overflowed) const {
    element = stored(element);
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
        if (mantissa > kMax - half)
          return slowPath(element, mantissa, out, overflowed);
        value = (mantissa + half) >> plan.shift; // floor(x + 1/2)
      }
    } else if (plan.shift < 0) {
      int64_t limit = kMax >> -plan.shift;
      if (mantissa > limit || mantissa < -limit)
        return slowPath(element, mantissa, out, overflowed);
      value = mantissa * (int64_t(1) << -plan.shift);
    } else {
      value = mantissa;
    }
    return finish(element, plan, value, out, overflowed);
  }

  /// The same for a float32 value: scaling by 2^f and flooring in double is
  /// exact for float32 inputs below 2^50 after scaling (see the .cpp).
  bool applyFloat(size_t element, float value, int64_t &out,
                  bool &overflowed) const {
    element = stored(element);
    const Element &plan = elements_[element];
    overflowed = false;
    if (plan.dead) {
      out = 0;
      return true;
    }
    double scaled = double(value) * plan.scale;
    if (!plan.fast || !(scaled < 0x1p50 && scaled > -0x1p50))
      return applyDouble(element, value, out, overflowed);
    double floored = rounding_ == Rounding::TRN ? __builtin_floor(scaled)
                                                : __builtin_floor(scaled + 0.5);
    return finish(element, plan, int64_t(floored), out, overflowed);
  }

  /// The same for any double (exact conversion first; the slow path).
  bool applyDouble(size_t element, double value, int64_t &out,
                   bool &overflowed) const;

  /// Quantizes `rows` rows of size() elements (row-major, element e of a
  /// row uses format e), adding the elements the overflow mode changed to
  /// `overflowCount`. The same results as apply()/applyFloat() element by
  /// element, in branch-free loops over precomputed arrays; a row holding a
  /// value outside the range those loops are proven exact for is redone
  /// element by element. Returns false where apply() would.
  bool applyRows(const int64_t *in, int64_t rows, int64_t *out,
                 int64_t &overflowCount) const;
  bool applyRows(const float *in, int64_t rows, int64_t *out,
                 int64_t &overflowCount) const;
  /// The same for integer mantissas at the plan's input fractional bits held
  /// in float32, each exact (|m| < 2^24): a float32 matrix product's result.
  bool applyMantissaRows(const float *in, int64_t rows, int64_t *out,
                         int64_t &overflowCount) const;
  /// Whether applyRows runs the straight-line loops (every element TRN or
  /// RND with SAT, WRAP or no overflow mode, shifts in range) rather than
  /// apply() element by element.
  bool rowsPlanned() const { return rows_; }

  /// Results held in float32 (the executor's compact storage of exact
  /// tensors): quantizes `rows` rows of integer mantissas at the plan's
  /// input fractional bits held in float32 (|m| < 2^24) or, with
  /// `floatInput`, of float32 values, and writes the output mantissas as
  /// float32. Every step is float arithmetic that is exact while the values
  /// stay below 2^23, which is checked element by element: returns false,
  /// counting nothing, when some value is past it (the caller takes the
  /// int64 path), or when !floatRowsPlanned(). Otherwise the same results
  /// and overflow count as applyRows.
  bool applyRowsToFloat(const float *in, bool floatInput, int64_t rows,
                        float *out, int64_t &overflowCount) const;
  /// Whether every element's format allows applyRowsToFloat (fast, shifts
  /// and output range within float32's 24 bits).
  bool floatRowsPlanned() const { return floatRows_; }

  /// Whether this plan returns every value `producer` can output unchanged
  /// (the same mantissa at the same fractional bits), after a relu when
  /// `nonNegative`: the producer has an overflow mode (its outputs are
  /// bounded), both plans have as many elements, and element by element the
  /// producer's format is dead or its range (clipped at 0 by the relu) and
  /// fractional bits fit this plan's format, which then neither rounds nor
  /// overflows them. A proof from the formats alone, for skipping the plan.
  bool passesThrough(const QuantizePlan &producer, bool nonNegative) const;

private:
  static constexpr int64_t kMax = INT64_MAX;

  /// The stored element that element `element` of a row repeats.
  size_t stored(size_t element) const {
    return element < elements_.size() ? element : element % elements_.size();
  }
  /// Rows of the tensor as rows of stored elements (none for a tensor
  /// without features).
  int64_t storedRows(int64_t rows) const {
    return elements_.empty() ? 0 : rows * int64_t(size_ / elements_.size());
  }

  struct Element {
    double scale;     ///< 2^f, for float inputs
    int64_t shift;    ///< input fractional bits - f (> 0: round)
    int64_t outShift; ///< output fractional bits - f (>= 0)
    int64_t high;     ///< largest mantissa at f
    int64_t low;      ///< smallest mantissa at f
    bool dead;
    bool fast; ///< TRN/RND with SAT/WRAP/none and 0 < width <= 62
  };

  /// Overflow (when planned) and the shift to the output fractional bits.
  bool finish(size_t element, const Element &plan, int64_t value, int64_t &out,
              bool &overflowed) const {
    if (overflow_ && (value > plan.high || value < plan.low)) {
      overflowed = true;
      if (*overflow_ == Overflow::SAT) {
        value = value > plan.high ? plan.high : plan.low;
      } else { // WRAP: ((q - low) mod 2^W) + low
        uint64_t mask = (uint64_t(1) << formats_[element].width()) - 1;
        value =
            int64_t((uint64_t(value) - uint64_t(plan.low)) & mask) + plan.low;
      }
    }
    return shiftOut(plan, value, out);
  }
  bool shiftOut(const Element &plan, int64_t value, int64_t &out) const {
    if (plan.outShift == 0 || value == 0) {
      out = value;
      return true;
    }
    // Elements of very different f: a shift past 62 bits leaves no room for
    // any value but 0 in the int64 result (the caller takes a wider path).
    if (plan.outShift >= 63)
      return false;
    int64_t limit = kMax >> plan.outShift;
    if (value > limit || value < -limit)
      return false;
    out = value * (int64_t(1) << plan.outShift);
    return true;
  }
  bool slowPath(size_t element, int64_t mantissa, int64_t &out,
                bool &overflowed) const;
  /// The exact 128-bit path for a mantissa at any fractional bits.
  bool wide(size_t element, int64_t mantissa, int64_t fractionalBits,
            int64_t &out, bool &overflowed) const;

  /// The element arrays of applyRows (structure of arrays). `rows_` is false
  /// when some element needs the general path; applyRows then goes element
  /// by element.
  struct RowArrays {
    std::vector<int64_t> rightShift, leftShift, half, high, low, mask, outShift,
        keep, safe;
    std::vector<double> scale, halfScaled, safeScaled;
  };
  void planRows();
  /// The float32 arrays of applyRowsToFloat, per element: 2^-shift, the
  /// rounding half at the input's scale, 2^outShift (0 when dead), the
  /// range limits, 2^-width (WRAP; the modulus is high - low + 1) and 2^f
  /// (float inputs).
  struct FloatArrays {
    std::vector<float> scale, half, outScale, high, low, inverseModulus,
        floatScale;
  };
  void planFloatRows();
  template <bool FloatInput, int Mode, bool Uniform>
  bool floatStorageRows(const float *in, int64_t rows, float *out,
                        int64_t &overflowCount) const;
  bool floatRows(const float *in, int64_t rows, int64_t *out,
                 int64_t &overflowCount) const;
  /// The row structure both share: round(x, e, bad) gives an element's value
  /// at its f (flagging `bad` past the proven range), then the overflow mode
  /// and output shift; a flagged row is redone by redo(e, x, out, overflowed).
  template <typename Input, typename Round, typename Redo>
  bool rowLoop(const Input *in, int64_t rows, int64_t *out,
               int64_t &overflowCount, Round round, Redo redo) const;
  template <typename Input>
  bool integerRows(const Input *in, int64_t rows, int64_t *out,
                   int64_t &overflowCount) const;
  template <typename Input>
  bool applyRowsElementwise(const Input *in, int64_t rows, int64_t *out,
                            int64_t &overflowCount) const;

  size_t size_ = 0;
  std::vector<Format> formats_; ///< the stored elements' formats
  std::vector<Element> elements_;
  RowArrays arrays_;
  FloatArrays floatArrays_;
  bool rows_ = false;
  bool floatRows_ = false;
  /// Every stored element has the same format (one format for the tensor):
  /// floatStorageRows reads the float arrays at element 0, held in
  /// registers.
  bool uniform_ = false;
  Rounding rounding_;
  std::optional<Overflow> overflow_;
  int64_t inputFractionalBits_;
  int64_t outputFractionalBits_ = 0;
};

} // namespace hgq::fixed

#endif // HGQ_FIXED_QUANTIZEPLAN_H
