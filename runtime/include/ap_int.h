//===- ap_int.h - Arbitrary-precision integers for C simulation -*- C++ -*-===//
//
// hgq-mlir's own implementation of the Vitis HLS arbitrary-precision types,
// for C simulation of the projects `hgq-translate --emit-hls` writes, without
// Vitis. It covers what the emitted code uses, with the vendor's semantics:
// ap_int/ap_uint, the quantization and overflow modes, and (in ap_fixed.h)
// ap_fixed/ap_ufixed with the vendor's result types for + - *.
//
// Values are held exactly as one 128-bit integer, so widths go up to 128 bits
// (127 for unsigned types); a wider type is a compile-time error, never a
// silently different result. test/Runtime checks every operation against the
// vendor's headers, exhaustively for small widths.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_RUNTIME_AP_INT_H
#define HGQ_RUNTIME_AP_INT_H

#include <cmath>
#include <cstdint>
#include <type_traits>

enum ap_q_mode {
  AP_RND,         ///< round to nearest, ties toward +inf
  AP_RND_ZERO,    ///< round to nearest, ties toward zero
  AP_RND_MIN_INF, ///< round to nearest, ties toward -inf
  AP_RND_INF,     ///< round to nearest, ties away from zero
  AP_RND_CONV,    ///< round to nearest, ties to even
  AP_TRN,         ///< truncate toward -inf
  AP_TRN_ZERO,    ///< truncate toward zero
};

enum ap_o_mode {
  AP_SAT,      ///< clip to the range
  AP_SAT_ZERO, ///< out of range becomes 0
  AP_SAT_SYM,  ///< clip to the symmetric range [-max, max]
  AP_WRAP,     ///< keep the low W bits (two's complement)
  AP_WRAP_SM,  ///< sign-magnitude wrap: not supported by this runtime
};

namespace hgq_ap {

using i128 = __int128;
using u128 = unsigned __int128;

/// The largest value of a W-bit integer (W - signed <= 127).
constexpr i128 maxValue(int width, bool isSigned) {
  return i128((u128(1) << (width - (isSigned ? 1 : 0))) - 1);
}
constexpr i128 minValue(int width, bool isSigned) {
  return isSigned ? -maxValue(width, isSigned) - 1 : 0;
}

/// The low `width` bits of `bits`, sign-extended for signed types.
constexpr i128 wrapBits(u128 bits, int width, bool isSigned) {
  if (width < 128) {
    u128 mask = (u128(1) << width) - 1;
    bits &= mask;
    if (isSigned && ((bits >> (width - 1)) & 1))
      bits |= ~mask;
  }
  return i128(bits);
}

/// Overflow handling of an integer `q` against a W-bit range.
constexpr i128 applyOverflow(i128 q, int width, bool isSigned, ap_o_mode mode) {
  i128 high = maxValue(width, isSigned);
  i128 low = minValue(width, isSigned);
  // The vendor's symmetric range; a 1-bit signed type keeps its one value.
  if (mode == AP_SAT_SYM && isSigned && width > 1)
    low = -high;
  if (q >= low && q <= high)
    return q;
  switch (mode) {
  case AP_SAT:
  case AP_SAT_SYM:
    return q > high ? high : low;
  case AP_SAT_ZERO:
    return 0;
  default:
    return wrapBits(u128(q), width, isSigned);
  }
}

/// Rounds `value * 2^-shift` (shift >= 1) to an integer with `mode`.
constexpr i128 roundShift(i128 value, int shift, ap_q_mode mode) {
  i128 floorValue = 0;
  bool inexact = false;
  int againstHalf = 0; // sign of (remainder - half)
  if (shift < 128) {
    floorValue = value >> shift;
    u128 remainder = u128(value) & ((u128(1) << shift) - 1);
    u128 half = u128(1) << (shift - 1);
    inexact = remainder != 0;
    againstHalf = remainder > half ? 1 : remainder == half ? 0 : -1;
  } else if (value >= 0) {
    floorValue = 0;
    inexact = value != 0;
    againstHalf = -1;
  } else {
    floorValue = -1;
    inexact = true;
    againstHalf = (shift == 128 && value == minValue(128, true)) ? 0 : 1;
  }
  bool negative = value < 0;
  bool up = false;
  switch (mode) {
  case AP_TRN:
    break;
  case AP_TRN_ZERO:
    up = negative && inexact;
    break;
  case AP_RND:
    up = againstHalf >= 0;
    break;
  case AP_RND_CONV:
    up = againstHalf > 0 || (againstHalf == 0 && (floorValue & 1));
    break;
  case AP_RND_ZERO:
    up = againstHalf > 0 || (againstHalf == 0 && negative);
    break;
  case AP_RND_INF:
    up = againstHalf > 0 || (againstHalf == 0 && !negative);
    break;
  case AP_RND_MIN_INF:
    up = againstHalf > 0;
    break;
  }
  return floorValue + (up ? 1 : 0);
}

/// The integer of a W-bit type with F fractional bits closest (by the modes)
/// to `value * 2^-sourceFrac`: the one conversion every assignment uses.
constexpr i128 convert(i128 value, int sourceFrac, int width, int frac,
                       bool isSigned, ap_q_mode quantization,
                       ap_o_mode overflow) {
  int shift = sourceFrac - frac;
  if (shift > 0)
    return applyOverflow(roundShift(value, shift, quantization), width,
                         isSigned, overflow);
  if (shift == 0 || value == 0)
    return applyOverflow(value, width, isSigned, overflow);
  int left = -shift;
  if (left < 128) {
    i128 high = maxValue(width, isSigned);
    i128 low = minValue(width, isSigned);
    // value * 2^left lies in [low, high] iff value does in the scaled range.
    u128 lowMagnitude = u128(0) - u128(low);
    i128 lowScaled = -i128(lowMagnitude >> left);
    if (value <= (high >> left) && value >= lowScaled)
      return applyOverflow(i128(u128(value) << left), width, isSigned,
                           overflow);
    if (overflow == AP_WRAP)
      return wrapBits(u128(value) << left, width, isSigned);
  } else if (overflow == AP_WRAP) {
    return 0;
  }
  // Out of range (a 128-bit bound may itself be in range: decide here).
  if (overflow == AP_SAT_ZERO)
    return 0;
  if (value > 0)
    return maxValue(width, isSigned);
  return overflow == AP_SAT_SYM && isSigned && width > 1
             ? -maxValue(width, isSigned)
             : minValue(width, isSigned);
}

/// `value` (finite) as an integer times 2^-frac, exactly.
inline void decompose(double value, i128 &mantissa, int &frac) {
  if (value == 0 || std::isnan(value)) {
    mantissa = 0;
    frac = 0;
    return;
  }
  if (std::isinf(value)) {
    mantissa = value > 0 ? maxValue(128, true) : minValue(128, true);
    frac = 0;
    return;
  }
  int exponent = 0;
  double fraction = std::frexp(value, &exponent);
  mantissa = i128(int64_t(std::ldexp(fraction, 53)));
  frac = 53 - exponent;
}

/// `value * 2^-frac` to the nearest double (ties to even), as the vendor's
/// to_double.
inline double toDouble(i128 value, int frac) {
  return std::ldexp(double(value), -frac);
}

/// A range of bits read from an ap_ type: `width` low bits of `bits`.
struct BitRange {
  u128 bits;
  int width;
};

inline BitRange bitRange(i128 value, int high, int low) {
  int width = high - low + 1;
  u128 bits = u128(value) >> low;
  if (width < 128)
    bits &= (u128(1) << width) - 1;
  return {bits, width};
}

} // namespace hgq_ap

/// An integer of W bits (two's complement when signed); assignments wrap.
template <int W, bool S> struct ap_int_base {
  static_assert(W >= 1 && W <= 128 && (S || W <= 127),
                "hgq-mlir's ap_int supports 1..128 bits (127 unsigned)");
  static constexpr int width = W;
  hgq_ap::i128 V = 0;

  ap_int_base() = default;
  template <typename T, typename = std::enable_if_t<std::is_integral<T>::value>>
  ap_int_base(T value)
      : V(hgq_ap::wrapBits(hgq_ap::u128(hgq_ap::i128(value)), W, S)) {}
  ap_int_base(hgq_ap::BitRange range) : V(hgq_ap::wrapBits(range.bits, W, S)) {}
  template <int W2, bool S2>
  ap_int_base(const ap_int_base<W2, S2> &other)
      : V(hgq_ap::wrapBits(hgq_ap::u128(other.V), W, S)) {}

  operator long long() const { return (long long)V; }
  long long to_int64() const { return (long long)V; }
  double to_double() const { return double(V); }
};

template <int W> struct ap_int : ap_int_base<W, true> {
  using ap_int_base<W, true>::ap_int_base;
  ap_int() = default;
};

template <int W> struct ap_uint : ap_int_base<W, false> {
  using ap_int_base<W, false>::ap_int_base;
  ap_uint() = default;
};

#endif // HGQ_RUNTIME_AP_INT_H
