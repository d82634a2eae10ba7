//===- Kernels.h - The executor's per-op kernels ----------------*- C++ -*-===//
//
// Small kernels, one per kind of op, with no MLIR dependency: each takes
// runtime tensors and precomputed parameters. Exact kernels compute with
// integers; where a proven bound on every partial sum fits a floating-point
// mantissa (2^24 for float32, 2^53 for float64), the integer products and
// sums run in that type, where they are exact, so optimized GEMM can be used.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_EXEC_KERNELS_H
#define HGQ_EXEC_KERNELS_H

#include "hgq/Exec/Tensor.h"
#include "hgq/Fixed/BitOps.h"
#include "hgq/Fixed/QuantizePlan.h"
#include "hgq/Fixed/UnaryFunctions.h"

#include <array>
#include <optional>

namespace hgq::exec {

/// An exact (inner x cols) integer matrix prepared for repeated products.
class ExactMatrix {
public:
  ExactMatrix() = default;
  ExactMatrix(std::vector<int64_t> values, int64_t inner, int64_t cols);

  int64_t inner() const { return inner_; }
  int64_t cols() const { return cols_; }
  const std::vector<int64_t> &values() const { return values_; }
  /// The values as float32 and float64 (exact where pathFor() selects them).
  const float *floatValues() const { return asFloat_.data(); }
  const double *doubleValues() const { return asDouble_.data(); }
  /// The values as signed 8-bit integers in exactInt8MatMul's layout, when
  /// every value fits and `inner` is a multiple of 4; empty otherwise.
  const std::vector<int8_t> &int8Panels() const { return int8Panels_; }

  /// out[r, o] = sum_j a[r, j] * m[j, o] (+ addend[o] when given) for `rows`
  /// rows of `a` (row stride `inner`), exactly. Fails only when a result
  /// needs more than 63 bits.
  Status multiply(const int64_t *a, int64_t rows, int64_t *out,
                  const int64_t *addend = nullptr) const;

  /// Which arithmetic the last bound selects (for tests and benchmarks).
  enum class Path { Float32, Float64, Int64, Int128 };
  Path pathFor(uint64_t maxAbsInput) const;
  /// An upper bound on |every partial sum| for inputs up to `maxAbsInput`.
  double productBound(uint64_t maxAbsInput) const;

private:
  std::vector<int64_t> values_;
  std::vector<float> asFloat_;
  std::vector<double> asDouble_;
  std::vector<int8_t> int8Panels_;
  int64_t inner_ = 0, cols_ = 0;
  /// max over columns of sum_j |m[j, o]|, as a double upper bound.
  double maxColumnAbsSum_ = 0;
};

/// Float32 matrix product out = a (rows x inner) * m (inner x cols).
void floatMatMul(const float *a, int64_t rows, int64_t inner, const float *m,
                 int64_t cols, float *out);
/// The same for a product proven exact (integers, every partial sum below
/// 2^24: any order of summation gives the one result), with A(r, k) =
/// a[r * rowStride + k * innerStride] read in place (row- or column-major
/// windows, no repacking): up to 64 columns in register blocks of 8 rows x
/// 16 columns, Eigen above.
void exactFloatMatMul(const float *a, int64_t rows, int64_t inner,
                      int64_t rowStride, int64_t innerStride, const float *m,
                      int64_t cols, float *out);
/// out (rows x cols, float32) = a (rows x inner unsigned 8-bit integers,
/// row stride `inner`) times a matrix given as ExactMatrix::int8Panels(),
/// in 32-bit integer dot products (AVX-512 VNNI: 64 products per
/// instruction). Exact when every result is below 2^24 in magnitude (the
/// caller's bound). Returns false, writing nothing, where the CPU has no
/// VNNI.
bool exactInt8MatMul(const uint8_t *a, int64_t rows, int64_t inner,
                     const int8_t *panels, int64_t cols, float *out);
/// Whether this CPU runs exactInt8MatMul (AVX-512 VNNI; checked once).
bool int8DotProducts();

/// Applies a per-feature-element plan to `in` (exact or float), writing an
/// exact tensor; counts elements the overflow mode changed. With
/// `floatStorage` the result may hold its mantissas in float32 (when the
/// plan and the values allow it).
Status applyPlan(const Tensor &in, const fixed::QuantizePlan &plan, Tensor &out,
                 int64_t &overflowCount, bool floatStorage = false);

/// applyPlan on float32 values read in place (a tensor of `shape`).
Status applyPlanToFloats(const float *values, std::vector<int64_t> shape,
                         const fixed::QuantizePlan &plan, Tensor &out,
                         int64_t &overflowCount, bool floatStorage);

/// Lowers lows[b] and raises highs[b] (b < period) to the smallest and
/// largest mantissa of `tensor` (exact, either storage) at the elements
/// b, b + period, b + 2 period, ...; the tensor's size is a multiple of
/// `period`.
void updateRanges(const Tensor &tensor, int64_t period, int64_t *lows,
                  int64_t *highs);

/// A copy of an exact tensor with its mantissas in int64.
Tensor expandedCopy(const Tensor &in);

/// Adds a per-channel (last dimension) exact bias given at `biasFrac`
/// fractional bits to an exact tensor, in place; the tensor's fractional
/// bits become max(current, biasFrac).
Status addExactBias(Tensor &tensor, const std::vector<int64_t> &bias,
                    int64_t biasFrac);

/// Moves an exact tensor to `fractionalBits` (>= its own), exactly.
Status alignExact(Tensor &tensor, int64_t fractionalBits);

/// Converts to float32 (exact tensors round to nearest).
Tensor toFloat(const Tensor &in);

/// Dense: in (N, ..., J) times kernel (J, O) to (N, ..., O), plus `bias`
/// (O values at the product's fractional bits) when given.
Status denseExact(const Tensor &in, const ExactMatrix &kernel,
                  int64_t kernelFrac, Tensor &out,
                  const int64_t *bias = nullptr);
/// What follows a layer's product and bias in one pass: a quantizer (its
/// plan and quantization point, for the overflow count) or, without a plan,
/// a relu. The first stage is a quantizer.
struct EpilogueStage {
  const fixed::QuantizePlan *plan = nullptr;
  size_t point = 0;
};

/// A dense layer's product, bias and epilogue (its pre-activation quantizer
/// and relu; in the proxy form, the quantize/relu/quantize ops after it) in
/// one pass, a block of rows at a time, when float32 holds every product
/// plus bias exactly (the kernel's bound on this input, plus `maxAbsBias`,
/// below 2^24): `bias` is aligned to the product's fractional bits and the
/// first plan planned for them. Adds each quantizer's overflows to
/// overflowCounts[stage.point]. Sets `done` = false, writing nothing, when
/// the bound does not allow it (the caller takes the general path). With
/// `floatStorage` the result holds its mantissas in float32 when every
/// quantizer's plan and every value allow it.
Status denseQuantizedFloat32(const Tensor &in, const ExactMatrix &kernel,
                             const std::vector<float> *bias, double maxAbsBias,
                             const std::vector<EpilogueStage> &stages,
                             Tensor &out, std::vector<int64_t> &overflowCounts,
                             bool &done, bool floatStorage = false);
void denseFloat(const Tensor &in, const std::vector<float> &kernel,
                int64_t inputs, int64_t outputs, const std::vector<float> *bias,
                Tensor &out);

using fixed::WindowGeometry;

/// Convolution with `groups` groups; the kernel is (KH, KW, Cin/g, Cout)
/// flattened, as one ExactMatrix per group of shape (KH*KW*Cin/g, Cout/g).
Status convExact(const Tensor &in, const WindowGeometry &geometry,
                 int64_t channels, const std::vector<ExactMatrix> &groupKernels,
                 int64_t kernelFrac, Tensor &out);
/// The same for a convolution with one group, a few samples at a time (a
/// plan covers a sample's positions x channels).
Status convQuantizedFloat32(const Tensor &in, const WindowGeometry &geometry,
                            int64_t channels, const ExactMatrix &kernel,
                            const std::vector<float> *bias, double maxAbsBias,
                            const std::vector<EpilogueStage> &stages,
                            Tensor &out, std::vector<int64_t> &overflowCounts,
                            bool &done, bool floatStorage = false);
void convFloat(const Tensor &in, const WindowGeometry &geometry,
               int64_t channels,
               const std::vector<std::vector<float>> &groupKernels,
               int64_t outputChannels, const std::vector<float> *bias,
               Tensor &out);

/// The (KH, KW, Cin/g, Cout) kernel split into per-group row-major
/// (KH*KW*Cin/g, Cout/g) matrices.
template <typename T>
std::vector<std::vector<T>>
splitKernelGroups(const std::vector<T> &kernel, int64_t taps,
                  int64_t cinPerGroup, int64_t outputChannels, int64_t groups);

void maxPool(const Tensor &in, const WindowGeometry &geometry, int64_t channels,
             Tensor &out);
/// Average over the non-padded cells. Exact tensors gain log2 of the largest
/// window's size in fractional bits (the verifier guarantees power-of-two
/// windows), so the division is exact.
Status avgPool(const Tensor &in, const WindowGeometry &geometry,
               int64_t channels, Tensor &out);

/// Elementwise function in float32; softmax along `axis` (a non-batch axis).
void activationFloat(const Tensor &in, fixed::UnaryFunction function,
                     const fixed::UnaryParams &params, int64_t axis,
                     Tensor &out);
/// relu on an exact tensor (exact), either storage; in place.
void reluExact(const Tensor &in, Tensor &out);
void reluExactInPlace(Tensor &tensor);

/// lhs + rhs (same shapes): exact when both are, float32 otherwise.
Status add(const Tensor &lhs, const Tensor &rhs, Tensor &out);

/// Lookup table indexed by the raw bits of `indexFormat` (two's complement,
/// WRAP); entries exact at `tableFrac`.
Status unaryLut(const Tensor &in, fixed::Format indexFormat,
                fixed::Rounding rounding, const std::vector<int64_t> &table,
                int64_t tableFrac, Tensor &out);

/// Per-channel (last dimension) float32 batch normalization.
void batchNorm(const Tensor &in, const std::vector<float> &scale,
               const std::vector<float> &shift, Tensor &out);

Status concat(const std::vector<const Tensor *> &inputs, int64_t axis,
              Tensor &out);
void transpose(const Tensor &in, const std::vector<int64_t> &permutation,
               Tensor &out);

} // namespace hgq::exec

#endif // HGQ_EXEC_KERNELS_H
