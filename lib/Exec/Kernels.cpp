//===- Kernels.cpp - The executor's per-op kernels ------------------------===//

#include "hgq/Exec/Kernels.h"
#include "hgq/Support/Permute.h"

#include <Eigen/Core>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <type_traits>

namespace hgq::exec {

using fixed::Int128;

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

Tensor Tensor::makeFloat(std::vector<int64_t> shape) {
  Tensor tensor;
  tensor.shape = std::move(shape);
  tensor.floats.resize(size_t(tensor.size()));
  return tensor;
}

Tensor Tensor::makeExact(std::vector<int64_t> shape, int64_t fractionalBits) {
  Tensor tensor;
  tensor.shape = std::move(shape);
  tensor.exact = true;
  tensor.fractionalBits = fractionalBits;
  tensor.mantissas.resize(size_t(tensor.size()));
  return tensor;
}

Tensor Tensor::makeExactFloat(std::vector<int64_t> shape,
                              int64_t fractionalBits) {
  Tensor tensor = Tensor::makeFloat(std::move(shape));
  tensor.exact = true;
  tensor.floatStorage = true;
  tensor.fractionalBits = fractionalBits;
  return tensor;
}

void Tensor::expandMantissas() {
  if (!floatStorage)
    return;
  mantissas.assign(floats.begin(), floats.end());
  floats = {};
  floatStorage = false;
}

int64_t Tensor::size() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

int64_t Tensor::featureSize() const {
  int64_t count = 1;
  for (size_t index = 1; index < shape.size(); ++index)
    count *= shape[index];
  return count;
}

namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

uint64_t maxAbs(const int64_t *values, int64_t count) {
  uint64_t largest = 0;
  for (int64_t index = 0; index < count; ++index) {
    int64_t value = values[index];
    uint64_t magnitude = value < 0 ? uint64_t(0) - uint64_t(value) : value;
    largest = std::max(largest, magnitude);
  }
  return largest;
}

/// The largest |mantissa| of an exact tensor, either storage.
uint64_t maxAbsMantissa(const Tensor &tensor) {
  if (!tensor.floatStorage)
    return maxAbs(tensor.mantissas.data(), tensor.size());
  // Float-held mantissas are finite: their magnitudes order as their bits
  // without the sign (an integer maximum, which vectorizes).
  uint32_t largest = 0;
  const float *values = tensor.floats.data();
  for (int64_t index = 0, count = tensor.size(); index < count; ++index) {
    uint32_t bits;
    std::memcpy(&bits, &values[index], sizeof bits);
    largest = std::max(largest, bits & 0x7fffffffu);
  }
  float magnitude;
  std::memcpy(&magnitude, &largest, sizeof magnitude);
  return uint64_t(magnitude);
}

/// Multiplies by 2^shift (shift >= 0) with an overflow check.
bool shiftLeft(int64_t value, int64_t shift, int64_t &out) {
  if (shift == 0) {
    out = value;
    return true;
  }
  if (shift >= 63) {
    out = 0;
    return value == 0;
  }
  int64_t limit = kInt64Max >> shift;
  if (value > limit || value < -limit)
    return false;
  out = value * (int64_t(1) << shift);
  return true;
}

Status tooWide(const char *what) {
  return Status::error(std::string(what) +
                       ": an exact value needs more than 63 bits; quantize "
                       "earlier or narrow the formats");
}

/// Makes a thread's reused buffer hold at least `size` elements. It never
/// shrinks: layers of different sizes share the buffer, and a resize back
/// up would zero the regrown part on every call. Callers use the first
/// `size` elements.
template <typename T> void growTo(std::vector<T> &buffer, size_t size) {
  if (buffer.size() < size)
    buffer.resize(size);
}

/// Columns per register block of the exact products (one AVX-512 register
/// of float32 or int32 lanes).
constexpr int64_t kPanel = 16;

/// A matrix in exactInt8MatMul's layout: per panel of kPanel columns, per
/// group of 4 rows j..j+3, kPanel x 4 bytes (column l's four values; zero
/// past the matrix's columns). Empty unless every value fits int8 and the
/// rows come in groups of 4.
std::vector<int8_t> int8PanelsOf(const std::vector<int64_t> &values,
                                 int64_t inner, int64_t cols) {
  bool fits = inner % 4 == 0 && cols > 0;
  for (int64_t value : values)
    fits &= value >= -128 && value <= 127;
  if (!fits)
    return {};
  int64_t panels = (cols + kPanel - 1) / kPanel;
  std::vector<int8_t> packed(size_t(panels * inner * kPanel), 0);
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t j = 0; j < inner; ++j)
      for (int64_t l = 0; l < kPanel && p * kPanel + l < cols; ++l)
        packed[size_t(p * inner * kPanel + j / 4 * 4 * kPanel + l * 4 +
                      j % 4)] = int8_t(values[j * cols + p * kPanel + l]);
  return packed;
}

using RowMajorF =
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMajorD =
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

} // namespace

//===----------------------------------------------------------------------===//
// Exact matrix products
//===----------------------------------------------------------------------===//

ExactMatrix::ExactMatrix(std::vector<int64_t> values, int64_t inner,
                         int64_t cols)
    : values_(std::move(values)), inner_(inner), cols_(cols) {
  std::vector<double> columnSums(cols, 0.0);
  for (int64_t j = 0; j < inner; ++j)
    for (int64_t o = 0; o < cols; ++o)
      columnSums[o] += std::fabs(double(values_[j * cols + o]));
  for (double sum : columnSums)
    maxColumnAbsSum_ = std::max(maxColumnAbsSum_, sum);
  // The float copies are exact when the values themselves fit the mantissa;
  // the bound check in pathFor() makes sure they do before they are used.
  asFloat_.assign(values_.begin(), values_.end());
  asDouble_.assign(values_.begin(), values_.end());
  int8Panels_ = int8PanelsOf(values_, inner_, cols_);
}

double ExactMatrix::productBound(uint64_t maxAbsInput) const {
  // Every partial sum of a row times a column is bounded by
  // max|a| * sum_j |m[j, o]|. The bound is computed in double and rounded up
  // by a relative margin far above double's rounding error.
  return double(maxAbsInput) * maxColumnAbsSum_ * (1.0 + 1e-9);
}

ExactMatrix::Path ExactMatrix::pathFor(uint64_t maxAbsInput) const {
  double bound = productBound(maxAbsInput);
  if (bound < 16777216.0) // 2^24
    return Path::Float32;
  if (bound < 9007199254740992.0) // 2^53
    return Path::Float64;
  if (bound < 9.2e18) // below 2^63 with margin
    return Path::Int64;
  return Path::Int128;
}

namespace {

/// out[index] = int64(product[index]) + addend[column], overflow-checked
/// (the products are exact integers in float or double here).
template <typename T>
Status storeProducts(const T *product, int64_t rows, int64_t cols,
                     const int64_t *addend, int64_t *out) {
  if (!addend) {
    for (int64_t index = 0; index < rows * cols; ++index)
      out[index] = int64_t(product[index]);
    return Status::success();
  }
  bool overflow = false;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < cols; ++o)
      overflow |= __builtin_add_overflow(int64_t(product[r * cols + o]),
                                         addend[o], &out[r * cols + o]);
  return overflow ? tooWide("bias addition") : Status::success();
}

} // namespace

Status ExactMatrix::multiply(const int64_t *a, int64_t rows, int64_t *out,
                             const int64_t *addend) const {
  if (rows == 0 || cols_ == 0)
    return Status::success();
  Path path = pathFor(maxAbs(a, rows * inner_));
  // The thread's own buffers keep their capacity between work items.
  thread_local std::vector<float> leftF, productF;
  thread_local std::vector<double> leftD, productD;
  switch (path) {
  case Path::Float32: {
    leftF.assign(a, a + rows * inner_);
    growTo(productF, size_t(rows * cols_));
    exactFloatMatMul(leftF.data(), rows, inner_, inner_, 1, asFloat_.data(),
                     cols_, productF.data());
    return storeProducts(productF.data(), rows, cols_, addend, out);
  }
  case Path::Float64: {
    leftD.assign(a, a + rows * inner_);
    growTo(productD, size_t(rows * cols_));
    Eigen::Map<const RowMajorD> left(leftD.data(), rows, inner_);
    Eigen::Map<const RowMajorD> right(asDouble_.data(), inner_, cols_);
    Eigen::Map<RowMajorD> product(productD.data(), rows, cols_);
    product.noalias() = left * right;
    return storeProducts(productD.data(), rows, cols_, addend, out);
  }
  case Path::Int64: {
    bool overflow = false;
    for (int64_t r = 0; r < rows; ++r) {
      int64_t *row = out + r * cols_;
      std::fill(row, row + cols_, 0);
      for (int64_t j = 0; j < inner_; ++j) {
        int64_t value = a[r * inner_ + j];
        if (value == 0)
          continue;
        const int64_t *weights = values_.data() + j * cols_;
        for (int64_t o = 0; o < cols_; ++o)
          row[o] += value * weights[o];
      }
      if (addend)
        for (int64_t o = 0; o < cols_; ++o)
          overflow |= __builtin_add_overflow(row[o], addend[o], &row[o]);
    }
    return overflow ? tooWide("bias addition") : Status::success();
  }
  case Path::Int128: {
    std::vector<Int128> row(cols_);
    for (int64_t r = 0; r < rows; ++r) {
      std::fill(row.begin(), row.end(), 0);
      for (int64_t j = 0; j < inner_; ++j) {
        Int128 value = a[r * inner_ + j];
        if (value == 0)
          continue;
        const int64_t *weights = values_.data() + j * cols_;
        for (int64_t o = 0; o < cols_; ++o)
          row[o] += value * weights[o];
      }
      for (int64_t o = 0; o < cols_; ++o) {
        if (addend)
          row[o] += addend[o];
        if (row[o] > kInt64Max || row[o] < -Int128(kInt64Max))
          return tooWide("matrix product");
        out[r * cols_ + o] = int64_t(row[o]);
      }
    }
    return Status::success();
  }
  }
  return Status::success();
}

void floatMatMul(const float *a, int64_t rows, int64_t inner, const float *m,
                 int64_t cols, float *out) {
  Eigen::Map<const RowMajorF> left(a, rows, inner);
  Eigen::Map<const RowMajorF> right(m, inner, cols);
  Eigen::Map<RowMajorF> product(out, rows, cols);
  product.noalias() = left * right;
}

namespace {

/// kPanel floats as one vector (GCC/Clang vector extension: one AVX-512
/// register, or two AVX2 ones); a scalar operand is broadcast.
using PanelVector = float __attribute__((vector_size(kPanel * sizeof(float))));

/// `Rows` rows of the product against one panel (inner x kPanel values,
/// zero past the matrix's columns), summed in registers; `width` columns
/// stored.
template <int64_t Rows>
void panelRows(const float *a, int64_t rowStride, int64_t innerStride,
               int64_t inner, const float *panel, int64_t width, float *out,
               int64_t outStride) {
  PanelVector sums[Rows] = {};
  for (int64_t k = 0; k < inner; ++k) {
    PanelVector b;
    std::memcpy(&b, panel + k * kPanel, sizeof b);
    for (int64_t r = 0; r < Rows; ++r)
      sums[r] += a[r * rowStride + k * innerStride] * b;
  }
  for (int64_t r = 0; r < Rows; ++r) {
    if (width == kPanel) {
      std::memcpy(out + r * outStride, &sums[r], sizeof sums[r]);
      continue;
    }
    for (int64_t l = 0; l < width; ++l)
      out[r * outStride + l] = sums[r][l];
  }
}

/// The last `count` (< 8) rows: panelRows for that count, chosen at compile
/// time from `Rows` down.
template <int64_t Rows>
void panelTail(int64_t count, const float *a, int64_t rowStride,
               int64_t innerStride, int64_t inner, const float *panel,
               int64_t width, float *out, int64_t outStride) {
  if (count == Rows)
    return panelRows<Rows>(a, rowStride, innerStride, inner, panel, width, out,
                           outStride);
  if constexpr (Rows > 1)
    panelTail<Rows - 1>(count, a, rowStride, innerStride, inner, panel, width,
                        out, outStride);
}

} // namespace

void exactFloatMatMul(const float *a, int64_t rows, int64_t inner,
                      int64_t rowStride, int64_t innerStride, const float *m,
                      int64_t cols, float *out) {
  constexpr int64_t kWidest = 64;
  if (cols > kWidest) {
    using Strides = Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>;
    Eigen::Map<const Eigen::MatrixXf, 0, Strides> left(
        a, rows, inner, Strides(innerStride, rowStride));
    Eigen::Map<const RowMajorF> right(m, inner, cols);
    Eigen::Map<RowMajorF>(out, rows, cols).noalias() = left * right;
    return;
  }
  int64_t panels = (cols + kPanel - 1) / kPanel;
  thread_local std::vector<float> packed;
  packed.assign(size_t(panels * inner * kPanel), 0.0f);
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t k = 0; k < inner; ++k)
      for (int64_t l = 0; l < kPanel && p * kPanel + l < cols; ++l)
        packed[(p * inner + k) * kPanel + l] = m[k * cols + p * kPanel + l];
  for (int64_t p = 0; p < panels; ++p) {
    const float *panel = packed.data() + p * inner * kPanel;
    int64_t width = std::min(kPanel, cols - p * kPanel);
    float *target = out + p * kPanel;
    int64_t r = 0;
    for (; r + 8 <= rows; r += 8)
      panelRows<8>(a + r * rowStride, rowStride, innerStride, inner, panel,
                   width, target + r * cols, cols);
    panelTail<7>(rows - r, a + r * rowStride, rowStride, innerStride, inner,
                 panel, width, target + r * cols, cols);
  }
}

#if defined(__x86_64__)
namespace {

/// `Rows` rows of unsigned bytes against one panel of the int8 matrix,
/// summed in 32-bit lanes (each vpdpbusd adds 4 byte products per lane),
/// converted to float32; `width` columns stored.
template <int64_t Rows>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void
int8PanelRows(const uint8_t *a, int64_t inner, const int8_t *panel,
              int64_t width, float *out, int64_t outStride) {
  __m512i sums[Rows];
  for (int64_t r = 0; r < Rows; ++r)
    sums[r] = _mm512_set1_epi32(0);
  for (int64_t j = 0; j < inner; j += 4) {
    __m512i b = _mm512_loadu_si512(panel + j * kPanel);
    for (int64_t r = 0; r < Rows; ++r) {
      int32_t quad;
      std::memcpy(&quad, a + r * inner + j, sizeof quad);
      sums[r] = _mm512_dpbusd_epi32(sums[r], _mm512_set1_epi32(quad), b);
    }
  }
  __mmask16 mask = width >= kPanel ? __mmask16(0xffff)
                                   : __mmask16((1u << unsigned(width)) - 1);
  for (int64_t r = 0; r < Rows; ++r)
    _mm512_mask_storeu_ps(out + r * outStride, mask,
                          _mm512_maskz_cvtepi32_ps(__mmask16(0xffff), sums[r]));
}

/// The last `count` (< 8) rows, chosen at compile time from `Rows` down.
template <int64_t Rows>
void int8PanelTail(int64_t count, const uint8_t *a, int64_t inner,
                   const int8_t *panel, int64_t width, float *out,
                   int64_t outStride) {
  if (count == Rows)
    return int8PanelRows<Rows>(a, inner, panel, width, out, outStride);
  if constexpr (Rows > 1)
    int8PanelTail<Rows - 1>(count, a, inner, panel, width, out, outStride);
}

} // namespace
#endif

bool int8DotProducts() {
#if defined(__x86_64__)
  static const bool available = __builtin_cpu_supports("avx512f") &&
                                __builtin_cpu_supports("avx512bw") &&
                                __builtin_cpu_supports("avx512vnni");
  return available;
#else
  return false;
#endif
}

bool exactInt8MatMul(const uint8_t *a, int64_t rows, int64_t inner,
                     const int8_t *panels, int64_t cols, float *out) {
#if defined(__x86_64__)
  if (!int8DotProducts())
    return false;
  for (int64_t p = 0; p * kPanel < cols; ++p) {
    const int8_t *panel = panels + p * inner * kPanel;
    int64_t width = std::min(kPanel, cols - p * kPanel);
    float *target = out + p * kPanel;
    int64_t r = 0;
    for (; r + 8 <= rows; r += 8)
      int8PanelRows<8>(a + r * inner, inner, panel, width, target + r * cols,
                       cols);
    int8PanelTail<7>(rows - r, a + r * inner, inner, panel, width,
                     target + r * cols, cols);
  }
  return true;
#else
  (void)a, (void)rows, (void)inner, (void)panels, (void)cols, (void)out;
  return false;
#endif
}

//===----------------------------------------------------------------------===//
// Quantization, alignment, conversion
//===----------------------------------------------------------------------===//

Tensor expandedCopy(const Tensor &in) {
  Tensor copy = in;
  copy.expandMantissas();
  return copy;
}

namespace {

/// The plan's float-held results of `values` (float32 values, or float-held
/// mantissas), when the plan and every value allow them.
bool quantizeHeld(const float *values, bool floatInput,
                  const std::vector<int64_t> &shape,
                  const fixed::QuantizePlan &plan, Tensor &out,
                  int64_t &overflowCount) {
  if (!plan.floatRowsPlanned())
    return false;
  Tensor result = Tensor::makeExactFloat(shape, plan.outputFractionalBits());
  if (!plan.applyRowsToFloat(values, floatInput, result.batch(),
                             result.floats.data(), overflowCount))
    return false;
  out = std::move(result);
  return true;
}

} // namespace

Status applyPlanToFloats(const float *values, std::vector<int64_t> shape,
                         const fixed::QuantizePlan &plan, Tensor &out,
                         int64_t &overflowCount, bool floatStorage) {
  int64_t batch = shape.empty() ? 1 : shape[0];
  int64_t changed = 0;
  if (floatStorage &&
      quantizeHeld(values, true, shape, plan, out, overflowCount))
    return Status::success();
  out = Tensor::makeExact(std::move(shape), plan.outputFractionalBits());
  if (!plan.applyRows(values, batch, out.mantissas.data(), changed)) {
    for (int64_t index = 0; index < out.size(); ++index)
      if (!std::isfinite(values[index]))
        return Status::error(
            "quantizer: input is not finite (NaN or infinity)");
    return tooWide("quantizer");
  }
  overflowCount += changed;
  return Status::success();
}

Status applyPlan(const Tensor &in, const fixed::QuantizePlan &plan, Tensor &out,
                 int64_t &overflowCount, bool floatStorage) {
  assert(int64_t(plan.size()) == in.featureSize() &&
         "plan does not match tensor");
  if (!in.exact)
    return applyPlanToFloats(in.floats.data(), in.shape, plan, out,
                             overflowCount, floatStorage);
  int64_t batch = in.batch();
  int64_t changed = 0;
  if (in.floatStorage) {
    if (floatStorage && quantizeHeld(in.floats.data(), false, in.shape, plan,
                                     out, overflowCount))
      return Status::success();
    return applyPlan(expandedCopy(in), plan, out, overflowCount, false);
  }
  out = Tensor::makeExact(in.shape, plan.outputFractionalBits());
  if (!plan.applyRows(in.mantissas.data(), batch, out.mantissas.data(),
                      changed))
    return tooWide("quantizer");
  overflowCount += changed;
  return Status::success();
}

void updateRanges(const Tensor &tensor, int64_t period, int64_t *lows,
                  int64_t *highs) {
  int64_t rows = tensor.size() / period;
  if (!tensor.floatStorage) {
    const int64_t *values = tensor.mantissas.data();
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t *__restrict row = values + r * period;
      int64_t *__restrict low = lows;
      int64_t *__restrict high = highs;
      for (int64_t b = 0; b < period; ++b) {
        low[b] = std::min(low[b], row[b]);
        high[b] = std::max(high[b], row[b]);
      }
    }
    return;
  }
  // Float-held mantissas: the extremes in float32 (at least 16 running
  // records, so the loop vectorizes however short the period), then the
  // int64 records. The values are integers below 2^24: exact both ways.
  int64_t lanes = period;
  while (lanes < 16 && (rows * period) % (lanes * 2) == 0)
    lanes *= 2;
  int64_t laneRows = tensor.size() / lanes;
  thread_local std::vector<float> smallest, largest;
  smallest.assign(size_t(lanes), std::numeric_limits<float>::infinity());
  largest.assign(size_t(lanes), -std::numeric_limits<float>::infinity());
  const float *values = tensor.floats.data();
  for (int64_t r = 0; r < laneRows; ++r) {
    const float *__restrict row = values + r * lanes;
    float *__restrict low = smallest.data();
    float *__restrict high = largest.data();
    for (int64_t b = 0; b < lanes; ++b) {
      low[b] = row[b] < low[b] ? row[b] : low[b];
      high[b] = row[b] > high[b] ? row[b] : high[b];
    }
  }
  for (int64_t lane = 0; lane < lanes; ++lane) {
    if (smallest[size_t(lane)] > largest[size_t(lane)])
      continue; // no value
    int64_t b = lane % period;
    lows[b] = std::min(lows[b], int64_t(smallest[size_t(lane)]));
    highs[b] = std::max(highs[b], int64_t(largest[size_t(lane)]));
  }
}

Status alignExact(Tensor &tensor, int64_t fractionalBits) {
  int64_t shift = fractionalBits - tensor.fractionalBits;
  assert(shift >= 0 && "alignment only adds fractional bits");
  if (shift == 0)
    return Status::success();
  for (int64_t &mantissa : tensor.mantissas)
    if (!shiftLeft(mantissa, shift, mantissa))
      return tooWide("alignment");
  tensor.fractionalBits = fractionalBits;
  return Status::success();
}

Status addExactBias(Tensor &tensor, const std::vector<int64_t> &bias,
                    int64_t biasFrac) {
  int64_t common = std::max(tensor.fractionalBits, biasFrac);
  if (Status status = alignExact(tensor, common); !status.ok)
    return status;
  std::vector<int64_t> aligned(bias.size());
  for (size_t index = 0; index < bias.size(); ++index)
    if (!shiftLeft(bias[index], common - biasFrac, aligned[index]))
      return tooWide("bias");
  int64_t channels = int64_t(bias.size());
  int64_t rows = int64_t(tensor.mantissas.size()) / channels;
  bool overflow = false;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t *row = tensor.mantissas.data() + r * channels;
    for (int64_t c = 0; c < channels; ++c)
      overflow |= __builtin_add_overflow(row[c], aligned[c], &row[c]);
  }
  return overflow ? tooWide("bias addition") : Status::success();
}

Tensor toFloat(const Tensor &in) {
  if (!in.exact)
    return in;
  Tensor out = Tensor::makeFloat(in.shape);
  for (size_t index = 0; index < in.mantissas.size(); ++index)
    out.floats[index] =
        float(std::ldexp(double(in.mantissas[index]), -int(in.fractionalBits)));
  return out;
}

//===----------------------------------------------------------------------===//
// Dense and convolution
//===----------------------------------------------------------------------===//

Status denseExact(const Tensor &in, const ExactMatrix &kernel,
                  int64_t kernelFrac, Tensor &out, const int64_t *bias) {
  std::vector<int64_t> shape = in.shape;
  shape.back() = kernel.cols();
  out = Tensor::makeExact(shape, in.fractionalBits + kernelFrac);
  int64_t rows = in.size() / kernel.inner();
  return kernel.multiply(in.mantissas.data(), rows, out.mantissas.data(), bias);
}

namespace {

/// Adds `bias` (one value per column) to `rows` rows of `cols` products.
void addBias(float *product, int64_t rows, int64_t cols,
             const std::vector<float> &bias) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < cols; ++o)
      product[r * cols + o] += bias[o];
}

/// The bias and the stages after the product: `product` holds `planRows`
/// rows of exact integer mantissas (one plan row each) in rows of `cols`
/// outputs, `bias` (when given) one value per output; `target` receives the
/// result.
Status runEpilogue(float *product, int64_t planRows, int64_t cols,
                   const std::vector<float> *bias,
                   const std::vector<EpilogueStage> &stages, int64_t *target,
                   std::vector<int64_t> &overflowCounts) {
  const fixed::QuantizePlan &first = *stages.front().plan;
  if (bias)
    addBias(product, planRows * int64_t(first.size()) / cols, cols, *bias);
  int64_t count = planRows * int64_t(first.size());
  if (!first.applyMantissaRows(product, planRows, target,
                               overflowCounts[stages.front().point]))
    return tooWide("quantizer");
  thread_local std::vector<int64_t> scratch;
  for (size_t index = 1; index < stages.size(); ++index) {
    const EpilogueStage &stage = stages[index];
    if (!stage.plan) {
      for (int64_t e = 0; e < count; ++e)
        target[e] = std::max<int64_t>(target[e], 0);
      continue;
    }
    growTo(scratch, size_t(count));
    if (!stage.plan->applyRows(target, planRows, scratch.data(),
                               overflowCounts[stage.point]))
      return tooWide("quantizer");
    std::copy(scratch.data(), scratch.data() + count, target);
  }
  return Status::success();
}

/// runEpilogue keeping the mantissas in float32: `target` receives them.
/// Returns false when a value leaves the range float32 holds exactly (the
/// caller redoes the layer with int64 results); overflows are added to
/// `counts`.
bool runEpilogueFloat(float *product, int64_t planRows, int64_t cols,
                      const std::vector<float> *bias,
                      const std::vector<EpilogueStage> &stages, float *target,
                      std::vector<int64_t> &counts) {
  int64_t count = planRows * int64_t(stages.front().plan->size());
  if (bias)
    addBias(product, count / cols, cols, *bias);
  // Each quantizer writes a buffer other than the one it reads, the last
  // one `target`: counted back from the end, they alternate between
  // `target` and a scratch buffer.
  thread_local std::vector<float> scratch;
  size_t quantizers = 0;
  for (const EpilogueStage &stage : stages)
    quantizers += stage.plan != nullptr;
  if (quantizers > 1)
    growTo(scratch, size_t(count));
  const float *input = product;
  float *current = nullptr;
  for (const EpilogueStage &stage : stages) {
    if (!stage.plan) {
      for (int64_t e = 0; e < count; ++e)
        current[e] = current[e] > 0.0f ? current[e] : 0.0f;
      continue;
    }
    float *output = --quantizers % 2 == 0 ? target : scratch.data();
    if (!stage.plan->applyRowsToFloat(input, false, planRows, output,
                                      counts[stage.point]))
      return false;
    input = current = output;
  }
  return true;
}

/// Whether every quantizer of `stages` allows float-held results.
bool floatEpilogue(const std::vector<EpilogueStage> &stages) {
  for (const EpilogueStage &stage : stages)
    if (stage.plan && !stage.plan->floatRowsPlanned())
      return false;
  return true;
}

/// The fractional bits after the stages: the last quantizer's.
int64_t epilogueFrac(const std::vector<EpilogueStage> &stages) {
  for (size_t index = stages.size(); index-- > 0;)
    if (stages[index].plan)
      return stages[index].plan->outputFractionalBits();
  return 0;
}

/// `count` float-held integers from 0 to 255 as bytes, into `bytes`
/// (converted once per value, not once per window that reads it).
void toBytes(const float *values, int64_t count, std::vector<uint8_t> &bytes) {
  growTo(bytes, size_t(count));
  uint8_t *__restrict out = bytes.data();
  for (int64_t index = 0; index < count; ++index)
    out[index] = uint8_t(int32_t(values[index]));
}

/// Whether every mantissa of an exact tensor is an integer from 0 to 255.
bool unsignedBytes(const Tensor &tensor) {
  int fits = 1;
  if (tensor.floatStorage) {
    for (float value : tensor.floats)
      fits &= int(value >= 0.0f) & int(value <= 255.0f);
    return fits;
  }
  for (int64_t value : tensor.mantissas)
    fits &= int(value >= 0) & int(value <= 255);
  return fits;
}

/// Whether float32 holds every product of `kernel` on `in` plus a bias up
/// to `maxAbsBias` exactly: the bound (with its margin) below 2^24.
bool float32Holds(const Tensor &in, const ExactMatrix &kernel,
                  double maxAbsBias) {
  uint64_t largest = maxAbsMantissa(in);
  return kernel.productBound(largest) + maxAbsBias * (1.0 + 1e-9) < 16777216.0;
}

/// Rows [begin, begin + count) of `rowLength` mantissas of an exact tensor
/// as float32: in place when float-held, else converted into `buffer`.
const float *floatRows(const Tensor &in, int64_t begin, int64_t count,
                       int64_t rowLength, std::vector<float> &buffer) {
  if (in.floatStorage)
    return in.floats.data() + begin * rowLength;
  const int64_t *source = in.mantissas.data() + begin * rowLength;
  buffer.assign(source, source + count * rowLength);
  return buffer.data();
}

/// The blocks of a one-pass layer: for plan rows [begin, begin + count) in
/// blocks of `perBlock`, `multiply(begin, count)` leaves their product in
/// `product` (`cols` outputs per product row) and the epilogue writes
/// `rowSize` results per plan row to `out` of `shape`: float-held when
/// `floatStorage`, the quantizers and every value allow it, else int64 (the
/// float attempt's overflows are then not counted).
template <typename Multiply>
Status runBlocks(int64_t planRows, int64_t perBlock, int64_t cols,
                 int64_t rowSize, const std::vector<int64_t> &shape,
                 const std::vector<float> *bias,
                 const std::vector<EpilogueStage> &stages, bool floatStorage,
                 std::vector<float> &product, Multiply multiply, Tensor &out,
                 std::vector<int64_t> &overflowCounts) {
  if (floatStorage && floatEpilogue(stages)) {
    out = Tensor::makeExactFloat(shape, epilogueFrac(stages));
    std::vector<int64_t> counts(overflowCounts.size(), 0);
    bool held = true;
    for (int64_t begin = 0; held && begin < planRows; begin += perBlock) {
      int64_t count = std::min(perBlock, planRows - begin);
      multiply(begin, count);
      held = runEpilogueFloat(product.data(), count, cols, bias, stages,
                              out.floats.data() + begin * rowSize, counts);
    }
    if (held) {
      for (size_t point = 0; point < counts.size(); ++point)
        overflowCounts[point] += counts[point];
      return Status::success();
    }
  }
  out = Tensor::makeExact(shape, epilogueFrac(stages));
  for (int64_t begin = 0; begin < planRows; begin += perBlock) {
    int64_t count = std::min(perBlock, planRows - begin);
    multiply(begin, count);
    if (Status status =
            runEpilogue(product.data(), count, cols, bias, stages,
                        out.mantissas.data() + begin * rowSize, overflowCounts);
        !status.ok)
      return status;
  }
  return Status::success();
}

} // namespace

Status denseQuantizedFloat32(const Tensor &in, const ExactMatrix &kernel,
                             const std::vector<float> *bias, double maxAbsBias,
                             const std::vector<EpilogueStage> &stages,
                             Tensor &out, std::vector<int64_t> &overflowCounts,
                             bool &done, bool floatStorage) {
  int64_t inner = kernel.inner(), cols = kernel.cols();
  int64_t rows = in.size() / inner;
  done = float32Holds(in, kernel, maxAbsBias);
  if (!done)
    return Status::success();
  std::vector<int64_t> shape = in.shape;
  shape.back() = cols;
  // A block of rows at a time stays in the caches from the product to the
  // quantized result.
  constexpr int64_t kBlockRows = 256;
  thread_local std::vector<float> left, product;
  auto multiply = [&](int64_t begin, int64_t count) {
    const float *a = floatRows(in, begin, count, inner, left);
    growTo(product, size_t(count * cols));
    exactFloatMatMul(a, count, inner, inner, 1, kernel.floatValues(), cols,
                     product.data());
  };
  return runBlocks(rows, kBlockRows, cols, cols, shape, bias, stages,
                   floatStorage, product, multiply, out, overflowCounts);
}

void denseFloat(const Tensor &in, const std::vector<float> &kernel,
                int64_t inputs, int64_t outputs, const std::vector<float> *bias,
                Tensor &out) {
  std::vector<int64_t> shape = in.shape;
  shape.back() = outputs;
  out = Tensor::makeFloat(shape);
  int64_t rows = in.size() / inputs;
  floatMatMul(in.floats.data(), rows, inputs, kernel.data(), outputs,
              out.floats.data());
  if (bias)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t o = 0; o < outputs; ++o)
        out.floats[r * outputs + o] += (*bias)[o];
}

template <typename T>
std::vector<std::vector<T>>
splitKernelGroups(const std::vector<T> &kernel, int64_t taps,
                  int64_t cinPerGroup, int64_t outputChannels, int64_t groups) {
  int64_t coutPerGroup = outputChannels / groups;
  std::vector<std::vector<T>> result(groups);
  for (int64_t group = 0; group < groups; ++group) {
    std::vector<T> &matrix = result[group];
    matrix.resize(taps * cinPerGroup * coutPerGroup);
    for (int64_t tap = 0; tap < taps; ++tap)
      for (int64_t ci = 0; ci < cinPerGroup; ++ci)
        for (int64_t co = 0; co < coutPerGroup; ++co)
          matrix[(tap * cinPerGroup + ci) * coutPerGroup + co] =
              kernel[(tap * cinPerGroup + ci) * outputChannels +
                     group * coutPerGroup + co];
  }
  return result;
}
template std::vector<std::vector<int64_t>>
splitKernelGroups(const std::vector<int64_t> &, int64_t, int64_t, int64_t,
                  int64_t);
template std::vector<std::vector<float>>
splitKernelGroups(const std::vector<float> &, int64_t, int64_t, int64_t,
                  int64_t);

namespace {

/// `count` values converted to `Out`: a plain copy when the types agree
/// (bytes may alias anything: an element loop would reload every pointer
/// after each store).
template <typename In, typename Out>
void copyConverted(const In *from, int64_t count, Out *to) {
  if constexpr (std::is_same_v<In, Out>) {
    std::memcpy(to, from, size_t(count) * sizeof(Out));
  } else {
    for (int64_t k = 0; k < count; ++k)
      to[k] = Out(from[k]);
  }
}

/// Gathers the receptive fields of one group into rows of
/// (KH*KW*cinPerGroup) values, converted to `Out`; padding contributes
/// zeros. `columns` keeps its capacity between calls (a thread's buffer).
template <typename In, typename Out>
void im2col(const In *input, int64_t batch, const WindowGeometry &g,
            int64_t channels, int64_t firstChannel, int64_t cinPerGroup,
            std::vector<Out> &columns) {
  std::array<int64_t, 2> output = g.output();
  int64_t positions = output[0] * output[1];
  int64_t taps = g.window[0] * g.window[1];
  int64_t rowLength = taps * cinPerGroup;
  growTo(columns, size_t(batch * positions * rowLength));
  // The buffer is reused: taps in the padding are written as zeros.
  int64_t windowRow = g.window[1] * cinPerGroup;
  Out *row = columns.data();
  int64_t imageSize = g.input[0] * g.input[1] * channels;
  for (int64_t n = 0; n < batch; ++n) {
    const In *image = input + n * imageSize;
    for (int64_t oh = 0; oh < output[0]; ++oh)
      for (int64_t ow = 0; ow < output[1]; ++ow, row += rowLength)
        for (int64_t kh = 0; kh < g.window[0]; ++kh) {
          int64_t ih = oh * g.strides[0] + kh * g.dilations[0] - g.padBegin[0];
          if (ih < 0 || ih >= g.input[0]) {
            std::fill(row + kh * windowRow, row + (kh + 1) * windowRow, Out(0));
            continue;
          }
          // A window row inside the image with consecutive taps over every
          // channel is one contiguous run of the NHWC input.
          int64_t firstColumn = ow * g.strides[1] - g.padBegin[1];
          if (g.dilations[1] == 1 && cinPerGroup == channels &&
              firstColumn >= 0 && firstColumn + g.window[1] <= g.input[1]) {
            const In *run = image + (ih * g.input[1] + firstColumn) * channels;
            Out *target = row + kh * g.window[1] * channels;
            copyConverted(run, g.window[1] * channels, target);
            continue;
          }
          for (int64_t kw = 0; kw < g.window[1]; ++kw) {
            int64_t iw =
                ow * g.strides[1] + kw * g.dilations[1] - g.padBegin[1];
            Out *target = row + (kh * g.window[1] + kw) * cinPerGroup;
            if (iw < 0 || iw >= g.input[1]) {
              std::fill(target, target + cinPerGroup, Out(0));
              continue;
            }
            const In *pixel =
                image + (ih * g.input[1] + iw) * channels + firstChannel;
            copyConverted(pixel, cinPerGroup, target);
          }
        }
  }
}

std::vector<int64_t> convOutputShape(const Tensor &in, const WindowGeometry &g,
                                     int64_t outputChannels) {
  std::array<int64_t, 2> out = g.output();
  std::vector<int64_t> shape{in.batch()};
  if (in.shape.size() == 4)
    shape.push_back(out[0]);
  shape.push_back(out[1]);
  shape.push_back(outputChannels);
  return shape;
}

} // namespace

namespace {

/// For a one-channel image batch: row `tap` of `taps` holds, for every
/// sample and output position in order, the input value under that tap
/// (0 in the padding). With stride and dilation 1, the values of one output
/// row under one tap are one run of an image row.
void tapRows(const float *image, int64_t batch, const WindowGeometry &g,
             std::vector<float> &taps) {
  std::array<int64_t, 2> size = g.output();
  int64_t positions = size[0] * size[1];
  int64_t tapCount = g.window[0] * g.window[1];
  int64_t rowLength = batch * positions;
  growTo(taps, size_t(tapCount * rowLength));
  int64_t imageSize = g.input[0] * g.input[1];
  for (int64_t kh = 0; kh < g.window[0]; ++kh)
    for (int64_t kw = 0; kw < g.window[1]; ++kw) {
      float *row = taps.data() + (kh * g.window[1] + kw) * rowLength;
      for (int64_t n = 0; n < batch; ++n) {
        const float *source = image + n * imageSize;
        for (int64_t oh = 0; oh < size[0]; ++oh) {
          float *target = row + (n * size[0] + oh) * size[1];
          int64_t ih = oh * g.strides[0] + kh * g.dilations[0] - g.padBegin[0];
          if (ih < 0 || ih >= g.input[0]) {
            std::fill(target, target + size[1], 0.0f);
            continue;
          }
          const float *line = source + ih * g.input[1];
          int64_t first = kw * g.dilations[1] - g.padBegin[1];
          if (g.strides[1] == 1 && first >= 0 &&
              first + size[1] <= g.input[1]) {
            std::copy(line + first, line + first + size[1], target);
            continue;
          }
          for (int64_t ow = 0; ow < size[1]; ++ow) {
            int64_t iw = ow * g.strides[1] + first;
            target[ow] = iw < 0 || iw >= g.input[1] ? 0.0f : line[iw];
          }
        }
      }
    }
}

/// Whether directConv suits a convolution: stride and dilation 1 along the
/// width, few output channels (from 16 on, the matrix product was faster on
/// bench/executor_conv.py's deep CNN), few input channels.
bool directConvSuits(const WindowGeometry &g, int64_t channels, int64_t cols) {
  return g.strides[1] == 1 && g.dilations[1] == 1 && cols <= 8 &&
         channels <= 16;
}

/// Lanes of directConv's accumulators (one AVX-512 register).
constexpr int64_t kDirectLanes = 16;

/// Writes `cols` copies of each of `width` values read `step` apart.
template <int64_t Cols>
void spreadValues(const float *values, int64_t step, int64_t width,
                  int64_t cols, float *row) {
  int64_t copies = Cols ? Cols : cols;
  for (int64_t w = 0; w < width; ++w)
    for (int64_t o = 0; o < copies; ++o)
      row[w * copies + o] = values[w * step];
}

/// One tap and input channel of directConv: its spread input row (shifted
/// by the tap's column) and its weight row.
struct DirectTerm {
  const float *input, *weights;
};

/// `Chunks` x kDirectLanes outputs from `chunk` on: `start` plus every
/// term, summed in registers, stored to `out`. `Periodic`: the weight rows
/// repeat every kDirectLanes values (cols divides it), so each term's first
/// kDirectLanes weights serve every chunk.
template <int64_t Chunks, bool Periodic>
void sumChunks(const std::vector<DirectTerm> &terms, const float *start,
               int64_t chunk, float *out) {
  float sums[Chunks][kDirectLanes];
  for (int64_t k = 0; k < Chunks; ++k)
    for (int64_t l = 0; l < kDirectLanes; ++l)
      sums[k][l] = start[chunk + k * kDirectLanes + l];
  for (const DirectTerm &term : terms)
    for (int64_t k = 0; k < Chunks; ++k) {
      const float *in = term.input + chunk + k * kDirectLanes;
      const float *w = term.weights + (Periodic ? 0 : chunk + k * kDirectLanes);
      for (int64_t l = 0; l < kDirectLanes; ++l)
        sums[k][l] += w[l] * in[l];
    }
  for (int64_t k = 0; k < Chunks; ++k)
    for (int64_t l = 0; l < kDirectLanes; ++l)
      out[chunk + k * kDirectLanes + l] = sums[k][l];
}

/// An output row of directConv, four chunks at a time (four independent
/// chains of additions), then the remaining one to three.
template <bool Periodic>
void sumRow(const std::vector<DirectTerm> &terms, const float *start,
            int64_t paddedRow, float *out) {
  int64_t chunk = 0;
  for (; chunk + 4 * kDirectLanes <= paddedRow; chunk += 4 * kDirectLanes)
    sumChunks<4, Periodic>(terms, start, chunk, out);
  switch ((paddedRow - chunk) / kDirectLanes) {
  case 3:
    return sumChunks<3, Periodic>(terms, start, chunk, out);
  case 2:
    return sumChunks<2, Periodic>(terms, start, chunk, out);
  case 1:
    return sumChunks<1, Periodic>(terms, start, chunk, out);
  }
}

/// The layout directConv computes in, and its weight and start rows: built
/// once per layer call, used for every block of images.
struct DirectConvPlan {
  DirectConvPlan(const WindowGeometry &g, int64_t channels, int64_t cols,
                 const float *kernel, const std::vector<float> *bias)
      : g(g), channels(channels), cols(cols) {
    std::array<int64_t, 2> size = g.output();
    rowLength = size[1] * cols;
    paddedRow = (rowLength + kDirectLanes - 1) / kDirectLanes * kDirectLanes;
    // Spread rows: (input row, channel) -> (OW + KW - 1) x cols values, and
    // zeros up to the farthest chunk a tap reads.
    paddedWidth = size[1] + g.window[1] - 1;
    spreadLength =
        std::max(paddedWidth * cols, (g.window[1] - 1) * cols + paddedRow);
    // Per tap and channel, the cols weights repeated along a row.
    int64_t terms = g.window[0] * g.window[1] * channels;
    weights.assign(size_t(terms * paddedRow), 0.0f);
    for (int64_t t = 0; t < terms; ++t)
      for (int64_t j = 0; j < rowLength; ++j)
        weights[t * paddedRow + j] = kernel[t * cols + j % cols];
    start.assign(size_t(paddedRow), 0.0f);
    if (bias)
      for (int64_t j = 0; j < rowLength; ++j)
        start[j] = (*bias)[j % cols];
  }
  WindowGeometry g;
  int64_t channels, cols, rowLength, paddedRow, paddedWidth, spreadLength;
  std::vector<float> weights, start;
};

/// The convolution of `count` NHWC images, one group, computed directly
/// into `product` (rows of OW x cols per output row, and kDirectLanes
/// values of slack after the last), starting from the plan's bias or 0.
/// With stride 1 along the width, output (ow, o) under tap (kh, kw) and
/// input channel c reads input column ow + kw: with each input row's
/// channel c spread to cols copies per column (zeros in the padding), a tap
/// adds weight x spread-row-shifted-by-kw to a whole output row. The row is
/// taken kDirectLanes values at a time, summed over every tap in registers
/// (the last chunk writes past the row into the next, rewritten after).
/// Float32 sums of exact integers whose bound is below 2^24 are exact in
/// any order.
void directConv(const DirectConvPlan &plan, const float *images, int64_t count,
                float *product) {
  const WindowGeometry &g = plan.g;
  int64_t channels = plan.channels, cols = plan.cols;
  int64_t rowLength = plan.rowLength, paddedRow = plan.paddedRow;
  int64_t paddedWidth = plan.paddedWidth, spreadLength = plan.spreadLength;
  std::array<int64_t, 2> size = g.output();
  int64_t kh = g.window[0], kw = g.window[1];
  const float *start = plan.start.data();
  thread_local std::vector<float> spread;
  thread_local std::vector<DirectTerm> terms;
  spread.assign(size_t(g.input[0] * channels * spreadLength), 0.0f);
  // The input columns that land inside the spread row (padding outside).
  int64_t firstColumn = std::max<int64_t>(0, -g.padBegin[1]);
  int64_t lastColumn = std::min(g.input[1], paddedWidth - g.padBegin[1]);
  int64_t imageSize = g.input[0] * g.input[1] * channels;
  for (int64_t n = 0; n < count; ++n) {
    const float *image = images + n * imageSize;
    if (lastColumn > firstColumn)
      for (int64_t ih = 0; ih < g.input[0]; ++ih)
        for (int64_t c = 0; c < channels; ++c) {
          const float *values =
              image + (ih * g.input[1] + firstColumn) * channels + c;
          float *row = spread.data() + (ih * channels + c) * spreadLength +
                       (firstColumn + g.padBegin[1]) * cols;
          int64_t width = lastColumn - firstColumn;
          switch (cols) {
          case 1:
            spreadValues<1>(values, channels, width, cols, row);
            break;
          case 2:
            spreadValues<2>(values, channels, width, cols, row);
            break;
          case 4:
            spreadValues<4>(values, channels, width, cols, row);
            break;
          case 8:
            spreadValues<8>(values, channels, width, cols, row);
            break;
          default:
            spreadValues<0>(values, channels, width, cols, row);
          }
        }
    for (int64_t oh = 0; oh < size[0]; ++oh) {
      float *out = product + (n * size[0] + oh) * rowLength;
      // The (spread row, weight row) pairs of this output row's taps.
      terms.clear();
      for (int64_t i = 0; i < kh; ++i) {
        int64_t ih = oh * g.strides[0] + i * g.dilations[0] - g.padBegin[0];
        if (ih < 0 || ih >= g.input[0])
          continue;
        for (int64_t j = 0; j < kw; ++j)
          for (int64_t c = 0; c < channels; ++c)
            terms.push_back(
                {spread.data() + (ih * channels + c) * spreadLength + j * cols,
                 plan.weights.data() +
                     ((i * kw + j) * channels + c) * paddedRow});
      }
      if (kDirectLanes % cols == 0)
        sumRow<true>(terms, start, paddedRow, out);
      else
        sumRow<false>(terms, start, paddedRow, out);
    }
  }
}

} // namespace

Status convQuantizedFloat32(const Tensor &in, const WindowGeometry &g,
                            int64_t channels, const ExactMatrix &kernel,
                            const std::vector<float> *bias, double maxAbsBias,
                            const std::vector<EpilogueStage> &stages,
                            Tensor &out, std::vector<int64_t> &overflowCounts,
                            bool &done, bool floatStorage) {
  done = float32Holds(in, kernel, maxAbsBias);
  if (!done)
    return Status::success();
  int64_t cols = kernel.cols(), inner = kernel.inner();
  std::array<int64_t, 2> size = g.output();
  int64_t positions = size[0] * size[1];
  assert(int64_t(stages.front().plan->size()) == positions * cols &&
         "plan does not match the convolution's output");
  // A few samples at a time: their windows, products and results stay in
  // the caches. A sample's positions x channels are one row of the plans.
  int64_t perBlock =
      std::max<int64_t>(1, 2048 / std::max<int64_t>(positions, 1));
  int64_t imageSize = in.featureSize();
  thread_local std::vector<float> image, columns, product;
  thread_local std::vector<uint8_t> byteImages, byteColumns;
  // Few channels: directly, the bias included.
  bool direct = directConvSuits(g, channels, cols);
  // Windows of unsigned bytes against an 8-bit kernel: 8-bit dot products
  // where the CPU has them (exactInt8MatMul; the bound above keeps every
  // sum below 2^24).
  const std::vector<int8_t> &int8Kernel = kernel.int8Panels();
  bool bytes = !direct && channels > 1 && !int8Kernel.empty() &&
               int8DotProducts() && unsignedBytes(in);
  std::optional<DirectConvPlan> directPlan;
  if (direct)
    directPlan.emplace(g, channels, cols, kernel.floatValues(), bias);
  // The product of samples [begin, begin + count) into `product`.
  auto multiply = [&](int64_t begin, int64_t count) {
    const float *images = floatRows(in, begin, count, imageSize, image);
    int64_t rows = count * positions;
    // directConv writes up to kDirectLanes values past the last row.
    growTo(product, size_t(rows * cols + (direct ? kDirectLanes : 0)));
    if (direct) {
      directConv(*directPlan, images, count, product.data());
    } else if (channels == 1) {
      // One input channel: each tap's values over all positions are rows
      // of the image, copied whole (im2col would copy one to three values at
      // a time), and the product is taken transposed, kernel^T x columns^T,
      // whose long dimension suits the matrix kernel.
      tapRows(images, count, g, columns);
      // The (inner x rows) row-major tap rows are the (rows x inner)
      // column-major left operand.
      exactFloatMatMul(columns.data(), rows, inner, 1, rows,
                       kernel.floatValues(), cols, product.data());
    } else if (bytes) {
      toBytes(images, count * imageSize, byteImages);
      im2col(byteImages.data(), count, g, channels, 0, channels, byteColumns);
      bool ran = exactInt8MatMul(byteColumns.data(), rows, inner,
                                 int8Kernel.data(), cols, product.data());
      assert(ran && "int8DotProducts() was checked");
      (void)ran;
    } else {
      im2col(images, count, g, channels, 0, channels, columns);
      exactFloatMatMul(columns.data(), rows, inner, inner, 1,
                       kernel.floatValues(), cols, product.data());
    }
  };
  return runBlocks(in.batch(), perBlock, cols, positions * cols,
                   convOutputShape(in, g, cols), direct ? nullptr : bias,
                   stages, floatStorage, product, multiply, out,
                   overflowCounts);
}

Status convExact(const Tensor &in, const WindowGeometry &g, int64_t channels,
                 const std::vector<ExactMatrix> &groupKernels,
                 int64_t kernelFrac, Tensor &out) {
  int64_t groups = int64_t(groupKernels.size());
  int64_t cinPerGroup = channels / groups;
  int64_t coutPerGroup = groupKernels.front().cols();
  int64_t outputChannels = coutPerGroup * groups;
  out = Tensor::makeExact(convOutputShape(in, g, outputChannels),
                          in.fractionalBits + kernelFrac);
  std::array<int64_t, 2> size = g.output();
  int64_t rows = in.batch() * size[0] * size[1];
  uint64_t largest = maxAbs(in.mantissas.data(), in.size());
  // Where the bound proves float32 (or float64) exact, the windows are
  // gathered straight into that type and multiplied there; the buffers are
  // the thread's own and keep their capacity from one work item to the next.
  thread_local std::vector<float> floatColumns, floatProduct;
  thread_local std::vector<double> doubleColumns, doubleProduct;
  thread_local std::vector<int64_t> columns, product;
  thread_local std::vector<float> image;
  bool converted = false;
  auto place = [&](auto &values, int64_t group) {
    for (int64_t r = 0; r < rows; ++r) {
      int64_t *target =
          out.mantissas.data() + r * outputChannels + group * coutPerGroup;
      const auto *source = values.data() + r * coutPerGroup;
      for (int64_t co = 0; co < coutPerGroup; ++co)
        target[co] = int64_t(source[co]);
    }
  };
  for (int64_t group = 0; group < groups; ++group) {
    const ExactMatrix &kernel = groupKernels[group];
    switch (kernel.pathFor(largest)) {
    case ExactMatrix::Path::Float32: {
      // Converted once per element, not once per window that reads it.
      if (!converted) {
        image.assign(in.mantissas.begin(), in.mantissas.end());
        converted = true;
      }
      im2col(image.data(), in.batch(), g, channels, group * cinPerGroup,
             cinPerGroup, floatColumns);
      growTo(floatProduct, size_t(rows * coutPerGroup));
      exactFloatMatMul(floatColumns.data(), rows, kernel.inner(),
                       kernel.inner(), 1, kernel.floatValues(), coutPerGroup,
                       floatProduct.data());
      place(floatProduct, group);
      break;
    }
    case ExactMatrix::Path::Float64: {
      im2col(in.mantissas.data(), in.batch(), g, channels, group * cinPerGroup,
             cinPerGroup, doubleColumns);
      growTo(doubleProduct, size_t(rows * coutPerGroup));
      Eigen::Map<const RowMajorD> left(doubleColumns.data(), rows,
                                       kernel.inner());
      Eigen::Map<const RowMajorD> right(kernel.doubleValues(), kernel.inner(),
                                        coutPerGroup);
      Eigen::Map<RowMajorD>(doubleProduct.data(), rows, coutPerGroup)
          .noalias() = left * right;
      place(doubleProduct, group);
      break;
    }
    default:
      im2col(in.mantissas.data(), in.batch(), g, channels, group * cinPerGroup,
             cinPerGroup, columns);
      growTo(product, size_t(rows * coutPerGroup));
      if (Status status = kernel.multiply(columns.data(), rows, product.data());
          !status.ok)
        return status;
      place(product, group);
    }
  }
  return Status::success();
}

void convFloat(const Tensor &in, const WindowGeometry &g, int64_t channels,
               const std::vector<std::vector<float>> &groupKernels,
               int64_t outputChannels, const std::vector<float> *bias,
               Tensor &out) {
  int64_t groups = int64_t(groupKernels.size());
  int64_t cinPerGroup = channels / groups;
  int64_t coutPerGroup = outputChannels / groups;
  int64_t inner = g.window[0] * g.window[1] * cinPerGroup;
  out = Tensor::makeFloat(convOutputShape(in, g, outputChannels));
  std::array<int64_t, 2> size = g.output();
  int64_t rows = in.batch() * size[0] * size[1];
  std::vector<float> columns, product(rows * coutPerGroup);
  for (int64_t group = 0; group < groups; ++group) {
    im2col(in.floats.data(), in.batch(), g, channels, group * cinPerGroup,
           cinPerGroup, columns);
    floatMatMul(columns.data(), rows, inner, groupKernels[group].data(),
                coutPerGroup, product.data());
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t co = 0; co < coutPerGroup; ++co)
        out.floats[r * outputChannels + group * coutPerGroup + co] =
            product[r * coutPerGroup + co] +
            (bias ? (*bias)[group * coutPerGroup + co] : 0.0f);
  }
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

namespace {

std::vector<int64_t> poolOutputShape(const Tensor &in, const WindowGeometry &g,
                                     int64_t channels) {
  return convOutputShape(in, g, channels);
}

/// Calls visit(outputIndex, inputIndex) for each non-padded cell of each
/// window, and done(outputIndex, cellCount) after each window.
template <typename Visit, typename Done>
void forEachWindow(const Tensor &in, const WindowGeometry &g, int64_t channels,
                   Visit visit, Done done) {
  int64_t positions = g.outputPositions();
  int64_t pixels = g.input[0] * g.input[1];
  for (int64_t n = 0; n < in.batch(); ++n)
    for (int64_t position = 0; position < positions; ++position) {
      int64_t outputBase = (n * positions + position) * channels;
      int64_t cells = 0;
      g.forEachTap(position, [&](int64_t, int64_t inputPosition) {
        int64_t inputBase = (n * pixels + inputPosition) * channels;
        for (int64_t c = 0; c < channels; ++c)
          visit(outputBase + c, inputBase + c, cells == 0);
        ++cells;
      });
      for (int64_t c = 0; c < channels; ++c)
        done(outputBase + c, cells);
    }
}

} // namespace

namespace {

/// Pooling with every window inside the input: the maximum, or the sum, of
/// each window. Per output row, the window's input rows are combined first
/// (whole rows, contiguous: vector operations whatever the channel count),
/// then the columns of that line. `Channels` > 0 fixes the channel count
/// at compile time (a few channels are then one vector operation).
template <typename T, int64_t Channels>
void unpaddedPoolFixed(const T *in, int64_t batch, const WindowGeometry &g,
                       int64_t runtimeChannels, bool sum, T *out) {
  const int64_t channels = Channels > 0 ? Channels : runtimeChannels;
  std::array<int64_t, 2> size = g.output();
  const int64_t lineLength = g.input[1] * channels;
  thread_local std::vector<T> buffer;
  growTo(buffer, size_t(lineLength));
  T *__restrict line = buffer.data();
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t oh = 0; oh < size[0]; ++oh) {
      for (int64_t kh = 0; kh < g.window[0]; ++kh) {
        int64_t ih = oh * g.strides[0] + kh * g.dilations[0];
        const T *__restrict source = in + (n * g.input[0] + ih) * lineLength;
        if (kh == 0)
          std::copy(source, source + lineLength, line);
        else if (sum)
          for (int64_t j = 0; j < lineLength; ++j)
            line[j] += source[j];
        else
          for (int64_t j = 0; j < lineLength; ++j)
            line[j] = std::max(line[j], source[j]);
      }
      T *__restrict target = out + (n * size[0] + oh) * size[1] * channels;
      for (int64_t ow = 0; ow < size[1]; ++ow, target += channels)
        for (int64_t kw = 0; kw < g.window[1]; ++kw) {
          const T *__restrict column =
              line + (ow * g.strides[1] + kw * g.dilations[1]) * channels;
          if (kw == 0)
            for (int64_t c = 0; c < channels; ++c)
              target[c] = column[c];
          else if (sum)
            for (int64_t c = 0; c < channels; ++c)
              target[c] += column[c];
          else
            for (int64_t c = 0; c < channels; ++c)
              target[c] = std::max(target[c], column[c]);
        }
    }
}

template <typename T>
void unpaddedPool(const T *in, int64_t batch, const WindowGeometry &g,
                  int64_t channels, bool sum, T *out) {
  switch (channels) {
  case 1:
    return unpaddedPoolFixed<T, 1>(in, batch, g, channels, sum, out);
  case 2:
    return unpaddedPoolFixed<T, 2>(in, batch, g, channels, sum, out);
  case 4:
    return unpaddedPoolFixed<T, 4>(in, batch, g, channels, sum, out);
  case 8:
    return unpaddedPoolFixed<T, 8>(in, batch, g, channels, sum, out);
  case 16:
    return unpaddedPoolFixed<T, 16>(in, batch, g, channels, sum, out);
  case 32:
    return unpaddedPoolFixed<T, 32>(in, batch, g, channels, sum, out);
  default:
    return unpaddedPoolFixed<T, 0>(in, batch, g, channels, sum, out);
  }
}

bool padded(const WindowGeometry &g) {
  return g.padBegin[0] || g.padBegin[1] || g.padEnd[0] || g.padEnd[1];
}

} // namespace

void maxPool(const Tensor &in, const WindowGeometry &g, int64_t channels,
             Tensor &out) {
  std::vector<int64_t> shape = poolOutputShape(in, g, channels);
  if (in.floatStorage && !padded(g)) {
    out = Tensor::makeExactFloat(shape, in.fractionalBits);
    unpaddedPool(in.floats.data(), in.batch(), g, channels, false,
                 out.floats.data());
    return;
  }
  if (in.floatStorage)
    return maxPool(expandedCopy(in), g, channels, out);
  if (in.exact && !padded(g)) {
    out = Tensor::makeExact(shape, in.fractionalBits);
    unpaddedPool(in.mantissas.data(), in.batch(), g, channels, false,
                 out.mantissas.data());
    return;
  }
  if (in.exact) {
    out = Tensor::makeExact(shape, in.fractionalBits);
    forEachWindow(
        in, g, channels,
        [&](int64_t o, int64_t i, bool first) {
          out.mantissas[o] = first
                                 ? in.mantissas[i]
                                 : std::max(out.mantissas[o], in.mantissas[i]);
        },
        [](int64_t, int64_t) {});
    return;
  }
  out = Tensor::makeFloat(shape);
  forEachWindow(
      in, g, channels,
      [&](int64_t o, int64_t i, bool first) {
        out.floats[o] =
            first ? in.floats[i] : std::max(out.floats[o], in.floats[i]);
      },
      [](int64_t, int64_t) {});
}

Status avgPool(const Tensor &in, const WindowGeometry &g, int64_t channels,
               Tensor &out) {
  std::vector<int64_t> shape = poolOutputShape(in, g, channels);
  int64_t windowSize = g.window[0] * g.window[1];
  if (!in.exact) {
    out = Tensor::makeFloat(shape);
    forEachWindow(
        in, g, channels,
        [&](int64_t o, int64_t i, bool first) {
          out.floats[o] = (first ? 0.0f : out.floats[o]) + in.floats[i];
        },
        [&](int64_t o, int64_t cells) { out.floats[o] /= float(cells); });
    return Status::success();
  }
  int64_t extraBits = 0;
  while ((int64_t(1) << extraBits) < windowSize)
    ++extraBits;
  if (in.floatStorage) {
    // Every window full: the sum of windowSize values times
    // 2^extraBits / windowSize, exact in float32 while the largest value
    // times 2^extraBits stays below 2^24.
    if (!padded(g) && (maxAbsMantissa(in) << extraBits) < (uint64_t(1) << 24)) {
      out = Tensor::makeExactFloat(shape, in.fractionalBits + extraBits);
      unpaddedPool(in.floats.data(), in.batch(), g, channels, true,
                   out.floats.data());
      float scale = float(int64_t(1) << extraBits) / float(windowSize);
      for (float &value : out.floats)
        value *= scale;
      return Status::success();
    }
    return avgPool(expandedCopy(in), g, channels, out);
  }
  out = Tensor::makeExact(shape, in.fractionalBits + extraBits);
  bool ok = true;
  forEachWindow(
      in, g, channels,
      [&](int64_t o, int64_t i, bool first) {
        int64_t sum = first ? 0 : out.mantissas[o];
        ok &= !__builtin_add_overflow(sum, in.mantissas[i], &out.mantissas[o]);
      },
      [&](int64_t o, int64_t cells) {
        // sum / cells at extraBits more fractional bits: cells is a power of
        // two no larger than 2^extraBits, so this is an exact shift.
        int64_t shift = 0;
        while ((int64_t(1) << shift) < cells)
          ++shift;
        int64_t value = out.mantissas[o];
        ok &= shiftLeft(value, extraBits - shift, out.mantissas[o]);
      });
  return ok ? Status::success() : tooWide("average pooling");
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

void activationFloat(const Tensor &in, fixed::UnaryFunction function,
                     const fixed::UnaryParams &params, int64_t axis,
                     Tensor &out) {
  Tensor source = toFloat(in);
  out = Tensor::makeFloat(source.shape);
  if (function != fixed::UnaryFunction::Softmax) {
    for (size_t index = 0; index < source.floats.size(); ++index)
      out.floats[index] =
          fixed::evaluateUnary(function, source.floats[index], params);
    return;
  }
  // Softmax along `axis`: outer x length x inner blocks.
  int64_t length = source.shape[axis];
  int64_t inner = 1;
  for (size_t dim = axis + 1; dim < source.shape.size(); ++dim)
    inner *= source.shape[dim];
  int64_t outer = source.size() / (length * inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const float *x = source.floats.data() + o * length * inner + i;
      float *y = out.floats.data() + o * length * inner + i;
      float largest = -std::numeric_limits<float>::infinity();
      for (int64_t l = 0; l < length; ++l)
        largest = std::max(largest, x[l * inner]);
      float sum = 0.0f;
      for (int64_t l = 0; l < length; ++l) {
        y[l * inner] = std::exp(x[l * inner] - largest);
        sum += y[l * inner];
      }
      for (int64_t l = 0; l < length; ++l)
        y[l * inner] /= sum;
    }
}

void reluExactInPlace(Tensor &tensor) {
  if (tensor.floatStorage) {
    for (float &mantissa : tensor.floats)
      mantissa = mantissa > 0.0f ? mantissa : 0.0f;
    return;
  }
  for (int64_t &mantissa : tensor.mantissas)
    mantissa = std::max<int64_t>(mantissa, 0);
}

void reluExact(const Tensor &in, Tensor &out) {
  if (in.floatStorage) {
    out = in;
    reluExactInPlace(out);
    return;
  }
  out = Tensor::makeExact(in.shape, in.fractionalBits);
  for (size_t index = 0; index < in.mantissas.size(); ++index)
    out.mantissas[index] = std::max<int64_t>(in.mantissas[index], 0);
}

Status add(const Tensor &lhs, const Tensor &rhs, Tensor &out) {
  if (lhs.exact && rhs.exact) {
    Tensor left = lhs, right = rhs;
    int64_t common = std::max(lhs.fractionalBits, rhs.fractionalBits);
    if (Status status = alignExact(left, common); !status.ok)
      return status;
    if (Status status = alignExact(right, common); !status.ok)
      return status;
    out = Tensor::makeExact(lhs.shape, common);
    for (size_t index = 0; index < out.mantissas.size(); ++index)
      if (__builtin_add_overflow(left.mantissas[index], right.mantissas[index],
                                 &out.mantissas[index]))
        return tooWide("add");
    return Status::success();
  }
  Tensor left = toFloat(lhs), right = toFloat(rhs);
  out = Tensor::makeFloat(lhs.shape);
  for (size_t index = 0; index < out.floats.size(); ++index)
    out.floats[index] = left.floats[index] + right.floats[index];
  return Status::success();
}

Status unaryLut(const Tensor &in, fixed::Format indexFormat,
                fixed::Rounding rounding, const std::vector<int64_t> &table,
                int64_t tableFrac, Tensor &out) {
  out = Tensor::makeExact(in.shape, tableFrac);
  uint64_t mask = uint64_t(table.size()) - 1;
  for (int64_t index = 0; index < in.size(); ++index) {
    fixed::Quantized<Int128> word;
    if (in.exact) {
      word =
          fixed::quantize<Int128>(in.mantissas[index], in.fractionalBits,
                                  indexFormat, rounding, fixed::Overflow::WRAP);
    } else {
      std::optional<fixed::Scaled<int64_t>> exact =
          fixed::exactFromDouble(in.floats[index]);
      if (!exact)
        return Status::error("lookup table: input is not finite");
      word =
          fixed::quantize<Int128>(exact->mantissa, exact->fractionalBits,
                                  indexFormat, rounding, fixed::Overflow::WRAP);
    }
    if (!word.ok())
      return Status::error(std::string("lookup table: ") +
                           fixed::statusMessage(word.status));
    // The raw bits of the word: two's complement, modulo the table size.
    out.mantissas[index] = table[uint64_t(int64_t(word.mantissa)) & mask];
  }
  return Status::success();
}

void batchNorm(const Tensor &in, const std::vector<float> &scale,
               const std::vector<float> &shift, Tensor &out) {
  Tensor source = toFloat(in);
  out = Tensor::makeFloat(source.shape);
  int64_t channels = int64_t(scale.size());
  for (size_t index = 0; index < source.floats.size(); ++index) {
    int64_t c = int64_t(index) % channels;
    out.floats[index] = source.floats[index] * scale[c] + shift[c];
  }
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

Status concat(const std::vector<const Tensor *> &inputs, int64_t axis,
              Tensor &out) {
  bool exact = std::all_of(inputs.begin(), inputs.end(),
                           [](const Tensor *t) { return t->exact; });
  std::vector<Tensor> converted;
  converted.reserve(inputs.size());
  int64_t common = 0;
  for (const Tensor *input : inputs)
    common = std::max(common, input->exact ? input->fractionalBits : 0);
  for (const Tensor *input : inputs) {
    converted.push_back(exact ? *input : toFloat(*input));
    if (exact)
      if (Status status = alignExact(converted.back(), common); !status.ok)
        return status;
  }
  std::vector<int64_t> shape = inputs.front()->shape;
  shape[axis] = 0;
  for (const Tensor *input : inputs)
    shape[axis] += input->shape[axis];
  out = exact ? Tensor::makeExact(shape, common) : Tensor::makeFloat(shape);
  int64_t outer = 1;
  for (int64_t dim = 0; dim < axis; ++dim)
    outer *= shape[dim];
  int64_t inner = 1;
  for (size_t dim = axis + 1; dim < shape.size(); ++dim)
    inner *= shape[dim];
  int64_t offset = 0;
  for (const Tensor &input : converted) {
    int64_t block = input.shape[axis] * inner;
    for (int64_t o = 0; o < outer; ++o) {
      int64_t to = o * shape[axis] * inner + offset;
      if (exact)
        std::copy(input.mantissas.begin() + o * block,
                  input.mantissas.begin() + (o + 1) * block,
                  out.mantissas.begin() + to);
      else
        std::copy(input.floats.begin() + o * block,
                  input.floats.begin() + (o + 1) * block,
                  out.floats.begin() + to);
    }
    offset += block;
  }
  return Status::success();
}

void transpose(const Tensor &in, const std::vector<int64_t> &permutation,
               Tensor &out) {
  size_t rank = in.shape.size();
  std::vector<int64_t> shape(rank);
  for (size_t dim = 0; dim < rank; ++dim)
    shape[dim] = in.shape[permutation[dim]];
  out = in.exact ? Tensor::makeExact(shape, in.fractionalBits)
                 : Tensor::makeFloat(shape);
  std::vector<int64_t> sources = permutationSources(in.shape, permutation);
  for (size_t flat = 0; flat < sources.size(); ++flat)
    if (in.exact)
      out.mantissas[flat] = in.mantissas[sources[flat]];
    else
      out.floats[flat] = in.floats[sources[flat]];
}

} // namespace hgq::exec
