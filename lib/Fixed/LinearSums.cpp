//===- LinearSums.cpp - Exact formats of a layer's sums -------------------===//

#include "hgq/Fixed/LinearSums.h"

#include <algorithm>
#include <cmath>

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

/// The same intervals when every value of the layer, at the finest scale
/// any of its products or biases has, fits int64 with room for every sum:
/// plain additions and min/max at one scale instead of aligned 128-bit
/// arithmetic per term. Each interval is then brought back to the scale the
/// 128-bit path reaches (the finest of what it has summed, at least the
/// starting value's, 0 without a bias), where it is exact.
std::optional<LinearSumFormats> int64Path(const LinearLayer &layer,
                                          const Operands &operands) {
  const std::vector<std::vector<LinearTerm>> &terms = *layer.terms;
  auto magnitude = [](const Interval &v) {
    return std::max(std::fabs(double(v.low)), std::fabs(double(v.high)));
  };
  int scale = 0;
  for (const std::optional<Interval> &b : operands.bias)
    scale = std::max(scale, b->fractionalBits);
  for (const std::vector<LinearTerm> &outputTerms : terms)
    for (const LinearTerm &term : outputTerms)
      scale = std::max(scale, operands.weights[term.weight]->fractionalBits +
                                  operands.cells[term.input].fractionalBits);
  // Every partial sum is at most the sum of the magnitudes; doubles round
  // that bound by far less than the margin to 2^63.
  constexpr double kLimit = 0x1p60;
  for (size_t output = 0; output < terms.size(); ++output) {
    double bound = 0;
    if (!operands.bias.empty()) {
      const Interval &b = *operands.bias[output % layer.channels];
      bound = std::ldexp(magnitude(b), scale - b.fractionalBits);
    }
    for (const LinearTerm &term : terms[output]) {
      const Interval &w = *operands.weights[term.weight];
      const Interval &x = operands.cells[term.input];
      bound += std::ldexp(magnitude(w) * magnitude(x),
                          scale - w.fractionalBits - x.fractionalBits);
    }
    if (!(bound < kLimit))
      return std::nullopt;
  }
  // `value` * 2^-fractional at `scale`: exact by the bound.
  auto at = [&](__int128 value, int fractional) {
    return value == 0 ? int64_t(0)
                      : int64_t(value) * (int64_t(1) << (scale - fractional));
  };
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
    if (!operands.bias.empty()) {
      const Interval &b = *operands.bias[output % layer.channels];
      low = at(b.low, b.fractionalBits);
      high = at(b.high, b.fractionalBits);
      fractional = b.fractionalBits;
    }
    int64_t partialsLow = low, partialsHigh = high;
    for (const LinearTerm &term : terms[output]) {
      const Interval &w = *operands.weights[term.weight];
      const Interval &x = operands.cells[term.input];
      int product = w.fractionalBits + x.fractionalBits;
      // A constant weight (low == high) scales the input's ends, swapped
      // when it is negative.
      int64_t a = at(w.low * x.low, product), b = at(w.low * x.high, product);
      int64_t productLow = std::min(a, b), productHigh = std::max(a, b);
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
