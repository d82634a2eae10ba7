//===- Tensor.h - Runtime tensors of the bit-accurate executor --*- C++ -*-===//
//
// A tensor is either float32 (a float layer, computed like the source
// framework) or exact: int64 mantissas with one fractional-bit count for the
// whole tensor, value = mantissa * 2^-fractionalBits. Per-element formats are
// aligned to the largest fractional bits, so every exact value is held
// without loss. Between the steps that understand it, an exact tensor whose
// mantissas are all below 2^24 in magnitude may hold them in `floats`
// (float32 represents each exactly): half the memory, and the form the
// float32 matrix products read. Dimension 0 is the batch.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_EXEC_TENSOR_H
#define HGQ_EXEC_TENSOR_H

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace hgq::exec {

struct Tensor {
  std::vector<int64_t> shape;
  bool exact = false;
  int64_t fractionalBits = 0;
  std::vector<float> floats;      ///< when !exact
  std::vector<int64_t> mantissas; ///< when exact
  /// Exact, with the mantissas held in `floats` (integers, |m| < 2^24).
  bool floatStorage = false;

  static Tensor makeFloat(std::vector<int64_t> shape);
  static Tensor makeExact(std::vector<int64_t> shape, int64_t fractionalBits);
  /// An exact tensor with float-held mantissas (all 0).
  static Tensor makeExactFloat(std::vector<int64_t> shape,
                               int64_t fractionalBits);

  int64_t batch() const { return shape.empty() ? 1 : shape[0]; }
  int64_t size() const;
  /// Elements per sample (product of the non-batch dimensions).
  int64_t featureSize() const;
  /// The value of element `index` (rounded to double when it has more than
  /// 53 significant bits).
  double valueAt(int64_t index) const {
    if (!exact)
      return double(floats[index]);
    return std::ldexp(floatStorage ? double(floats[index])
                                   : double(mantissas[index]),
                      -int(fractionalBits));
  }
  /// Moves float-held mantissas to `mantissas` (a no-op otherwise).
  void expandMantissas();
};

/// Float32 batch-first samples the executor reads its work items from
/// without owning them: a tensor's floats, or a memory-mapped .npy file.
struct InputView {
  std::vector<int64_t> shape;
  const float *floats = nullptr;

  int64_t batch() const { return shape.empty() ? 1 : shape[0]; }
  int64_t featureSize() const {
    int64_t count = 1;
    for (size_t index = 1; index < shape.size(); ++index)
      count *= shape[index];
    return count;
  }
};

/// Outcome of a kernel: an error carries a message for the user.
struct Status {
  bool ok = true;
  std::string message;
  static Status success() { return {}; }
  static Status error(std::string message) {
    return {false, std::move(message)};
  }
};

} // namespace hgq::exec

#endif // HGQ_EXEC_TENSOR_H
