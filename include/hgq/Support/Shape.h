//===- Shape.h - Element counts of shapes read from files -------*- C++ -*-===//
//
// Shapes come from files (ONNX, hls4ml, .npy headers): their products are
// computed once, here, with negative dimensions and 64-bit overflow refused.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_SUPPORT_SHAPE_H
#define HGQ_SUPPORT_SHAPE_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace hgq {

/// The number of elements of `shape`, or nullopt when a dimension is
/// negative or the product overflows int64; then `bad` (if given) is the
/// index of that dimension.
inline std::optional<int64_t> elementCount(const std::vector<int64_t> &shape,
                                           size_t *bad = nullptr) {
  int64_t count = 1;
  for (size_t d = 0; d < shape.size(); ++d)
    if (shape[d] < 0 || __builtin_mul_overflow(count, shape[d], &count)) {
      if (bad)
        *bad = d;
      return std::nullopt;
    }
  return count;
}

} // namespace hgq

#endif // HGQ_SUPPORT_SHAPE_H
