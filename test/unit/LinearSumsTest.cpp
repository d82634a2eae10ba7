// The two implementations of a layer's exact sum formats agree: the int64
// one at a common scale, wherever its bound lets it run, gives exactly what
// 128-bit interval arithmetic term by term gives (outputs, accumulators and
// the unbiased hull), on random layers with dead inputs, negative and
// zero-fraction weights, negative integer bits, biases or none. Both are
// also checked against enumeration on a tiny layer, and the bound hands wide
// layers to the 128-bit path.
#include "hgq/Fixed/LinearSums.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace hgq::fixed;

namespace {

bool sameFormat(const Format &a, const Format &b) {
  return a.isDead() ? b.isDead() : a == b;
}

bool sameInterval(const Interval &a, const Interval &b) {
  return a.low == b.low && a.high == b.high &&
         a.fractionalBits == b.fractionalBits;
}

struct RandomLayer {
  int64_t channels;
  std::vector<double> kernel, bias;
  std::vector<Format> inputs;
  std::vector<std::vector<LinearTerm>> terms;

  LinearLayer view() const {
    return {channels, &kernel, &bias, inputs.data(), inputs.size(), &terms};
  }
};

/// A dense layer in its summation order (zero weights and dead inputs
/// skipped, as linearTerms does), or a convolution-like one where outputs
/// share weights across positions.
RandomLayer randomLayer(std::mt19937_64 &rng, int widest) {
  std::uniform_int_distribution<int> in(1, 12), out(1, 6), coin(0, 1),
      width(0, widest), frac(-3, 10), mantissa(-300, 300), shift(-6, 8),
      positions(1, 4);
  RandomLayer layer;
  int fanIn = in(rng);
  layer.channels = out(rng);
  int positionCount = positions(rng);
  for (int i = 0; i < fanIn * positionCount; ++i) {
    int w = width(rng), k = w > 0 ? coin(rng) : 0, f = frac(rng);
    Format format;
    format.keepNegative = k;
    format.fractionalBits = w > 0 ? f : 0;
    format.integerBits = w > 0 ? w - k - f : 0;
    layer.inputs.push_back(format);
  }
  for (int j = 0; j < fanIn * layer.channels; ++j)
    layer.kernel.push_back(
        coin(rng) && coin(rng) ? 0.0 : std::ldexp(mantissa(rng), shift(rng)));
  if (coin(rng))
    for (int o = 0; o < layer.channels; ++o)
      layer.bias.push_back(std::ldexp(mantissa(rng), shift(rng)));
  for (int p = 0; p < positionCount; ++p)
    for (int o = 0; o < layer.channels; ++o) {
      std::vector<LinearTerm> terms;
      for (int j = 0; j < fanIn; ++j) {
        int64_t input = p * fanIn + j, weight = j * layer.channels + o;
        if (layer.kernel[weight] != 0 && !layer.inputs[input].isDead())
          terms.push_back({input, weight});
      }
      layer.terms.push_back(terms);
    }
  return layer;
}

TEST(LinearSums, Int64EqualsInt128OnRandomLayers) {
  std::mt19937_64 rng(2026);
  int fast = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    RandomLayer layer = randomLayer(rng, trial % 2 ? 40 : 12);
    std::optional<LinearSumFormats> exact =
        linearSumFormatsInt128(layer.view());
    std::optional<LinearSumFormats> quick = linearSumFormatsInt64(layer.view());
    ASSERT_TRUE(exact) << trial;
    if (!quick)
      continue;
    ++fast;
    ASSERT_EQ(exact->outputs.size(), quick->outputs.size());
    for (size_t e = 0; e < exact->outputs.size(); ++e) {
      ASSERT_TRUE(sameFormat(exact->outputs[e], quick->outputs[e]))
          << "trial " << trial << " output " << e << ": "
          << exact->outputs[e].str() << " vs " << quick->outputs[e].str();
      ASSERT_TRUE(sameFormat(exact->accumulators[e], quick->accumulators[e]))
          << "trial " << trial << " accumulator " << e;
    }
    ASSERT_TRUE(sameInterval(exact->unbiased, quick->unbiased))
        << "trial " << trial;
    // linearSumFormats picks one of them: the same answer.
    std::optional<LinearSumFormats> chosen = linearSumFormats(layer.view());
    ASSERT_TRUE(chosen && sameInterval(chosen->unbiased, exact->unbiased));
  }
  // Most layers take the int64 path; the wide ones (40-bit inputs) do not
  // always.
  EXPECT_GT(fast, 12000);
  EXPECT_LT(fast, 20000);
}

TEST(LinearSums, MatchesEnumerationOnATinyLayer) {
  // y = 0.75 * a - 2 * b + 0.5, a in ufixed<2,1> (0..1.5 by 0.5),
  // b in fixed<3,1> (-1..0.75 by 0.25): every partial sum enumerated.
  Format a{0, 1, 1}, b{1, 0, 2};
  std::vector<double> kernel{0.75, -2.0}, bias{0.5};
  std::vector<Format> inputs{a, b};
  std::vector<std::vector<LinearTerm>> terms{{{0, 0}, {1, 1}}};
  LinearLayer layer{1, &kernel, &bias, inputs.data(), inputs.size(), &terms};
  double low = 1e9, high = -1e9, accLow = 1e9, accHigh = -1e9;
  for (double va = 0; va <= 1.5; va += 0.5)
    for (double vb = -1; vb <= 0.75; vb += 0.25) {
      double first = 0.5 + 0.75 * va, sum = first - 2 * vb;
      low = std::min(low, sum);
      high = std::max(high, sum);
      for (double partial : {0.5, first, sum}) {
        accLow = std::min(accLow, partial);
        accHigh = std::max(accHigh, partial);
      }
    }
  for (auto implementation : {linearSumFormatsInt64, linearSumFormatsInt128}) {
    std::optional<LinearSumFormats> sums = implementation(layer);
    ASSERT_TRUE(sums);
    // The output format: f = 3 (0.75 * 0.5 = 0.375), from low to high.
    Format output = sums->outputs[0];
    EXPECT_EQ(output.fractionalBits, 3);
    EXPECT_EQ(output.keepNegative, low < 0 ? 1 : 0);
    double top = std::ldexp(1.0, output.integerBits);
    EXPECT_LE(high, top - std::ldexp(1.0, -3));
    EXPECT_GT(std::max(high, -low), top / 2 - std::ldexp(1.0, -3));
    Format accumulator = sums->accumulators[0];
    EXPECT_LE(accHigh,
              std::ldexp(1.0, accumulator.integerBits) - std::ldexp(1.0, -3));
    EXPECT_GE(accLow, accumulator.keepNegative
                          ? -std::ldexp(1.0, accumulator.integerBits)
                          : 0.0);
  }
}

TEST(LinearSums, WideLayersTakeThe128BitPath) {
  // 60-bit inputs times a 40-bit weight: past int64, within 126 bits.
  std::vector<double> kernel{std::ldexp(double((1LL << 40) - 1), -20)}, bias;
  std::vector<Format> inputs{Format{1, 40, 20}};
  std::vector<std::vector<LinearTerm>> terms{{{0, 0}}};
  LinearLayer layer{1, &kernel, &bias, inputs.data(), inputs.size(), &terms};
  EXPECT_FALSE(linearSumFormatsInt64(layer));
  std::optional<LinearSumFormats> sums = linearSumFormats(layer);
  ASSERT_TRUE(sums);
  EXPECT_EQ(sums->outputs[0].fractionalBits, 40);
  // A non-finite weight: no formats at all.
  kernel[0] = INFINITY;
  EXPECT_FALSE(linearSumFormats(layer));
}

} // namespace
