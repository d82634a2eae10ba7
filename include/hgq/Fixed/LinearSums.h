//===- LinearSums.h - Exact formats of a layer's sums -----------*- C++ -*-===//
//
// The exact interval of every partial sum of a dense or convolution layer
// (bias first, then the terms in summation order): each output's format,
// each output's accumulator (the hull of its partial sums) and the hull of
// the sums without the bias over every output. Two implementations that
// must agree: 128-bit interval arithmetic term by term (any layer that fits
// 126 bits), and int64 at one scale, for layers whose every sum fits it
// there (most, and many times faster). linearSumFormats() picks.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_FIXED_LINEARSUMS_H
#define HGQ_FIXED_LINEARSUMS_H

#include "hgq/Fixed/Interval.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace hgq::fixed {

/// One term of an output: input element `input` times kernel element
/// `weight` (row-major indices, features without batch).
struct LinearTerm {
  int64_t input;
  int64_t weight;
};

struct LinearSumFormats {
  std::vector<Format> outputs, accumulators;
  Interval unbiased;
};

/// The layer: its kernel and bias (one per output channel, empty for none;
/// output element e uses bias[e % channels]), its inputs' formats and each
/// output element's terms. Nothing when a constant is not finite or 126 bits
/// do not hold a sum.
struct LinearLayer {
  int64_t channels;
  const std::vector<double> *kernel, *bias;
  const Format *inputs;
  size_t inputCount;
  const std::vector<std::vector<LinearTerm>> *terms;
};

std::optional<LinearSumFormats> linearSumFormats(const LinearLayer &layer);
/// The two implementations (for the test that compares them): the int64
/// one is nothing also when its bound does not hold.
std::optional<LinearSumFormats>
linearSumFormatsInt128(const LinearLayer &layer);
std::optional<LinearSumFormats> linearSumFormatsInt64(const LinearLayer &layer);

} // namespace hgq::fixed

#endif // HGQ_FIXED_LINEARSUMS_H
