//===- Quantize.cpp - Exact fixed-point quantization ----------------------===//
//
// Rounding works on sign and magnitude so that any shift, however large, is
// exact: the discarded bits are classified against one half (zero, below,
// exactly half, above) and each rounding mode decides from that class and the
// sign. Overflow then compares magnitudes with the format's bounds, and WRAP is
// computed modulo 2^W in unsigned arithmetic.
//
//===----------------------------------------------------------------------===//

#include "hgq/Fixed/Fixed.h"

#include <cmath>
#include <type_traits>

namespace hgq::fixed {

const char *roundingName(Rounding rounding) {
  switch (rounding) {
  case Rounding::TRN:
    return "TRN";
  case Rounding::RND:
    return "RND";
  case Rounding::RND_CONV:
    return "RND_CONV";
  case Rounding::TRN_ZERO:
    return "TRN_ZERO";
  case Rounding::RND_ZERO:
    return "RND_ZERO";
  case Rounding::RND_INF:
    return "RND_INF";
  case Rounding::RND_MIN_INF:
    return "RND_MIN_INF";
  }
  return "?";
}

const char *overflowName(Overflow overflow) {
  switch (overflow) {
  case Overflow::WRAP:
    return "WRAP";
  case Overflow::SAT:
    return "SAT";
  case Overflow::SAT_SYM:
    return "SAT_SYM";
  case Overflow::SAT_ZERO:
    return "SAT_ZERO";
  }
  return "?";
}

std::optional<Rounding> parseRounding(const std::string &name) {
  for (int value = 0; value <= int(Rounding::RND_MIN_INF); ++value)
    if (name == roundingName(Rounding(value)))
      return Rounding(value);
  return std::nullopt;
}

std::optional<Overflow> parseOverflow(const std::string &name) {
  for (int value = 0; value <= int(Overflow::SAT_ZERO); ++value)
    if (name == overflowName(Overflow(value)))
      return Overflow(value);
  return std::nullopt;
}

std::string typeString(Format format, TypeSyntax syntax,
                       std::optional<Modes> modes) {
  const char *prefix = syntax == TypeSyntax::ApTypes ? "ap_" : "";
  const char *modePrefix = syntax == TypeSyntax::ApTypes ? "AP_" : "";
  std::string text = std::string(prefix) +
                     (format.keepNegative ? "fixed<" : "ufixed<") +
                     std::to_string(format.width()) + "," +
                     std::to_string(format.keepNegative + format.integerBits);
  if (modes)
    text += std::string(",") + modePrefix + roundingName(modes->rounding) +
            "," + modePrefix + overflowName(modes->overflow);
  return text + ">";
}

std::string Format::str() const {
  return typeString(*this, TypeSyntax::Hls4ml);
}

const char *statusMessage(Status status) {
  switch (status) {
  case Status::Ok:
    return "ok";
  case Status::InvalidFormat:
    return "invalid format: keep_negative must be 0 or 1 and the width "
           "k+i+f must not be negative";
  case Status::FormatTooWide:
    return "format too wide for exact integer arithmetic (at most 126 bits)";
  case Status::NotFinite:
    return "value is not finite (NaN or infinity)";
  case Status::MantissaTooWide:
    return "exact intermediate needs more than 126 bits";
  }
  return "unknown status";
}

Status validate(Format format) {
  if (format.keepNegative != 0 && format.keepNegative != 1)
    return Status::InvalidFormat;
  if (format.width() < 0)
    return Status::InvalidFormat;
  return Status::Ok;
}

namespace {

/// Where the discarded low bits lie relative to one half of the last kept bit.
enum class Remainder { Zero, BelowHalf, Half, AboveHalf };

/// Whether rounding moves the truncated magnitude one step away from zero.
bool roundsAway(Rounding rounding, bool negative, Remainder remainder,
                bool quotientOdd) {
  if (remainder == Remainder::Zero)
    return false;
  switch (rounding) {
  case Rounding::TRN: // floor: away from zero only for negative values
    return negative;
  case Rounding::TRN_ZERO:
    return false;
  default:
    break;
  }
  if (remainder == Remainder::AboveHalf)
    return true;
  if (remainder == Remainder::BelowHalf)
    return false;
  switch (rounding) {
  case Rounding::RND: // ties toward +inf
    return !negative;
  case Rounding::RND_CONV:
    return quotientOdd;
  case Rounding::RND_ZERO:
    return false;
  case Rounding::RND_INF:
    return true;
  case Rounding::RND_MIN_INF:
    return negative;
  default:
    return false;
  }
}

template <typename Int> using UnsignedOf = std::make_unsigned_t<Int>;

/// Sign and magnitude of the rounded value, or of a left-shifted value too
/// large to hold (then only its low bits, modulo 2^bits, are known).
template <typename Int> struct Rounded {
  bool negative = false;
  UnsignedOf<Int> magnitude = 0;
  bool huge = false; ///< |value| >= 2^(bits-1): certainly out of any range
};

template <typename Int>
Rounded<Int> roundMagnitude(Int mantissa, int64_t shift, Rounding rounding) {
  using U = UnsignedOf<Int>;
  constexpr int64_t bits = sizeof(Int) * 8;
  Rounded<Int> out;
  out.negative = mantissa < 0;
  U magnitude = out.negative ? U(0) - U(mantissa) : U(mantissa);
  if (shift <= 0) {
    int64_t left = -shift;
    if (magnitude == 0) {
      out.magnitude = 0;
      return out;
    }
    // Fits only if the result stays below 2^(bits-1).
    if (left >= bits - 1 || magnitude > (U(~U(0)) >> 1 >> left)) {
      out.huge = true;
      out.magnitude = left >= bits ? U(0) : U(magnitude << left);
      return out;
    }
    out.magnitude = magnitude << left;
    return out;
  }
  U quotient;
  Remainder remainder;
  if (shift > bits) {
    quotient = 0;
    remainder = magnitude == 0 ? Remainder::Zero : Remainder::BelowHalf;
  } else if (shift == bits) {
    quotient = 0;
    U half = U(1) << (bits - 1);
    remainder = magnitude == 0      ? Remainder::Zero
                : magnitude < half  ? Remainder::BelowHalf
                : magnitude == half ? Remainder::Half
                                    : Remainder::AboveHalf;
  } else {
    quotient = magnitude >> shift;
    U low = magnitude & ((U(1) << shift) - 1);
    U half = U(1) << (shift - 1);
    remainder = low == 0      ? Remainder::Zero
                : low < half  ? Remainder::BelowHalf
                : low == half ? Remainder::Half
                              : Remainder::AboveHalf;
  }
  out.magnitude =
      quotient +
      (roundsAway(rounding, out.negative, remainder, quotient & 1) ? 1 : 0);
  return out;
}

} // namespace

template <typename Int>
Quantized<Int> roundTo(Int mantissa, int64_t fractionalBits,
                       int64_t targetFractionalBits, Rounding rounding) {
  using U = UnsignedOf<Int>;
  Quantized<Int> result;
  Rounded<Int> rounded =
      roundMagnitude(mantissa, fractionalBits - targetFractionalBits, rounding);
  constexpr U limit = U(~U(0)) >> 1;
  if (rounded.huge || rounded.magnitude > limit) {
    result.status = Status::MantissaTooWide;
    return result;
  }
  result.mantissa =
      rounded.negative ? Int(-Int(rounded.magnitude)) : Int(rounded.magnitude);
  return result;
}

template <typename Int>
Quantized<Int> quantize(Int mantissa, int64_t fractionalBits, Format format,
                        Rounding rounding, Overflow overflow) {
  using U = UnsignedOf<Int>;
  Quantized<Int> result;
  if (Status status = validate(format); status != Status::Ok) {
    result.status = status;
    return result;
  }
  int width = format.width();
  if (width == 0)
    return result; // dead element: always 0, whatever the input
  if (width > maxFormatWidth<Int>()) {
    result.status = Status::FormatTooWide;
    return result;
  }
  Rounded<Int> rounded = roundMagnitude(
      mantissa, fractionalBits - format.fractionalBits, rounding);

  // Range of the integer word: [low, high] with high = 2^(W-k) - 1 and
  // low = -(high + 1) * k; SAT_SYM keeps [-high * k, high]. Magnitudes:
  // positive up to high, negative up to negativeLimit.
  const U high = (U(1) << (width - format.keepNegative)) - 1;
  const U negativeLimit = !format.keepNegative            ? U(0)
                          : overflow == Overflow::SAT_SYM ? high
                                                          : high + 1;
  bool inRange =
      !rounded.huge && (rounded.negative ? rounded.magnitude <= negativeLimit
                                         : rounded.magnitude <= high);
  if (inRange) {
    result.mantissa = rounded.negative ? Int(-Int(rounded.magnitude))
                                       : Int(rounded.magnitude);
    return result;
  }
  result.overflowed = true;
  switch (overflow) {
  case Overflow::SAT:
  case Overflow::SAT_SYM:
    result.mantissa = rounded.negative ? Int(-Int(negativeLimit)) : Int(high);
    break;
  case Overflow::SAT_ZERO:
    result.mantissa = 0;
    break;
  case Overflow::WRAP: {
    // ((q - low) mod 2^W) + low, in unsigned arithmetic modulo 2^bits, which
    // is exact modulo 2^W because W < bits.
    U word = rounded.negative ? U(U(0) - rounded.magnitude) : rounded.magnitude;
    U offset = format.keepNegative ? high + 1 : U(0); // -low
    U mask = (U(1) << width) - 1;
    U wrapped = U(word + offset) & mask;
    result.mantissa = Int(wrapped) - Int(offset);
    break;
  }
  }
  // A saturated or wrapped value can equal the rounded one only if it was in
  // range, so `overflowed` is exact.
  return result;
}

template Quantized<int64_t> quantize<int64_t>(int64_t, int64_t, Format,
                                              Rounding, Overflow);
template Quantized<Int128> quantize<Int128>(Int128, int64_t, Format, Rounding,
                                            Overflow);
template Quantized<int64_t> roundTo<int64_t>(int64_t, int64_t, int64_t,
                                             Rounding);
template Quantized<Int128> roundTo<Int128>(Int128, int64_t, int64_t, Rounding);

std::optional<Scaled<int64_t>> exactFromDouble(double value) {
  if (!std::isfinite(value))
    return std::nullopt;
  Scaled<int64_t> scaled;
  if (value == 0.0)
    return scaled;
  int exponent = 0;
  double fraction = std::frexp(value, &exponent); // value = fraction * 2^exp
  // 53 significant bits make the scaled fraction an exact integer.
  scaled.mantissa = int64_t(std::ldexp(fraction, 53));
  scaled.fractionalBits = 53 - int64_t(exponent);
  int trailing = __builtin_ctzll(
      uint64_t(scaled.mantissa < 0 ? -scaled.mantissa : scaled.mantissa));
  scaled.mantissa /= int64_t(1) << trailing; // exact: those bits are zero
  scaled.fractionalBits -= trailing;
  return scaled;
}

double toDouble(Int128 mantissa, int64_t fractionalBits) {
  if (mantissa == 0)
    return 0.0;
  // Keep at most 62 significant bits before the conversion to double so the
  // only rounding is the final one; sticky bits keep it correctly rounded.
  bool negative = mantissa < 0;
  unsigned __int128 magnitude =
      negative ? (unsigned __int128)0 - (unsigned __int128)mantissa
               : (unsigned __int128)mantissa;
  int64_t exponent = -fractionalBits;
  while (magnitude >> 62) {
    bool sticky = magnitude & 1;
    magnitude >>= 1;
    magnitude |= sticky ? 1 : 0;
    ++exponent;
  }
  double value = std::ldexp(
      double(uint64_t(magnitude)),
      int(std::max<int64_t>(std::min<int64_t>(exponent, 4096), -4096)));
  return negative ? -value : value;
}

QuantizedDouble quantizeDouble(double value, Format format, Rounding rounding,
                               Overflow overflow) {
  QuantizedDouble result;
  std::optional<Scaled<int64_t>> exact = exactFromDouble(value);
  if (!exact) {
    result.status = Status::NotFinite;
    return result;
  }
  Quantized<Int128> quantized = quantize<Int128>(
      exact->mantissa, exact->fractionalBits, format, rounding, overflow);
  result.status = quantized.status;
  result.overflowed = quantized.overflowed;
  if (quantized.ok())
    result.value = toDouble(quantized.mantissa, format.fractionalBits);
  return result;
}

} // namespace hgq::fixed
