//===- Permute.h - Reordering the dimensions of a row-major array -*- C++ -*-===//

#ifndef HGQ_SUPPORT_PERMUTE_H
#define HGQ_SUPPORT_PERMUTE_H

#include <cstdint>
#include <vector>

namespace hgq {

/// The values of a row-major array of `shape`, reordered so that result
/// dimension i is dimension permutation[i] of the source (a transpose).
template <typename T>
std::vector<T> permuteValues(const std::vector<T> &values,
                             const std::vector<int64_t> &shape,
                             const std::vector<int64_t> &permutation) {
  size_t rank = shape.size();
  std::vector<int64_t> resultShape(rank), strides(rank, 1);
  for (size_t d = 0; d < rank; ++d)
    resultShape[d] = shape[permutation[d]];
  for (size_t d = rank - 1; rank && d-- > 0;)
    strides[d] = strides[d + 1] * shape[d + 1];
  std::vector<T> result(values.size());
  std::vector<int64_t> position(rank, 0);
  for (size_t flat = 0; flat < values.size(); ++flat) {
    int64_t source = 0;
    for (size_t d = 0; d < rank; ++d)
      source += position[d] * strides[permutation[d]];
    result[flat] = values[source];
    for (size_t d = rank; d-- > 0;) {
      if (++position[d] < resultShape[d])
        break;
      position[d] = 0;
    }
  }
  return result;
}

} // namespace hgq

#endif // HGQ_SUPPORT_PERMUTE_H
