//===- ActivationTables.cpp - Fixed-point sigmoid, tanh, softmax ----------===//

#include "hgq/Fixed/ActivationTables.h"
#include "hgq/Fixed/Range.h"

#include <algorithm>
#include <cmath>

namespace hgq::fixed {
namespace {

constexpr int64_t kEntries = int64_t(1) << kTableIndexBits;

int64_t entry(double value) {
  return int64_t(std::floor(std::ldexp(value, kTableEntryFrac) + 0.5));
}

/// floor(value * 2^shift) of an integer of at most 64 bits, for either sign
/// of shift; past 2^60 times the value only its sign matters to the callers,
/// which clip to a table.
__int128 scaleFloor(__int128 value, int shift) {
  if (shift >= 0)
    return value * (__int128(1) << std::min(shift, 60));
  int right = -shift;
  if (right >= 127)
    return value < 0 ? -1 : 0;
  return value >> right;
}

int64_t clipIndex(__int128 index) {
  return int64_t(std::clamp<__int128>(index, 0, kEntries - 1));
}

ElementwiseTable elementwise(int rangeLog2, double (*function)(double)) {
  ElementwiseTable table;
  table.rangeLog2 = rangeLog2;
  double step = std::ldexp(1.0, rangeLog2 + 1 - kTableIndexBits);
  double low = -std::ldexp(1.0, rangeLog2);
  for (int64_t i = 0; i < kEntries; ++i)
    table.entries.push_back(entry(function(low + (double(i) + 0.5) * step)));
  return table;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double hyperbolicTangent(double x) { return std::tanh(x); }

} // namespace

int64_t ElementwiseTable::index(int64_t mantissa, int frac) const {
  // floor((x + 2^r) * 2^(9 - r)) = floor(x * 2^(9 - r)) + 2^9.
  return clipIndex(
      scaleFloor(mantissa, kTableIndexBits - 1 - rangeLog2 - frac) +
      (int64_t(1) << (kTableIndexBits - 1)));
}

ElementwiseTable sigmoidTable() { return elementwise(3, sigmoid); }
ElementwiseTable tanhTable() { return elementwise(2, hyperbolicTangent); }

SoftmaxTables softmaxTables(int64_t length) {
  SoftmaxTables tables;
  for (int64_t i = 0; i < kEntries; ++i)
    tables.exp.push_back(
        entry(std::exp(-std::ldexp(double(i), -SoftmaxTables::kExpStepLog2))));
  int t = kTableIndexBits;
  if (length > 1)
    while ((length - 1) * (int64_t(1) << t) > kEntries)
      --t;
  tables.reciprocalStepLog2 = t;
  for (int64_t k = 0; k < kEntries; ++k)
    tables.reciprocal.push_back(
        entry(1.0 / (1.0 + std::ldexp(double(k) + 0.5, -t))));
  return tables;
}

void SoftmaxTables::apply(const int64_t *x, int64_t count, int64_t stride,
                          int frac, int64_t *y) const {
  int64_t maximum = x[0];
  for (int64_t j = 1; j < count; ++j)
    maximum = std::max(maximum, x[j * stride]);
  std::vector<int64_t> e(count);
  __int128 sum = 0;
  for (int64_t j = 0; j < count; ++j) {
    __int128 d = __int128(maximum) - x[j * stride];
    e[j] = exp[clipIndex(scaleFloor(d, kExpStepLog2 - frac))];
    sum += e[j];
  }
  // (S - 1) * 2^t with S = sum * 2^-17.
  __int128 excess = sum - (__int128(1) << kTableEntryFrac);
  int64_t r = reciprocal[clipIndex(
      scaleFloor(excess, reciprocalStepLog2 - kTableEntryFrac))];
  for (int64_t j = 0; j < count; ++j)
    y[j * stride] = e[j] * r;
}

Format tableFormat(const std::vector<int64_t> &entries) {
  std::vector<double> values;
  for (int64_t entry : entries)
    values.push_back(std::ldexp(double(entry), -kTableEntryFrac));
  std::optional<Format> format = minimalContainer(values.data(), values.size());
  return format ? *format : Format{};
}

} // namespace hgq::fixed
