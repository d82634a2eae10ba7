//===- Fixed.h - The exact fixed-point numeric core -------------*- C++ -*-===//
//
// One definition of "bit-accurate" for the whole compiler: quantization of an
// exact dyadic value to a (keep_negative, integer, fractional) format under
// every rounding and overflow mode of semantics.md section 1, and the integer
// arithmetic built on it. No MLIR dependency: the executor, the passes and the
// emitters all call this library.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_FIXED_FIXED_H
#define HGQ_FIXED_FIXED_H

#include <cstdint>
#include <optional>
#include <string>

namespace hgq::fixed {

using Int128 = __int128;

/// Rounding applied when a value has more fractional bits than the format.
/// Values match the dialect's RoundingMode enum.
enum class Rounding : uint8_t {
  TRN = 0,         ///< floor
  RND = 1,         ///< ties toward +inf (ap_fixed AP_RND)
  RND_CONV = 2,    ///< ties to even
  TRN_ZERO = 3,    ///< toward zero
  RND_ZERO = 4,    ///< ties toward zero
  RND_INF = 5,     ///< ties away from zero
  RND_MIN_INF = 6, ///< ties toward -inf
};

/// What happens to a rounded value outside the format's range. Values match
/// the dialect's OverflowMode enum.
enum class Overflow : uint8_t {
  WRAP = 0,     ///< two's complement wrap to the width
  SAT = 1,      ///< clip to [low, high]
  SAT_SYM = 2,  ///< clip to [-high, high] (signed) or [0, high]
  SAT_ZERO = 3, ///< out of range becomes 0
};

const char *roundingName(Rounding rounding);
const char *overflowName(Overflow overflow);
std::optional<Rounding> parseRounding(const std::string &name);
std::optional<Overflow> parseOverflow(const std::string &name);

/// A fixed-point format: `keepNegative` sign bit (0/1), `integerBits` without
/// the sign, `fractionalBits` (may be negative). Width W = k + i + f; the
/// ap_fixed integer width is I = k + i.
struct Format {
  int keepNegative = 0;
  int integerBits = 0;
  int fractionalBits = 0;

  constexpr int width() const {
    return keepNegative + integerBits + fractionalBits;
  }
  /// A zero-width element always evaluates to 0.
  constexpr bool isDead() const { return width() == 0; }
  /// The HGQ "kbi" view: (keep_negative, bits = W, integers = k + i).
  static constexpr Format fromKBI(int keepNegative, int bits, int integers) {
    return Format{keepNegative, integers - keepNegative, bits - integers};
  }
  /// Dead formats are normalised to k = i = f = 0 (semantics.md 1).
  Format normalized() const { return isDead() ? Format{} : *this; }
  bool operator==(const Format &other) const {
    return keepNegative == other.keepNegative &&
           integerBits == other.integerBits &&
           fractionalBits == other.fractionalBits;
  }
  bool operator!=(const Format &other) const { return !(*this == other); }
  /// `fixed<W,I>` / `ufixed<W,I>` spelling used in messages.
  std::string str() const;
};

/// How a format is spelled as a type.
enum class TypeSyntax {
  Hls4ml,  ///< fixed<W,I,RND,SAT> / ufixed<...> (messages, hls4ml documents)
  ApTypes, ///< ap_fixed<W,I,AP_RND,AP_SAT> / ap_ufixed<...> (HLS C++)
};
struct Modes {
  Rounding rounding;
  Overflow overflow;
};
/// The one spelling of a format as a type: width W = k + i + f and integer
/// bits I = k + i, then the modes when given.
std::string typeString(Format format, TypeSyntax syntax,
                       std::optional<Modes> modes = std::nullopt);

/// Why a computation was refused. Nothing is ever rounded silently.
enum class Status : uint8_t {
  Ok = 0,
  InvalidFormat,   ///< keep_negative not 0/1, or negative width
  FormatTooWide,   ///< the format does not fit the integer path
  NotFinite,       ///< NaN or infinity where an exact value is needed
  MantissaTooWide, ///< an intermediate needs more than 126 bits
};
const char *statusMessage(Status status);

/// The widest format each integer path quantizes to.
template <typename Int> constexpr int maxFormatWidth() {
  return int(sizeof(Int) * 8) - 2;
}

/// An exact value `mantissa * 2^-fractionalBits`.
template <typename Int> struct Scaled {
  Int mantissa = 0;
  int64_t fractionalBits = 0;
};

/// The result of quantizing: the mantissa at the format's fractional bits and
/// whether the overflow mode changed the rounded value.
template <typename Int> struct Quantized {
  Status status = Status::Ok;
  Int mantissa = 0;
  bool overflowed = false;
  bool ok() const { return status == Status::Ok; }
};

/// Quantizes the exact value `mantissa * 2^-fractionalBits` to `format`:
/// round first (integer domain), then apply the overflow mode. Instantiated for
/// int64_t (formats up to 62 bits) and Int128 (up to 126 bits).
template <typename Int>
Quantized<Int> quantize(Int mantissa, int64_t fractionalBits, Format format,
                        Rounding rounding, Overflow overflow);

/// Rounds `mantissa * 2^-fractionalBits` to `targetFractionalBits` with no
/// overflow handling (the Q of trace-minmax's cover factor).
template <typename Int>
Quantized<Int> roundTo(Int mantissa, int64_t fractionalBits,
                       int64_t targetFractionalBits, Rounding rounding);

/// The exact dyadic form of a finite double: at most 53 significant bits.
std::optional<Scaled<int64_t>> exactFromDouble(double value);

/// Nearest double to `mantissa * 2^-fractionalBits` (exact while the mantissa
/// has at most 53 significant bits).
double toDouble(Int128 mantissa, int64_t fractionalBits);

/// Convenience for float data: quantizes a finite double exactly and returns
/// the result as a double (exact whenever the result has at most 53
/// significant bits, as every format up to 53 bits wide guarantees).
struct QuantizedDouble {
  Status status = Status::Ok;
  double value = 0.0;
  bool overflowed = false;
  bool ok() const { return status == Status::Ok; }
};
QuantizedDouble quantizeDouble(double value, Format format, Rounding rounding,
                               Overflow overflow);

/// Checks keep_negative in {0,1} and a non-negative width.
Status validate(Format format);

} // namespace hgq::fixed

#endif // HGQ_FIXED_FIXED_H
