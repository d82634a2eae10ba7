// Prints what an ap_fixed implementation computes for every conversion,
// rounding and overflow mode, arithmetic result and bit range the emitted HLS
// code uses, over small formats exhaustively. The same source is compiled
// against hgq-mlir's runtime headers and against the vendor's; the two outputs
// must be identical (conformance.test).
#include "ap_fixed.h"
#include "ap_int.h"

#include <cstdio>
#include <utility>

namespace {

constexpr ap_q_mode quantizations[] = {AP_RND,     AP_RND_ZERO, AP_RND_MIN_INF,
                                       AP_RND_INF, AP_RND_CONV, AP_TRN,
                                       AP_TRN_ZERO};
constexpr ap_o_mode overflows[] = {AP_SAT, AP_SAT_ZERO, AP_SAT_SYM, AP_WRAP};
constexpr int widths[] = {1, 2, 3, 5};
constexpr int integers[] = {-2, 0, 2, 5};

template <typename T> double exact(const T &value) { return value.to_double(); }

template <typename Target, typename Source>
void convertAll(const char *sourceName, int sourceBits, bool sourceSigned,
                int sourceInt, bool isSigned, int q, int o) {
  std::printf("%s->%d,%d,%d,%d,%d:", sourceName, Target::width, Target::iwidth,
              int(isSigned), q, o);
  // The vendor reads past the source's MSB when the target's LSB lies more
  // than one bit above it and the target rounds: the emitter first widens
  // the source's integer part, exactly, and so does this test.
  constexpr int sourceFrac = Source::width - Source::iwidth;
  constexpr int targetFrac = Target::width - Target::iwidth;
  constexpr int guard = sourceFrac - targetFrac - Source::width > 0
                            ? sourceFrac - targetFrac - Source::width
                            : 0;
  using Widened = typename std::conditional<
      std::is_base_of<
          ap_fixed_base<Source::width, Source::iwidth, true, AP_TRN, AP_WRAP>,
          Source>::value,
      ap_fixed<Source::width + guard, Source::iwidth + guard>,
      ap_ufixed<Source::width + guard, Source::iwidth + guard>>::type;
  long count = 1L << sourceBits;
  for (long raw = 0; raw < count; ++raw) {
    long value = raw;
    if (sourceSigned && raw >= count / 2)
      value -= count;
    // raw * 2^-(sourceBits - sourceInt), built exactly through a double.
    Source source = std::ldexp(double(value), sourceInt - sourceBits);
    Target target = Widened(source);
    std::printf(" %.17g", exact(target));
  }
  std::printf("\n");
}

template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O> struct Pick;
template <int W, int I, ap_q_mode Q, ap_o_mode O>
struct Pick<W, I, true, Q, O> {
  using type = ap_fixed<W, I, Q, O>;
};
template <int W, int I, ap_q_mode Q, ap_o_mode O>
struct Pick<W, I, false, Q, O> {
  using type = ap_ufixed<W, I, Q, O>;
};

template <int W, int I, bool S, size_t... Qs, size_t... Os>
void allModes(std::index_sequence<Qs...>, std::index_sequence<Os...>) {
  auto forQ = [](auto q) {
    constexpr ap_q_mode Q = quantizations[decltype(q)::value];
    ((convertAll<typename Pick<W, I, S, Q, overflows[Os]>::type,
                 ap_fixed<10, 4>>("fixed<10,4>", 10, true, 4, S, Q,
                                  overflows[Os]),
      convertAll<typename Pick<W, I, S, Q, overflows[Os]>::type,
                 ap_ufixed<9, 5>>("ufixed<9,5>", 9, false, 5, S, Q,
                                  overflows[Os]),
      convertAll<typename Pick<W, I, S, Q, overflows[Os]>::type,
                 ap_fixed<8, -1>>("fixed<8,-1>", 8, true, -1, S, Q,
                                  overflows[Os])),
     ...);
  };
  (forQ(std::integral_constant<size_t, Qs>()), ...);
}

template <size_t... Ws, size_t... Is>
void allTargets(std::index_sequence<Ws...>, std::index_sequence<Is...>) {
  auto forW = [](auto w) {
    constexpr int W = widths[decltype(w)::value];
    auto forI = [](auto i) {
      constexpr int I = integers[decltype(i)::value];
      // The vendor's 1-bit signed conversions read past the MSB (an
      // assertion): the emitter never uses signed 1-bit types.
      if constexpr (W > 1)
        allModes<W, I, true>(std::make_index_sequence<7>(),
                             std::make_index_sequence<4>());
      allModes<W, I, false>(std::make_index_sequence<7>(),
                            std::make_index_sequence<4>());
    };
    (forI(std::integral_constant<size_t, Is>()), ...);
  };
  (forW(std::integral_constant<size_t, Ws>()), ...);
}

/// a OP b for every pair of values of two small types, with the result type.
template <typename A, typename B>
void arithmetic(const char *name, int bitsA, bool signedA, int bitsB,
                bool signedB) {
  using Product = decltype(A() * B());
  using Sum = decltype(A() + B());
  using Difference = decltype(A() - B());
  std::printf("%s: mult<%d,%d> plus<%d,%d> minus<%d,%d>:", name, Product::width,
              Product::iwidth, Sum::width, Sum::iwidth, Difference::width,
              Difference::iwidth);
  for (long rawA = 0; rawA < (1L << bitsA); ++rawA)
    for (long rawB = 0; rawB < (1L << bitsB); ++rawB) {
      long va =
          signedA && rawA >= (1L << (bitsA - 1)) ? rawA - (1L << bitsA) : rawA;
      long vb =
          signedB && rawB >= (1L << (bitsB - 1)) ? rawB - (1L << bitsB) : rawB;
      A a = std::ldexp(double(va), A::iwidth - A::width);
      B b = std::ldexp(double(vb), B::iwidth - B::width);
      std::printf(" %g,%g,%g,%d%d%d", exact(Product(a * b)), exact(Sum(a + b)),
                  exact(Difference(a - b)), int(a < b), int(a == b),
                  int(a >= b));
      A accumulator = a;
      accumulator += b;
      std::printf(",%g", exact(accumulator));
    }
  std::printf("\n");
}

/// Doubles into formats: ties, tiny and huge values, negative integer
/// widths and integer widths larger than the width.
template <typename Target> void fromDoubles(const char *name) {
  const double values[] = {
      0.0,   -0.0,   0.5,     -0.5,     0.25,     -0.25,    0.75,      -0.75,
      1.5,   -1.5,   2.5,     -2.5,     3.375,    -3.375,   1e-300,    -1e-300,
      1e300, -1e300, 123.456, -123.456, 0.1,      -0.1,     0.0078125, 7.99,
      -8.01, 255.5,  -256.5,  1.0 / 3,  -1.0 / 3, 4096.0625};
  std::printf("double->%s:", name);
  for (double value : values)
    std::printf(" %.17g", exact(Target(value)));
  std::printf("\n");
}

template <size_t... Qs, size_t... Os>
void doublesAllModes(std::index_sequence<Qs...>, std::index_sequence<Os...>) {
  auto forQ = [](auto q) {
    constexpr ap_q_mode Q = quantizations[decltype(q)::value];
    (fromDoubles<ap_fixed<8, 3, Q, overflows[Os]>>("fixed<8,3>"), ...);
    (fromDoubles<ap_ufixed<6, 4, Q, overflows[Os]>>("ufixed<6,4>"), ...);
    (fromDoubles<ap_fixed<5, -2, Q, overflows[Os]>>("fixed<5,-2>"), ...);
    (fromDoubles<ap_fixed<4, 9, Q, overflows[Os]>>("fixed<4,9>"), ...);
    (fromDoubles<ap_fixed<60, 20, Q, overflows[Os]>>("fixed<60,20>"), ...);
    (fromDoubles<ap_ufixed<100, 50, Q, overflows[Os]>>("ufixed<100,50>"), ...);
    (fromDoubles<ap_fixed<128, 64, Q, overflows[Os]>>("fixed<128,64>"), ...);
  };
  (forQ(std::integral_constant<size_t, Qs>()), ...);
}

/// Wide arithmetic: products and sums past 64 bits, and their doubles.
void wide() {
  std::printf("wide:");
  double seeds[] = {1.0 / 3, -2.0 / 7, 1234.5678, -0.000123, 98765.4321};
  for (double x : seeds)
    for (double y : seeds) {
      ap_fixed<60, 20, AP_RND> a = x;
      ap_fixed<62, 10, AP_RND_CONV> b = y;
      auto product = a * b; // 122 bits
      ap_fixed<40, 12, AP_RND, AP_SAT> narrowed = product;
      ap_fixed<90, 40> wider = product;
      auto sum = a + b;
      std::printf(" %.17g,%.17g,%.17g,%.17g", exact(product), exact(narrowed),
                  exact(wider), exact(sum));
    }
  std::printf("\n");
}

/// The raw bits of a value as a table index.
void ranges() {
  std::printf("range:");
  for (long raw = -16; raw < 16; ++raw) {
    ap_fixed<5, 2> value = std::ldexp(double(raw), -3);
    ap_uint<5> index = value.range(4, 0);
    ap_ufixed<4, 1> unsignedValue = std::ldexp(double(raw & 15), -3);
    ap_uint<4> unsignedIndex = unsignedValue.range(3, 0);
    std::printf(" %d,%d", int(index), int(unsignedIndex));
  }
  std::printf("\n");
}

} // namespace

int main() {
  allTargets(std::make_index_sequence<4>(), std::make_index_sequence<4>());
  arithmetic<ap_fixed<4, 2>, ap_fixed<3, 0>>("fixed<4,2>.fixed<3,0>", 4, true,
                                             3, true);
  arithmetic<ap_fixed<4, 2>, ap_ufixed<3, 3>>("fixed<4,2>.ufixed<3,3>", 4, true,
                                              3, false);
  arithmetic<ap_ufixed<4, 1>, ap_fixed<3, 5>>("ufixed<4,1>.fixed<3,5>", 4,
                                              false, 3, true);
  arithmetic<ap_ufixed<3, -1>, ap_ufixed<4, 2>>("ufixed<3,-1>.ufixed<4,2>", 3,
                                                false, 4, false);
  arithmetic<ap_fixed<5, 7>, ap_fixed<4, -2>>("fixed<5,7>.fixed<4,-2>", 5, true,
                                              4, true);
  doublesAllModes(std::make_index_sequence<7>(), std::make_index_sequence<4>());
  wide();
  ranges();
  return 0;
}
