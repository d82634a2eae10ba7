//===- ap_fixed.h - Fixed-point types for C simulation ----------*- C++ -*-===//
//
// hgq-mlir's own ap_fixed/ap_ufixed (see ap_int.h): a value is the integer V
// times 2^-(W-I). Conversions round with the target's quantization mode, then
// apply its overflow mode, as the vendor's; the arithmetic result types of
// + - * are the vendor's (a product is W1+W2 bits wide, a sum one integer bit
// wider than the wider operand), so every intermediate is exact.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_RUNTIME_AP_FIXED_H
#define HGQ_RUNTIME_AP_FIXED_H

#include "ap_int.h"

template <int W, int I, bool S = true, ap_q_mode Q = AP_TRN,
          ap_o_mode O = AP_WRAP, int N = 0>
struct ap_fixed_base {
  static_assert(W >= 1 && W <= 128 && (S || W <= 127),
                "hgq-mlir's ap_fixed supports 1..128 bits (127 unsigned)");
  static_assert(O != AP_WRAP_SM && N == 0,
                "hgq-mlir's ap_fixed does not support AP_WRAP_SM or "
                "saturation bits");
  static constexpr int width = W;
  static constexpr int iwidth = I;
  static constexpr int frac = W - I;
  /// The value is V * 2^-frac, V within the W-bit range.
  hgq_ap::i128 V = 0;

  ap_fixed_base() = default;

  template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
  ap_fixed_base(const ap_fixed_base<W2, I2, S2, Q2, O2, N2> &other)
      : V(hgq_ap::convert(other.V, W2 - I2, W, frac, S, Q, O)) {}

  template <int W2, bool S2>
  ap_fixed_base(const ap_int_base<W2, S2> &other)
      : V(hgq_ap::convert(other.V, 0, W, frac, S, Q, O)) {}

  template <typename T, typename = std::enable_if_t<std::is_integral<T>::value>>
  ap_fixed_base(T value)
      : V(hgq_ap::convert(hgq_ap::i128(value), 0, W, frac, S, Q, O)) {}

  ap_fixed_base(double value) {
    hgq_ap::i128 mantissa;
    int sourceFrac;
    hgq_ap::decompose(value, mantissa, sourceFrac);
    V = hgq_ap::convert(mantissa, sourceFrac, W, frac, S, Q, O);
  }
  ap_fixed_base(float value) : ap_fixed_base(double(value)) {}

  /// A value given by its raw integer (no rounding, no overflow check).
  static ap_fixed_base fromRaw(hgq_ap::i128 raw) {
    ap_fixed_base result;
    result.V = raw;
    return result;
  }

  double to_double() const { return hgq_ap::toDouble(V, frac); }
  float to_float() const { return float(to_double()); }
  operator double() const { return to_double(); }

  /// Bits `high` .. `low` of the W-bit word.
  hgq_ap::BitRange range(int high, int low) const {
    return hgq_ap::bitRange(V, high, low);
  }
  hgq_ap::BitRange range() const { return hgq_ap::bitRange(V, W - 1, 0); }

  template <typename Other> ap_fixed_base &operator=(const Other &other) {
    V = ap_fixed_base(other).V;
    return *this;
  }
  template <typename Other> ap_fixed_base &operator+=(const Other &other) {
    return *this = *this + other;
  }
  template <typename Other> ap_fixed_base &operator-=(const Other &other) {
    return *this = *this - other;
  }
  template <typename Other> ap_fixed_base &operator*=(const Other &other) {
    return *this = *this * other;
  }
};

template <int W, int I, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0>
struct ap_fixed : ap_fixed_base<W, I, true, Q, O, N> {
  using ap_fixed_base<W, I, true, Q, O, N>::ap_fixed_base;
  ap_fixed() = default;
  ap_fixed(const ap_fixed_base<W, I, true, Q, O, N> &base)
      : ap_fixed_base<W, I, true, Q, O, N>(base) {}
  template <typename Other> ap_fixed &operator=(const Other &other) {
    this->V = ap_fixed(other).V;
    return *this;
  }
};

template <int W, int I, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0>
struct ap_ufixed : ap_fixed_base<W, I, false, Q, O, N> {
  using ap_fixed_base<W, I, false, Q, O, N>::ap_fixed_base;
  ap_ufixed() = default;
  ap_ufixed(const ap_fixed_base<W, I, false, Q, O, N> &base)
      : ap_fixed_base<W, I, false, Q, O, N>(base) {}
  template <typename Other> ap_ufixed &operator=(const Other &other) {
    this->V = ap_ufixed(other).V;
    return *this;
  }
};

namespace hgq_ap {
constexpr int maxInt(int a, int b) { return a > b ? a : b; }

/// The vendor's result types (ap_fixed_base.h, RType).
template <int W1, int I1, bool S1, int W2, int I2, bool S2> struct ResultType {
  static constexpr int f1 = W1 - I1, f2 = W2 - I2;
  static constexpr int plusI = maxInt(I1 + (S2 && !S1), I2 + (S1 && !S2)) + 1;
  using mult = ap_fixed_base<W1 + W2, I1 + I2, S1 || S2>;
  using plus = ap_fixed_base<plusI + maxInt(f1, f2), plusI, S1 || S2>;
  using minus = ap_fixed_base<plusI + maxInt(f1, f2), plusI, true>;
};

/// V of `value` at `frac` fractional bits (frac >= value's).
template <typename T> constexpr i128 aligned(const T &value, int frac) {
  return value.V * (i128(1) << (frac - T::frac));
}
} // namespace hgq_ap

template <int W1, int I1, bool S1, ap_q_mode Q1, ap_o_mode O1, int N1, int W2,
          int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
typename hgq_ap::ResultType<W1, I1, S1, W2, I2, S2>::mult
operator*(const ap_fixed_base<W1, I1, S1, Q1, O1, N1> &lhs,
          const ap_fixed_base<W2, I2, S2, Q2, O2, N2> &rhs) {
  using Result = typename hgq_ap::ResultType<W1, I1, S1, W2, I2, S2>::mult;
  return Result::fromRaw(lhs.V * rhs.V);
}

template <int W1, int I1, bool S1, ap_q_mode Q1, ap_o_mode O1, int N1, int W2,
          int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
typename hgq_ap::ResultType<W1, I1, S1, W2, I2, S2>::plus
operator+(const ap_fixed_base<W1, I1, S1, Q1, O1, N1> &lhs,
          const ap_fixed_base<W2, I2, S2, Q2, O2, N2> &rhs) {
  using Result = typename hgq_ap::ResultType<W1, I1, S1, W2, I2, S2>::plus;
  return Result::fromRaw(hgq_ap::aligned(lhs, Result::frac) +
                         hgq_ap::aligned(rhs, Result::frac));
}

template <int W1, int I1, bool S1, ap_q_mode Q1, ap_o_mode O1, int N1, int W2,
          int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
typename hgq_ap::ResultType<W1, I1, S1, W2, I2, S2>::minus
operator-(const ap_fixed_base<W1, I1, S1, Q1, O1, N1> &lhs,
          const ap_fixed_base<W2, I2, S2, Q2, O2, N2> &rhs) {
  using Result = typename hgq_ap::ResultType<W1, I1, S1, W2, I2, S2>::minus;
  return Result::fromRaw(hgq_ap::aligned(lhs, Result::frac) -
                         hgq_ap::aligned(rhs, Result::frac));
}

/// Exact comparisons: both sides at the finer of the two scales.
#define HGQ_AP_COMPARISON(OP)                                                  \
  template <int W1, int I1, bool S1, ap_q_mode Q1, ap_o_mode O1, int N1,       \
            int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>       \
  bool operator OP(const ap_fixed_base<W1, I1, S1, Q1, O1, N1> &lhs,           \
                   const ap_fixed_base<W2, I2, S2, Q2, O2, N2> &rhs) {         \
    static_assert(hgq_ap::maxInt(I1, I2) + hgq_ap::maxInt(W1 - I1, W2 - I2) <= \
                      127,                                                     \
                  "comparison of operands that span more than 127 bits");      \
    constexpr int frac = hgq_ap::maxInt(W1 - I1, W2 - I2);                     \
    return hgq_ap::aligned(lhs, frac) OP hgq_ap::aligned(rhs, frac);           \
  }
HGQ_AP_COMPARISON(==)
HGQ_AP_COMPARISON(!=)
HGQ_AP_COMPARISON(<)
HGQ_AP_COMPARISON(<=)
HGQ_AP_COMPARISON(>)
HGQ_AP_COMPARISON(>=)
#undef HGQ_AP_COMPARISON

#endif // HGQ_RUNTIME_AP_FIXED_H
