//===- BitOpsTest.cpp - BOPs and EBOPs against naive references -----------===//

#include "hgq/Fixed/BitOps.h"
#include "hgq/Fixed/Range.h"

#include <gtest/gtest.h>

#include <random>

using namespace hgq::fixed;

namespace {

TEST(BitOps, DenseByHand) {
  // bw_in = [3, 2]; spans of [[0.75, 4], [0, 5.125]] = [[2, 1], [0, 6]].
  const double weights[] = {0.75, 4.0, 0.0, 5.125};
  int spans[4];
  for (int index = 0; index < 4; ++index)
    spans[index] = weightSpan(weights[index]);
  const int inputBits[] = {3, 2};
  EXPECT_EQ(denseBitOps(inputBits, spans, 1, 2, 2), 3 * (2 + 1) + 2 * (0 + 6));
  // Two positions (a 3-D input) sum both.
  const int twoPositions[] = {3, 2, 1, 1};
  EXPECT_EQ(denseBitOps(twoPositions, spans, 2, 2, 2), 21 + 1 * 3 + 1 * 6);
}

TEST(BitOps, Conv1DSamePaddingByHand) {
  // Input bits [1, 2, 3, 4], kernel 3 taps of span 1, pads 1/1.
  ConvGeometry g;
  g.input = {1, 4};
  g.window = {1, 3};
  g.padBegin = {0, 1};
  g.padEnd = {0, 1};
  const int inputBits[] = {1, 2, 3, 4};
  const int weightBits[] = {1, 1, 1};
  ConvBitOps result = convBitOps(inputBits, weightBits, g, 1);
  EXPECT_EQ(g.outputPositions(), 4);
  EXPECT_EQ(result.fullLayer, 3 + 6 + 9 + 7);
  EXPECT_EQ(result.perPosition, 25.0 / 4);
  EXPECT_EQ(convBitOps(inputBits, weightBits, g, 2).perPosition, 25.0 / 2);
}

/// The direct definition: every output position, tap, input channel of the
/// group, output channel.
double naiveConv(const std::vector<int> &inputBits,
                 const std::vector<int> &weightBits, const ConvGeometry &g) {
  auto out = g.output();
  int64_t cinPerGroup = g.inputChannels / g.groups;
  int64_t coutPerGroup = g.outputChannels / g.groups;
  double total = 0;
  for (int64_t oh = 0; oh < out[0]; ++oh)
    for (int64_t ow = 0; ow < out[1]; ++ow)
      for (int64_t co = 0; co < g.outputChannels; ++co)
        for (int64_t kh = 0; kh < g.window[0]; ++kh)
          for (int64_t kw = 0; kw < g.window[1]; ++kw)
            for (int64_t ci = 0; ci < cinPerGroup; ++ci) {
              int64_t ih =
                  oh * g.strides[0] + kh * g.dilations[0] - g.padBegin[0];
              int64_t iw =
                  ow * g.strides[1] + kw * g.dilations[1] - g.padBegin[1];
              if (ih < 0 || iw < 0 || ih >= g.input[0] || iw >= g.input[1])
                continue;
              int64_t channel = (co / coutPerGroup) * cinPerGroup + ci;
              total += inputBits[(ih * g.input[1] + iw) * g.inputChannels +
                                 channel] *
                       weightBits[((kh * g.window[1] + kw) * cinPerGroup + ci) *
                                      g.outputChannels +
                                  co];
            }
  return total;
}

TEST(BitOps, Conv2DAgainstNaiveReference) {
  std::mt19937 random(7);
  std::uniform_int_distribution<int> bits(0, 9);
  struct Case {
    int64_t h, w, kh, kw, sh, sw, dh, dw, ph0, pw0, ph1, pw1, cin, cout, groups;
  };
  const Case cases[] = {
      {5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 1}, // same
      {7, 7, 3, 2, 2, 2, 1, 1, 0, 0, 0, 0, 3, 4, 1}, // valid, stride 2
      {6, 5, 2, 2, 1, 2, 2, 1, 1, 0, 0, 1, 2, 2, 1}, // dilation, odd pads
      {5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, 4, 4}, // depthwise
      {6, 6, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 4, 6, 2}, // grouped 1x1
  };
  for (const Case &c : cases) {
    ConvGeometry g;
    g.input = {c.h, c.w};
    g.window = {c.kh, c.kw};
    g.strides = {c.sh, c.sw};
    g.dilations = {c.dh, c.dw};
    g.padBegin = {c.ph0, c.pw0};
    g.padEnd = {c.ph1, c.pw1};
    g.inputChannels = c.cin;
    g.outputChannels = c.cout;
    g.groups = c.groups;
    std::vector<int> inputBits(c.h * c.w * c.cin);
    std::vector<int> weightBits(c.kh * c.kw * (c.cin / c.groups) * c.cout);
    for (int &b : inputBits)
      b = bits(random);
    for (int &b : weightBits)
      b = bits(random);
    ConvBitOps result = convBitOps(inputBits.data(), weightBits.data(), g, 3);
    double expected = naiveConv(inputBits, weightBits, g);
    EXPECT_EQ(result.fullLayer, expected);
    EXPECT_DOUBLE_EQ(result.perPosition,
                     expected * 3 / double(g.outputPositions()));
  }
}

TEST(BitOps, Ebops) {
  EXPECT_EQ(nominalBits(Format{1, 2, 3}, Overflow::SAT), 6);
  EXPECT_EQ(nominalBits(Format{1, 2, 3}, Overflow::WRAP), 5);
  EXPECT_EQ(nominalBits(Format{}, Overflow::SAT), 0);
  const int lhs[] = {3, 4}, rhs[] = {5, 2};
  EXPECT_DOUBLE_EQ(addEbops(lhs, rhs, 2), 0.65 * ((3 + 4 + 5 + 2) - (3 + 2)));
  EXPECT_EQ(poolingEbops(lhs, 2), 7);
  const int in[] = {2, 3}, out[] = {3, 1};
  EXPECT_DOUBLE_EQ(lutEbops(in, out, 2), 1e-4 * (4 * 3 + 8 * 1));
  const int bias[] = {2, 4};
  EXPECT_EQ(biasEbops(bias, 2, 10), 30);
  EXPECT_EQ(biasEbops(nullptr, 0, 10), 0);
}

} // namespace
