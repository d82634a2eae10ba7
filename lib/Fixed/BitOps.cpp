//===- BitOps.cpp - BOPs and EBOPs ----------------------------------------===//

#include "hgq/Fixed/BitOps.h"

#include <algorithm>
#include <cmath>

namespace hgq::fixed {

int nominalBits(Format format, Overflow overflow) {
  int bits = format.integerBits + format.fractionalBits +
             (overflow == Overflow::SAT ? format.keepNegative : 0);
  return format.isDead() ? 0 : std::max(bits, 0);
}

double denseBitOps(const int *inputBits, const int *weightBits,
                   int64_t positions, int64_t inputs, int64_t outputs) {
  // sum_o weightBits[j, o] once per input, then weighted by the input bits.
  std::vector<double> rowSums(inputs, 0.0);
  for (int64_t j = 0; j < inputs; ++j)
    for (int64_t o = 0; o < outputs; ++o)
      rowSums[j] += weightBits[j * outputs + o];
  double total = 0.0;
  for (int64_t p = 0; p < positions; ++p)
    for (int64_t j = 0; j < inputs; ++j)
      total += double(inputBits[p * inputs + j]) * rowSums[j];
  return total;
}

std::optional<int64_t> windowOutputSize(int64_t input, int64_t window,
                                        int64_t stride, int64_t dilation,
                                        int64_t padBegin, int64_t padEnd) {
  if (input < 0 || window < 1 || stride < 1 || dilation < 1 || padBegin < 0 ||
      padEnd < 0)
    return std::nullopt;
  int64_t span = 0, padded = 0;
  if (__builtin_mul_overflow(dilation, window - 1, &span) ||
      __builtin_add_overflow(span, 1, &span) ||
      __builtin_add_overflow(input, padBegin, &padded) ||
      __builtin_add_overflow(padded, padEnd, &padded))
    return std::nullopt;
  if (padded < span)
    return std::nullopt;
  return (padded - span) / stride + 1;
}

std::array<int64_t, 2> WindowGeometry::output() const {
  std::array<int64_t, 2> out{};
  for (int axis = 0; axis < 2; ++axis)
    out[axis] = windowOutputSize(input[axis], window[axis], strides[axis],
                                 dilations[axis], padBegin[axis], padEnd[axis])
                    .value_or(0);
  return out;
}

ConvBitOps convBitOps(const int *inputBits, const int *weightBits,
                      const ConvGeometry &g, int64_t parallelFactor) {
  const int64_t groups = std::max<int64_t>(g.groups, 1);
  const int64_t cinPerGroup = g.inputChannels / groups;
  const int64_t coutPerGroup = g.outputChannels / groups;
  const int64_t kernelPositions = g.window[0] * g.window[1];
  // Sum of weight bits over the output channels of each group, per kernel
  // tap and input channel: the inner loop then touches each input once.
  std::vector<double> tapSums(kernelPositions * cinPerGroup * groups, 0.0);
  for (int64_t tap = 0; tap < kernelPositions; ++tap)
    for (int64_t ci = 0; ci < cinPerGroup; ++ci)
      for (int64_t co = 0; co < g.outputChannels; ++co)
        tapSums[(tap * cinPerGroup + ci) * groups + co / coutPerGroup] +=
            weightBits[(tap * cinPerGroup + ci) * g.outputChannels + co];

  double total = 0.0;
  int64_t positions = g.outputPositions();
  // Padding costs nothing: only the taps inside the input count.
  for (int64_t position = 0; position < positions; ++position)
    g.forEachTap(position, [&](int64_t tap, int64_t inputPosition) {
      const int *pixel = inputBits + inputPosition * g.inputChannels;
      for (int64_t group = 0; group < groups; ++group)
        for (int64_t ci = 0; ci < cinPerGroup; ++ci)
          total += double(pixel[group * cinPerGroup + ci]) *
                   tapSums[(tap * cinPerGroup + ci) * groups + group];
    });
  ConvBitOps result;
  result.fullLayer = total;
  result.perPosition =
      positions ? total * double(parallelFactor) / double(positions) : 0.0;
  return result;
}

double addEbops(const int *lhsBits, const int *rhsBits, size_t count) {
  double sum = 0.0, minSum = 0.0;
  for (size_t index = 0; index < count; ++index) {
    sum += lhsBits[index] + rhsBits[index];
    minSum += std::min(lhsBits[index], rhsBits[index]);
  }
  return 0.65 * (sum - minSum);
}

double poolingEbops(const int *inputBits, size_t count) {
  double sum = 0.0;
  for (size_t index = 0; index < count; ++index)
    sum += inputBits[index];
  return sum;
}

double lutEbops(const int *inputBits, const int *outputBits, size_t count) {
  double sum = 0.0;
  for (size_t index = 0; index < count; ++index)
    sum += std::ldexp(1.0, inputBits[index]) * outputBits[index];
  return 1e-4 * sum;
}

double biasEbops(const int *biasBits, size_t biasCount, int64_t outputCount) {
  if (biasCount == 0)
    return 0.0;
  double sum = 0.0;
  for (size_t index = 0; index < biasCount; ++index)
    sum += biasBits[index];
  return sum / double(biasCount) * double(outputCount);
}

} // namespace hgq::fixed
