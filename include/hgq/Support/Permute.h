//===- Permute.h - Reordering the dimensions of a row-major array -*- C++
//-*-===//

#ifndef HGQ_SUPPORT_PERMUTE_H
#define HGQ_SUPPORT_PERMUTE_H

#include <cstdint>
#include <vector>

namespace hgq {

/// For each element of the transpose of a row-major array of `shape` (result
/// dimension i is source dimension permutation[i]), in row-major order, the
/// flat index of its source element.
inline std::vector<int64_t>
permutationSources(const std::vector<int64_t> &shape,
                   const std::vector<int64_t> &permutation) {
  size_t rank = shape.size();
  std::vector<int64_t> resultShape(rank), strides(rank, 1);
  int64_t count = 1;
  for (size_t d = 0; d < rank; ++d) {
    resultShape[d] = shape[permutation[d]];
    count *= shape[d];
  }
  for (size_t d = rank - 1; rank && d-- > 0;)
    strides[d] = strides[d + 1] * shape[d + 1];
  std::vector<int64_t> sources(count);
  std::vector<int64_t> position(rank, 0);
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t source = 0;
    for (size_t d = 0; d < rank; ++d)
      source += position[d] * strides[permutation[d]];
    sources[flat] = source;
    for (size_t d = rank; d-- > 0;) {
      if (++position[d] < resultShape[d])
        break;
      position[d] = 0;
    }
  }
  return sources;
}

/// For each element of a row-major array of `target` shape, the flat index
/// of the element of the `source` shape it reads under a NumPy broadcast
/// (aligned on the last dimension; a source dimension of 1 repeats). The
/// source must broadcast to the target.
template <typename SourceShape, typename TargetShape>
std::vector<int64_t> broadcastSources(const SourceShape &source,
                                      const TargetShape &target) {
  size_t rank = target.size(), offset = rank - source.size();
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1, count = 1;
  for (size_t d = source.size(); d-- > 0;) {
    strides[offset + d] = source[d] == 1 ? 0 : stride;
    stride *= source[d];
  }
  for (int64_t dim : target)
    count *= dim;
  std::vector<int64_t> sources(count);
  std::vector<int64_t> position(rank, 0);
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t index = 0;
    for (size_t d = 0; d < rank; ++d)
      index += position[d] * strides[d];
    sources[flat] = index;
    for (size_t d = rank; d-- > 0;) {
      if (++position[d] < target[d])
        break;
      position[d] = 0;
    }
  }
  return sources;
}

/// The values of a row-major array of `shape`, transposed as above.
template <typename T>
std::vector<T> permuteValues(const std::vector<T> &values,
                             const std::vector<int64_t> &shape,
                             const std::vector<int64_t> &permutation) {
  std::vector<int64_t> sources = permutationSources(shape, permutation);
  std::vector<T> result(sources.size());
  for (size_t flat = 0; flat < sources.size(); ++flat)
    result[flat] = values[sources[flat]];
  return result;
}

} // namespace hgq

#endif // HGQ_SUPPORT_PERMUTE_H
