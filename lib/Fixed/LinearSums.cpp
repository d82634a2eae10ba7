//===- LinearSums.cpp - Exact formats of a layer's sums -------------------===//

#include "hgq/Fixed/LinearSums.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace hgq::fixed {
namespace {

/// The constants and inputs as intervals, each worked out once (a
/// convolution uses every weight and input element at many positions).
/// Nothing when a constant the terms use is not finite.
struct Operands {
  std::vector<std::optional<Interval>> weights, bias;
  std::vector<Interval> cells;
};

std::optional<Operands> operands(const LinearLayer &layer) {
  Operands result;
  result.weights.resize(layer.kernel->size());
  std::vector<char> known(layer.kernel->size(), 0);
  for (const std::vector<LinearTerm> &terms : *layer.terms)
    for (const LinearTerm &term : terms)
      if (!known[term.weight]) {
        result.weights[term.weight] =
            Interval::constant((*layer.kernel)[term.weight]);
        if (!result.weights[term.weight])
          return std::nullopt;
        known[term.weight] = 1;
      }
  for (double value : *layer.bias) {
    result.bias.push_back(Interval::constant(value));
    if (!result.bias.back())
      return std::nullopt;
  }
  result.cells.reserve(layer.inputCount);
  for (size_t index = 0; index < layer.inputCount; ++index)
    result.cells.push_back(Interval::of(layer.inputs[index]));
  return result;
}

std::optional<LinearSumFormats> int128Path(const LinearLayer &layer,
                                           const Operands &operands) {
  const std::vector<std::vector<LinearTerm>> &terms = *layer.terms;
  LinearSumFormats sums;
  sums.outputs.resize(terms.size());
  sums.accumulators.resize(terms.size());
  std::optional<Interval> unbiased = Interval();
  for (size_t output = 0; output < terms.size(); ++output) {
    Interval running, sumOfProducts;
    if (!operands.bias.empty())
      running = *operands.bias[output % layer.channels];
    std::optional<Interval> partials = running;
    for (const LinearTerm &term : terms[output]) {
      std::optional<Interval> product =
          multiply(*operands.weights[term.weight], operands.cells[term.input]);
      std::optional<Interval> sum =
          product ? add(running, *product) : std::nullopt;
      if (!sum)
        return std::nullopt;
      running = *sum;
      partials = hull(*partials, running);
      std::optional<Interval> products = add(sumOfProducts, *product);
      if (!partials || !products)
        return std::nullopt;
      sumOfProducts = *products;
      unbiased = hull(*unbiased, sumOfProducts);
      if (!unbiased)
        return std::nullopt;
    }
    sums.outputs[output] = running.format();
    sums.accumulators[output] = partials->format();
  }
  sums.unbiased = *unbiased;
  return sums;
}

/// The same intervals when every value of the layer, at one fine enough
/// scale, fits int64 with room for every sum: plain integer products,
/// additions and min/max instead of aligned 128-bit arithmetic per term.
/// The scale is the finest weight fraction plus the finest input fraction
/// (at least the biases' and 0), so that weights and inputs are each
/// rescaled once and every product lands on it. Each interval is then
/// brought back to the scale the 128-bit path reaches (the finest of what it
/// has summed, at least the starting value's, 0 without a bias), where it is
/// a whole number.
std::optional<LinearSumFormats> int64Path(const LinearLayer &layer,
                                          const Operands &operands) {
  const std::vector<std::vector<LinearTerm>> &terms = *layer.terms;
  int weightScale = 0, inputScale = 0, biasScale = 0;
  bool first = true;
  for (const std::vector<LinearTerm> &outputTerms : terms)
    for (const LinearTerm &term : outputTerms) {
      int fw = operands.weights[term.weight]->fractionalBits;
      int fx = operands.cells[term.input].fractionalBits;
      weightScale = first ? fw : std::max(weightScale, fw);
      inputScale = first ? fx : std::max(inputScale, fx);
      first = false;
    }
  for (const std::optional<Interval> &b : operands.bias)
    biasScale = std::max(biasScale, b->fractionalBits);
  int scale = std::max({weightScale + inputScale, biasScale, 0});
  // The rescaled values, each checked to fit; a term's product then bounds
  // both its factors (neither is zero). An input no term uses may be finer
  // than the scale (a negative shift): it has no value there.
  constexpr __int128 kFits = __int128(1) << 62;
  auto rescale = [&](__int128 value, int shift) -> std::optional<int64_t> {
    if (value == 0)
      return int64_t(0);
    if (shift < 0 || shift >= 62)
      return std::nullopt;
    __int128 scaled = value * (__int128(1) << shift);
    if (scaled >= kFits || scaled <= -kFits)
      return std::nullopt;
    return int64_t(scaled);
  };
  size_t weightCount = operands.weights.size();
  std::vector<int64_t> weight(weightCount, 0);
  std::vector<int> weightFraction(weightCount, 0);
  for (size_t index = 0; index < weightCount; ++index)
    if (const std::optional<Interval> &w = operands.weights[index]) {
      std::optional<int64_t> value =
          rescale(w->low, scale - inputScale - w->fractionalBits);
      if (!value)
        return std::nullopt;
      weight[index] = *value;
      weightFraction[index] = w->fractionalBits;
    }
  size_t cellCount = operands.cells.size();
  std::vector<int64_t> cellLow(cellCount), cellHigh(cellCount);
  std::vector<int> cellFraction(cellCount);
  std::vector<double> cellMagnitude(cellCount);
  for (size_t index = 0; index < cellCount; ++index) {
    const Interval &x = operands.cells[index];
    int shift = inputScale - x.fractionalBits;
    std::optional<int64_t> low = rescale(x.low, shift),
                           high = rescale(x.high, shift);
    // An input no term uses may not fit; one that is used must.
    cellLow[index] = low.value_or(0);
    cellHigh[index] = high.value_or(0);
    cellFraction[index] = x.fractionalBits;
    cellMagnitude[index] = low && high ? std::max(std::fabs(double(*low)),
                                                  std::fabs(double(*high)))
                                       : INFINITY;
  }
  std::vector<int64_t> bias;
  for (const std::optional<Interval> &b : operands.bias) {
    std::optional<int64_t> value = rescale(b->low, scale - b->fractionalBits);
    if (!value)
      return std::nullopt;
    bias.push_back(*value);
  }
  // Every partial sum is at most the sum of the magnitudes; doubles round
  // that bound by far less than the margin to 2^63.
  constexpr double kLimit = 0x1p60;
  for (size_t output = 0; output < terms.size(); ++output) {
    double bound =
        bias.empty() ? 0.0 : std::fabs(double(bias[output % layer.channels]));
    for (const LinearTerm &term : terms[output])
      bound +=
          std::fabs(double(weight[term.weight])) * cellMagnitude[term.input];
    if (!(bound < kLimit))
      return std::nullopt;
  }
  // Back at `fractional` (<= scale), where every value is a whole number.
  auto interval = [&](int64_t low, int64_t high, int fractional) {
    Interval result;
    result.fractionalBits = fractional;
    result.low = low >> (scale - fractional);
    result.high = high >> (scale - fractional);
    return result;
  };
  LinearSumFormats sums;
  sums.outputs.resize(terms.size());
  sums.accumulators.resize(terms.size());
  int64_t unbiasedLow = 0, unbiasedHigh = 0;
  int unbiasedScale = 0;
  for (size_t output = 0; output < terms.size(); ++output) {
    int64_t low = 0, high = 0, productsLow = 0, productsHigh = 0;
    int fractional = 0;
    if (!bias.empty()) {
      low = high = bias[output % layer.channels];
      fractional = operands.bias[output % layer.channels]->fractionalBits;
    }
    int64_t partialsLow = low, partialsHigh = high;
    for (const LinearTerm &term : terms[output]) {
      // A constant weight scales the input's ends, swapped when negative.
      int64_t w = weight[term.weight];
      int64_t a = w * cellLow[term.input], b = w * cellHigh[term.input];
      int64_t productLow = std::min(a, b), productHigh = std::max(a, b);
      int product = weightFraction[term.weight] + cellFraction[term.input];
      low += productLow;
      high += productHigh;
      fractional = std::max(fractional, product);
      partialsLow = std::min(partialsLow, low);
      partialsHigh = std::max(partialsHigh, high);
      productsLow += productLow;
      productsHigh += productHigh;
      unbiasedLow = std::min(unbiasedLow, productsLow);
      unbiasedHigh = std::max(unbiasedHigh, productsHigh);
      unbiasedScale = std::max(unbiasedScale, product);
    }
    sums.outputs[output] = interval(low, high, fractional).format();
    sums.accumulators[output] =
        interval(partialsLow, partialsHigh, fractional).format();
  }
  sums.unbiased = interval(unbiasedLow, unbiasedHigh, unbiasedScale);
  return sums;
}

} // namespace

std::optional<LinearSumFormats> linearSumFormats(const LinearLayer &layer) {
  std::optional<Operands> values = operands(layer);
  if (!values)
    return std::nullopt;
  if (std::optional<LinearSumFormats> fast = int64Path(layer, *values))
    return fast;
  return int128Path(layer, *values);
}

std::optional<LinearSumFormats>
linearSumFormatsInt128(const LinearLayer &layer) {
  std::optional<Operands> values = operands(layer);
  return values ? int128Path(layer, *values) : std::nullopt;
}

std::optional<LinearSumFormats>
linearSumFormatsInt64(const LinearLayer &layer) {
  std::optional<Operands> values = operands(layer);
  return values ? int64Path(layer, *values) : std::nullopt;
}

} // namespace hgq::fixed
