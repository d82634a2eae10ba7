//===- KernelsTest.cpp - Executor kernels against naive references --------===//
//
// Each kernel is compared with a direct implementation of its definition on
// random data: loops over every index, Int128 sums, no shortcuts.
//
//===----------------------------------------------------------------------===//

#include "hgq/Exec/Kernels.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>

using namespace hgq;
using namespace hgq::exec;
using fixed::Int128;

namespace {

std::vector<int64_t> randomIntegers(std::mt19937_64 &random, size_t count,
                                    int64_t magnitude) {
  std::uniform_int_distribution<int64_t> distribution(-magnitude, magnitude);
  std::vector<int64_t> values(count);
  for (int64_t &value : values)
    value = distribution(random);
  return values;
}

/// sum_j a[r, j] * m[j, o] with Int128 accumulation.
std::vector<Int128> naiveProduct(const std::vector<int64_t> &a, int64_t rows,
                                 const std::vector<int64_t> &m, int64_t inner,
                                 int64_t cols) {
  std::vector<Int128> out(rows * cols, 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < cols; ++o)
      for (int64_t j = 0; j < inner; ++j)
        out[r * cols + o] += Int128(a[r * inner + j]) * m[j * cols + o];
  return out;
}

TEST(Kernels, ExactMatrixEveryArithmeticPath) {
  std::mt19937_64 random(11);
  struct Case {
    int64_t inputMagnitude, weightMagnitude;
    ExactMatrix::Path path;
  };
  const Case cases[] = {
      {100, 50, ExactMatrix::Path::Float32},
      {int64_t(1) << 20, int64_t(1) << 18, ExactMatrix::Path::Float64},
      {int64_t(1) << 30, int64_t(1) << 28, ExactMatrix::Path::Int64},
      {int64_t(1) << 40, int64_t(1) << 20, ExactMatrix::Path::Int128},
  };
  for (const Case &c : cases) {
    const int64_t rows = 37, inner = 29, cols = 13;
    std::vector<int64_t> a =
        randomIntegers(random, rows * inner, c.inputMagnitude);
    std::vector<int64_t> m =
        randomIntegers(random, inner * cols, c.weightMagnitude);
    a[0] = c.inputMagnitude; // make the bound tight
    ExactMatrix matrix(m, inner, cols);
    EXPECT_EQ(matrix.pathFor(uint64_t(c.inputMagnitude)), c.path);
    std::vector<int64_t> out(rows * cols);
    Status status = matrix.multiply(a.data(), rows, out.data());
    std::vector<Int128> expected = naiveProduct(a, rows, m, inner, cols);
    bool fits = std::all_of(expected.begin(), expected.end(), [](Int128 v) {
      return v <= INT64_MAX && v >= -Int128(INT64_MAX);
    });
    ASSERT_EQ(status.ok, fits);
    if (fits) {
      for (size_t index = 0; index < out.size(); ++index) {
        ASSERT_TRUE(Int128(out[index]) == expected[index]) << index;
      }
    }
  }
}

/// The exact float32 product against integer sums: row counts around the
/// 8-row blocks, column counts around the 16-column panels and past the 64
/// columns it takes (Eigen then), row- and column-major left operands.
TEST(Kernels, ExactFloatMatMulAgainstIntegerSums) {
  std::mt19937_64 random(17);
  for (int64_t rows : {1, 7, 8, 9, 37})
    for (int64_t inner : {1, 5, 33})
      for (int64_t cols : {1, 5, 16, 17, 32, 64, 65})
        for (bool columnMajor : {false, true}) {
          std::vector<int64_t> a = randomIntegers(random, rows * inner, 300);
          std::vector<int64_t> m = randomIntegers(random, inner * cols, 300);
          // A(r, k) at r * rowStride + k * innerStride.
          int64_t rowStride = columnMajor ? 1 : inner;
          int64_t innerStride = columnMajor ? rows : 1;
          std::vector<float> left(a.size()), right(m.begin(), m.end());
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t k = 0; k < inner; ++k)
              left[r * rowStride + k * innerStride] = float(a[r * inner + k]);
          std::vector<float> out(size_t(rows * cols), -1.0f);
          exactFloatMatMul(left.data(), rows, inner, rowStride, innerStride,
                           right.data(), cols, out.data());
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t o = 0; o < cols; ++o) {
              int64_t sum = 0;
              for (int64_t k = 0; k < inner; ++k)
                sum += a[r * inner + k] * m[k * cols + o];
              ASSERT_EQ(double(out[r * cols + o]), double(sum))
                  << rows << "x" << inner << "x" << cols << " column-major "
                  << columnMajor << " at " << r << "," << o;
            }
        }
}

/// The 8-bit products against integer sums: unsigned bytes up to 255,
/// weights from -128 to 127 (the extremes included), row counts around the
/// 8-row blocks, column counts around the 16-column panels. Matrices whose
/// values or inner size do not fit have no int8 panels.
TEST(Kernels, ExactInt8MatMulAgainstIntegerSums) {
  EXPECT_TRUE(ExactMatrix({1, 2, 3}, 3, 1).int8Panels().empty()); // inner 3
  EXPECT_TRUE(ExactMatrix({1, 128, 3, 4}, 4, 1).int8Panels().empty());
  ASSERT_FALSE(ExactMatrix({1, -128, 3, 127}, 4, 1).int8Panels().empty());
  std::mt19937_64 random(19);
  std::uniform_int_distribution<int> byte(0, 255), weight(-128, 127);
  int64_t ran = 0;
  for (int64_t rows : {1, 7, 8, 9, 37})
    for (int64_t inner : {4, 8, 36})
      for (int64_t cols : {1, 5, 16, 17, 32, 40}) {
        std::vector<uint8_t> a(size_t(rows * inner));
        for (uint8_t &value : a)
          value = uint8_t(byte(random));
        a[0] = 255;
        std::vector<int64_t> m(size_t(inner * cols));
        for (int64_t &value : m)
          value = weight(random);
        m[0] = -128;
        m.back() = 127;
        ExactMatrix matrix(m, inner, cols);
        ASSERT_FALSE(matrix.int8Panels().empty());
        std::vector<float> out(size_t(rows * cols), -1.0f);
        if (!exactInt8MatMul(a.data(), rows, inner, matrix.int8Panels().data(),
                             cols, out.data()))
          GTEST_SKIP() << "this CPU has no AVX-512 VNNI";
        ++ran;
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t o = 0; o < cols; ++o) {
            int64_t sum = 0;
            for (int64_t k = 0; k < inner; ++k)
              sum += int64_t(a[r * inner + k]) * m[k * cols + o];
            ASSERT_EQ(double(out[r * cols + o]), double(sum))
                << rows << "x" << inner << "x" << cols << " at " << r << ","
                << o;
          }
      }
  EXPECT_EQ(ran, 5 * 3 * 6);
}

TEST(Kernels, ExactMatrixRefusesResultsPast63Bits) {
  ExactMatrix matrix({int64_t(1) << 40, int64_t(1) << 40}, 2, 1);
  std::vector<int64_t> a = {int64_t(1) << 30, int64_t(1) << 30};
  int64_t out = 0;
  Status status = matrix.multiply(a.data(), 1, &out);
  EXPECT_FALSE(status.ok);
  EXPECT_NE(status.message.find("more than 63 bits"), std::string::npos);
}

/// Direct convolution on integers, any geometry and groups.
std::vector<Int128> naiveConv(const std::vector<int64_t> &input, int64_t batch,
                              const WindowGeometry &g, int64_t channels,
                              const std::vector<int64_t> &kernel,
                              int64_t outputs, int64_t groups) {
  auto out = g.output();
  int64_t cinPerGroup = channels / groups, coutPerGroup = outputs / groups;
  std::vector<Int128> result(batch * out[0] * out[1] * outputs, 0);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t oh = 0; oh < out[0]; ++oh)
      for (int64_t ow = 0; ow < out[1]; ++ow)
        for (int64_t co = 0; co < outputs; ++co) {
          Int128 sum = 0;
          for (int64_t kh = 0; kh < g.window[0]; ++kh)
            for (int64_t kw = 0; kw < g.window[1]; ++kw)
              for (int64_t ci = 0; ci < cinPerGroup; ++ci) {
                int64_t ih =
                    oh * g.strides[0] + kh * g.dilations[0] - g.padBegin[0];
                int64_t iw =
                    ow * g.strides[1] + kw * g.dilations[1] - g.padBegin[1];
                if (ih < 0 || iw < 0 || ih >= g.input[0] || iw >= g.input[1])
                  continue;
                int64_t channel = (co / coutPerGroup) * cinPerGroup + ci;
                sum += Int128(input[((n * g.input[0] + ih) * g.input[1] + iw) *
                                        channels +
                                    channel]) *
                       kernel[((kh * g.window[1] + kw) * cinPerGroup + ci) *
                                  outputs +
                              co];
              }
          result[((n * out[0] + oh) * out[1] + ow) * outputs + co] = sum;
        }
  return result;
}

TEST(Kernels, ConvExactAndFloatAgainstNaive) {
  std::mt19937_64 random(5);
  struct Case {
    int64_t h, w, kh, kw, sh, sw, dh, dw, ph0, pw0, ph1, pw1, cin, cout, groups;
  };
  const Case cases[] = {
      {1, 9, 1, 3, 1, 1, 1, 1, 0, 1, 0, 1, 2, 3, 1}, // 1-D same
      {1, 9, 1, 2, 1, 2, 1, 1, 0, 0, 0, 0, 3, 2, 1}, // 1-D valid, stride 2
      {6, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 1}, // 2-D same
      {7, 7, 2, 3, 2, 1, 2, 1, 0, 1, 1, 0, 3, 3, 1}, // dilation, odd pads
      {5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, 4, 4}, // depthwise
      {4, 4, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 4, 6, 2}, // grouped 1x1
      {8, 8, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 4, 1}, // one channel, valid
      {9, 8, 3, 3, 2, 2, 1, 2, 1, 2, 1, 0, 1, 3,
       1}, // one channel, strides, pads, dilation
      {9, 9, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, 3, 5, 1}, // 5x5, stride, padding
      // Few channels, stride 1 along the width: the direct kernel, output
      // rows of 7 (4 + 3), 10 (4 + 4 + 2) and 2 chunks of 16 lanes, weights
      // repeating every 16 lanes (4, 8, 2 channels) or not (3), padding
      // wider than the window's reach; 16 output channels: the product.
      {4, 30, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 4, 1},
      {12, 20, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1, 2, 8, 1},
      {4, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 16, 1},
      {5, 7, 3, 3, 1, 1, 1, 1, 0, 2, 0, 3, 2, 2, 1},
  };
  for (const Case &c : cases) {
    WindowGeometry g;
    g.input = {c.h, c.w};
    g.window = {c.kh, c.kw};
    g.strides = {c.sh, c.sw};
    g.dilations = {c.dh, c.dw};
    g.padBegin = {c.ph0, c.pw0};
    g.padEnd = {c.ph1, c.pw1};
    const int64_t batch = 3;
    int64_t taps = c.kh * c.kw, cinPerGroup = c.cin / c.groups;
    std::vector<int64_t> input =
        randomIntegers(random, batch * c.h * c.w * c.cin, 200);
    std::vector<int64_t> kernel =
        randomIntegers(random, taps * cinPerGroup * c.cout, 60);
    std::vector<ExactMatrix> matrices;
    for (std::vector<int64_t> &matrix :
         splitKernelGroups(kernel, taps, cinPerGroup, c.cout, c.groups))
      matrices.emplace_back(std::move(matrix), taps * cinPerGroup,
                            c.cout / c.groups);
    Tensor in = Tensor::makeExact(
        c.h == 1 ? std::vector<int64_t>{batch, c.w, c.cin}
                 : std::vector<int64_t>{batch, c.h, c.w, c.cin},
        3);
    in.mantissas = input;
    Tensor out;
    ASSERT_TRUE(convExact(in, g, c.cin, matrices, 2, out).ok);
    EXPECT_EQ(out.fractionalBits, 5);
    std::vector<Int128> expected =
        naiveConv(input, batch, g, c.cin, kernel, c.cout, c.groups);
    ASSERT_EQ(out.mantissas.size(), expected.size());
    for (size_t index = 0; index < expected.size(); ++index)
      ASSERT_TRUE(Int128(out.mantissas[index]) == expected[index]);

    // One group: the one-pass kernel (product, bias, a quantizer with a
    // format per position and channel, relu) against the naive sums.
    if (c.groups == 1) {
      int64_t perSample = int64_t(expected.size()) / batch;
      std::vector<fixed::Format> formats;
      for (int64_t e = 0; e < perSample; ++e)
        formats.push_back(
            fixed::Format{int(e % 2), int(6 + e % 7), int(e % 4)});
      fixed::QuantizePlan plan(formats, fixed::Rounding::RND,
                               fixed::Overflow::SAT, 5);
      std::vector<int64_t> bias = randomIntegers(random, size_t(c.cout), 900);
      std::vector<float> floatBias(bias.begin(), bias.end());
      Tensor fused;
      std::vector<int64_t> overflows(1, 0);
      bool done = false;
      ASSERT_TRUE(convQuantizedFloat32(
                      in, g, c.cin, matrices.front(), &floatBias, 900,
                      {{&plan, 0}, {nullptr, 0}}, fused, overflows, done)
                      .ok);
      ASSERT_TRUE(done);
      ASSERT_EQ(fused.shape, out.shape);
      int64_t expectedOverflows = 0;
      for (size_t index = 0; index < expected.size(); ++index) {
        int64_t value = int64_t(expected[index]) + bias[index % c.cout];
        int64_t want = 0;
        bool overflowed = false;
        ASSERT_TRUE(plan.apply(index % perSample, value, want, overflowed));
        expectedOverflows += overflowed;
        ASSERT_EQ(fused.mantissas[index], std::max<int64_t>(want, 0))
            << "element " << index;
      }
      EXPECT_EQ(overflows[0], expectedOverflows);

      // Results held in float32, from int64 and from float-held inputs,
      // through the proxy form's epilogue: quantizer, relu, a second
      // quantizer (unsigned, WRAP: some values wrap).
      std::vector<fixed::Format> after;
      for (int64_t e = 0; e < perSample; ++e)
        after.push_back(fixed::Format{0, int(3 + e % 5), int(e % 3)});
      fixed::QuantizePlan second(after, fixed::Rounding::TRN,
                                 fixed::Overflow::WRAP,
                                 plan.outputFractionalBits());
      for (bool floatInput : {false, true}) {
        Tensor source = in;
        if (floatInput) {
          source.floats.assign(input.begin(), input.end());
          source.mantissas.clear();
          source.floatStorage = true;
        }
        Tensor held;
        std::vector<int64_t> counts(2, 0);
        bool heldDone = false;
        ASSERT_TRUE(
            convQuantizedFloat32(source, g, c.cin, matrices.front(), &floatBias,
                                 900, {{&plan, 0}, {nullptr, 0}, {&second, 1}},
                                 held, counts, heldDone, /*floatStorage=*/true)
                .ok);
        ASSERT_TRUE(heldDone);
        ASSERT_TRUE(held.floatStorage);
        EXPECT_EQ(held.fractionalBits, second.outputFractionalBits());
        int64_t firstOverflows = 0, secondOverflows = 0;
        for (size_t index = 0; index < expected.size(); ++index) {
          int64_t value = int64_t(expected[index]) + bias[index % c.cout];
          int64_t first = 0, want = 0;
          bool overflowed = false;
          ASSERT_TRUE(plan.apply(index % perSample, value, first, overflowed));
          firstOverflows += overflowed;
          ASSERT_TRUE(second.apply(index % perSample,
                                   std::max<int64_t>(first, 0), want,
                                   overflowed));
          secondOverflows += overflowed;
          ASSERT_EQ(double(held.floats[index]), double(want))
              << "element " << index;
        }
        EXPECT_EQ(counts[0], firstOverflows);
        EXPECT_EQ(counts[1], secondOverflows);
        EXPECT_GT(secondOverflows, 0);
      }

      // A quantizer wider than float32's integers: the int64 results.
      fixed::QuantizePlan wide(std::vector<fixed::Format>(
                                   size_t(perSample), fixed::Format{1, 30, 5}),
                               fixed::Rounding::TRN, fixed::Overflow::WRAP, 5);
      Tensor wideOut;
      std::vector<int64_t> wideCounts(1, 0);
      bool wideDone = false;
      ASSERT_TRUE(convQuantizedFloat32(in, g, c.cin, matrices.front(),
                                       &floatBias, 900, {{&wide, 0}}, wideOut,
                                       wideCounts, wideDone, true)
                      .ok);
      ASSERT_TRUE(wideDone);
      ASSERT_FALSE(wideOut.floatStorage);
      for (size_t index = 0; index < expected.size(); ++index)
        ASSERT_EQ(wideOut.mantissas[index],
                  int64_t(expected[index]) + bias[index % c.cout]);
    }

    // The float kernel on the same integers (exact in float32 here).
    Tensor floatIn = Tensor::makeFloat(in.shape);
    floatIn.floats.assign(input.begin(), input.end());
    std::vector<float> floatKernel(kernel.begin(), kernel.end());
    std::vector<float> bias(c.cout, 0.5f);
    Tensor floatOut;
    convFloat(
        floatIn, g, c.cin,
        splitKernelGroups(floatKernel, taps, cinPerGroup, c.cout, c.groups),
        c.cout, &bias, floatOut);
    for (size_t index = 0; index < expected.size(); ++index)
      ASSERT_EQ(floatOut.floats[index], float(int64_t(expected[index])) + 0.5f);
  }
}

/// Windows of unsigned bytes against 8-bit kernels (the int8 dot-product
/// path where the CPU has VNNI, float32 otherwise) against the naive sums:
/// strides, padding, 12-40 output channels, int64 and float-held inputs,
/// and an input past 255 (the float path) for contrast.
TEST(Kernels, ConvByteWindowsAgainstNaive) {
  std::mt19937_64 random(23);
  struct Case {
    int64_t h, w, kh, kw, sh, sw, ph, pw, cin, cout;
  };
  for (Case c : {Case{6, 6, 3, 3, 2, 2, 1, 1, 4, 12},
                 Case{5, 5, 1, 1, 1, 1, 0, 0, 8, 20},
                 Case{7, 6, 3, 3, 1, 1, 1, 1, 4, 40}})
    for (int64_t largest : {255, 256})
      for (bool floatHeld : {false, true}) {
        WindowGeometry g;
        g.input = {c.h, c.w};
        g.window = {c.kh, c.kw};
        g.strides = {c.sh, c.sw};
        g.padBegin = {c.ph, c.pw};
        g.padEnd = {c.ph, c.pw};
        const int64_t batch = 3;
        std::uniform_int_distribution<int64_t> byte(0, 255), weight(-128, 127);
        std::vector<int64_t> input(size_t(batch * c.h * c.w * c.cin));
        for (int64_t &value : input)
          value = byte(random);
        input[5] = largest;
        std::vector<int64_t> kernel(size_t(c.kh * c.kw * c.cin * c.cout));
        for (int64_t &value : kernel)
          value = weight(random);
        kernel[0] = -128;
        ExactMatrix matrix(kernel, c.kh * c.kw * c.cin, c.cout);
        ASSERT_FALSE(matrix.int8Panels().empty());
        Tensor in = Tensor::makeExact({batch, c.h, c.w, c.cin}, 0);
        in.mantissas = input;
        if (floatHeld) {
          in.floats.assign(input.begin(), input.end());
          in.mantissas.clear();
          in.floatStorage = true;
        }
        std::vector<Int128> expected =
            naiveConv(input, batch, g, c.cin, kernel, c.cout, 1);
        int64_t perSample = int64_t(expected.size()) / batch;
        fixed::QuantizePlan plan(
            std::vector<fixed::Format>(size_t(perSample), {1, 23, 0}),
            fixed::Rounding::TRN, fixed::Overflow::SAT, 0);
        Tensor out;
        std::vector<int64_t> counts(1, 0);
        bool done = false;
        ASSERT_TRUE(convQuantizedFloat32(in, g, c.cin, matrix, nullptr, 0,
                                         {{&plan, 0}}, out, counts, done,
                                         floatHeld)
                        .ok);
        ASSERT_TRUE(done);
        out.expandMantissas();
        ASSERT_EQ(out.mantissas.size(), expected.size());
        for (size_t index = 0; index < expected.size(); ++index)
          ASSERT_TRUE(Int128(out.mantissas[index]) == expected[index])
              << "element " << index << " largest input " << largest;
        EXPECT_EQ(counts[0], 0);
      }
}

TEST(Kernels, DenseOverPositions) {
  // (N=2, P=2, J=2) times (2, 3): every position multiplies separately.
  Tensor in = Tensor::makeExact({2, 2, 2}, 1);
  in.mantissas = {1, 2, 3, 4, -1, 0, 5, -2};
  ExactMatrix kernel({1, 0, 2, -1, 1, 3}, 2, 3);
  Tensor out;
  ASSERT_TRUE(denseExact(in, kernel, 2, out).ok);
  EXPECT_EQ(out.shape, (std::vector<int64_t>{2, 2, 3}));
  EXPECT_EQ(out.fractionalBits, 3);
  std::vector<Int128> expected =
      naiveProduct(in.mantissas, 4, kernel.values(), 2, 3);
  for (size_t index = 0; index < expected.size(); ++index)
    EXPECT_TRUE(Int128(out.mantissas[index]) == expected[index]);
}

TEST(Kernels, PoolingAgainstNaive) {
  // 1-D, 5 positions, 2 channels; window 2, stride 1, pad 1 after: the last
  // window holds one cell.
  WindowGeometry g;
  g.input = {1, 5};
  g.window = {1, 2};
  g.padEnd = {0, 1};
  Tensor in = Tensor::makeExact({1, 5, 2}, 2);
  in.mantissas = {1, -4, 3, 8, -5, 2, 7, 7, 0, -1};
  Tensor maxOut, avgOut;
  maxPool(in, g, 2, maxOut);
  ASSERT_TRUE(avgPool(in, g, 2, avgOut).ok);
  ASSERT_EQ(maxOut.shape, (std::vector<int64_t>{1, 5, 2}));
  EXPECT_EQ(avgOut.fractionalBits, 3); // one more bit for windows of 2
  for (int64_t o = 0; o < 5; ++o)
    for (int64_t c = 0; c < 2; ++c) {
      int64_t largest = INT64_MIN, sum = 0, cells = 0;
      for (int64_t k = 0; k < 2; ++k) {
        int64_t i = o + k;
        if (i >= 5)
          continue;
        largest = std::max(largest, in.mantissas[i * 2 + c]);
        sum += in.mantissas[i * 2 + c];
        ++cells;
      }
      EXPECT_EQ(maxOut.mantissas[o * 2 + c], largest);
      // average = sum / cells at 2 fractional bits = (sum * 2 / cells) at 3
      EXPECT_EQ(avgOut.mantissas[o * 2 + c] * cells, sum * 2);
    }
  Tensor floatIn = Tensor::makeFloat({1, 5, 2});
  for (size_t index = 0; index < 10; ++index)
    floatIn.floats[index] = float(in.valueAt(index));
  Tensor floatAvg;
  ASSERT_TRUE(avgPool(floatIn, g, 2, floatAvg).ok);
  for (size_t index = 0; index < 10; ++index)
    EXPECT_EQ(floatAvg.floats[index], float(avgOut.valueAt(index)));
}

/// Max pooling without padding (the channel-vector loops) against a naive
/// maximum: 2x2 stride 2 on an odd size, and overlapping 3x2 windows with
/// strides (2, 1).
TEST(Kernels, MaxPoolUnpaddedAgainstNaive) {
  std::mt19937_64 random(11);
  struct Case {
    int64_t h, w, kh, kw, sh, sw, channels;
  };
  for (Case c : {Case{7, 9, 2, 2, 2, 2, 3}, Case{6, 5, 3, 2, 2, 1, 4},
                 Case{5, 6, 2, 2, 2, 2, 16}})
    for (bool floatHeld : {false, true}) {
      WindowGeometry g;
      g.input = {c.h, c.w};
      g.window = {c.kh, c.kw};
      g.strides = {c.sh, c.sw};
      const int64_t batch = 2;
      Tensor in = Tensor::makeExact({batch, c.h, c.w, c.channels}, 1);
      in.mantissas = randomIntegers(random, size_t(in.size()), 1000);
      Tensor source = in;
      if (floatHeld) { // the executor's float-held mantissas
        source.floats.assign(in.mantissas.begin(), in.mantissas.end());
        source.mantissas.clear();
        source.floatStorage = true;
      }
      Tensor out, average;
      maxPool(source, g, c.channels, out);
      ASSERT_EQ(out.floatStorage, floatHeld);
      out.expandMantissas();
      bool powerOfTwoWindow = ((c.kh * c.kw) & (c.kh * c.kw - 1)) == 0;
      if (powerOfTwoWindow) {
        ASSERT_TRUE(avgPool(source, g, c.channels, average).ok);
        ASSERT_EQ(average.floatStorage, floatHeld);
        EXPECT_EQ(average.fractionalBits, 3); // 2x2 windows: 2 more bits
        average.expandMantissas();
      }
      auto size = g.output();
      ASSERT_EQ(out.shape,
                (std::vector<int64_t>{batch, size[0], size[1], c.channels}));
      for (int64_t n = 0; n < batch; ++n)
        for (int64_t oh = 0; oh < size[0]; ++oh)
          for (int64_t ow = 0; ow < size[1]; ++ow)
            for (int64_t ch = 0; ch < c.channels; ++ch) {
              int64_t largest = INT64_MIN, sum = 0;
              for (int64_t kh = 0; kh < c.kh; ++kh)
                for (int64_t kw = 0; kw < c.kw; ++kw) {
                  int64_t value =
                      in.mantissas[((n * c.h + oh * c.sh + kh) * c.w +
                                    ow * c.sw + kw) *
                                       c.channels +
                                   ch];
                  largest = std::max(largest, value);
                  sum += value;
                }
              int64_t index =
                  ((n * size[0] + oh) * size[1] + ow) * c.channels + ch;
              ASSERT_EQ(out.mantissas[index], largest);
              // sum / 4 at 1 fractional bit is sum at 3.
              if (powerOfTwoWindow) {
                ASSERT_EQ(average.mantissas[index], sum);
              }
            }
    }
}

/// The range records trace-minmax keeps, against a naive min/max, for
/// both storages and periods below, at and above the float loop's 16 lanes.
TEST(Kernels, UpdateRangesAgainstNaive) {
  std::mt19937_64 random(13);
  for (int64_t period : {1, 3, 4, 16, 40})
    for (int64_t rows : {0, 1, 7, 64})
      for (bool floatHeld : {false, true}) {
        Tensor tensor = Tensor::makeExact({rows, period}, 2);
        tensor.mantissas =
            randomIntegers(random, size_t(rows * period), 1 << 20);
        std::vector<int64_t> lows(size_t(period), 5), highs(size_t(period), 6);
        std::vector<int64_t> wantLows = lows, wantHighs = highs;
        for (int64_t index = 0; index < rows * period; ++index) {
          size_t b = size_t(index % period);
          wantLows[b] = std::min(wantLows[b], tensor.mantissas[index]);
          wantHighs[b] = std::max(wantHighs[b], tensor.mantissas[index]);
        }
        if (floatHeld) {
          tensor.floats.assign(tensor.mantissas.begin(),
                               tensor.mantissas.end());
          tensor.mantissas.clear();
          tensor.floatStorage = true;
        }
        updateRanges(tensor, period, lows.data(), highs.data());
        ASSERT_EQ(lows, wantLows) << "period " << period << " rows " << rows;
        ASSERT_EQ(highs, wantHighs) << "period " << period << " rows " << rows;
      }
}

TEST(Kernels, AddAlignsFractionalBits) {
  Tensor lhs = Tensor::makeExact({1, 2}, 1), rhs = Tensor::makeExact({1, 2}, 3);
  lhs.mantissas = {3, -1}; // 1.5, -0.5
  rhs.mantissas = {1, 12}; // 0.125, 1.5
  Tensor out;
  ASSERT_TRUE(add(lhs, rhs, out).ok);
  EXPECT_EQ(out.fractionalBits, 3);
  EXPECT_EQ(out.mantissas, (std::vector<int64_t>{13, 8}));
  Tensor floatRhs = Tensor::makeFloat({1, 2});
  floatRhs.floats = {0.25f, 1.0f};
  ASSERT_TRUE(add(lhs, floatRhs, out).ok);
  EXPECT_FALSE(out.exact);
  EXPECT_EQ(out.floats, (std::vector<float>{1.75f, 0.5f}));
}

TEST(Kernels, BiasAndPlanAndRelu) {
  Tensor z = Tensor::makeExact({2, 2}, 2);
  z.mantissas = {5, -7, 0, 9};                 // 1.25, -1.75, 0, 2.25
  ASSERT_TRUE(addExactBias(z, {1, -1}, 0).ok); // + [1, -1]
  EXPECT_EQ(z.mantissas, (std::vector<int64_t>{9, -11, 4, 5}));
  // Column 0 ufixed<2,1> in [0, 1.5], column 1 fixed<3,2> in [-2, 1.5];
  // RND to f = 1, then SAT.
  fixed::QuantizePlan plan({fixed::Format{0, 1, 1}, fixed::Format{1, 1, 1}},
                           fixed::Rounding::RND, fixed::Overflow::SAT, 2);
  Tensor q;
  int64_t overflows = 0;
  ASSERT_TRUE(applyPlan(z, plan, q, overflows).ok);
  // 2.25 -> 2.5 -> 1.5; -2.75 -> -2.5 -> -2.0; 1.0; 1.25 -> 1.5
  EXPECT_EQ(q.mantissas, (std::vector<int64_t>{3, -4, 2, 3}));
  EXPECT_EQ(overflows, 2);
  Tensor relu;
  reluExact(q, relu);
  EXPECT_EQ(relu.mantissas, (std::vector<int64_t>{3, 0, 2, 3}));
}

/// The one-pass dense layer (product, bias, quantizer, relu, quantizer in
/// float32 blocks) against the definition: Int128 product plus bias, then
/// the quantizer element by element (apply(), itself checked exhaustively
/// against quantize()), relu, the second quantizer. Several shapes (blocks of
/// 256 rows and a remainder), every overflow mode the row loops take, TRN and
/// RND, and a bound too large for float32, which must leave the work to the
/// general path.
TEST(Kernels, DenseInOnePassMatchesDefinition) {
  std::mt19937_64 random(7);
  int64_t overflowsSeen = 0;
  struct Case {
    int64_t rows, inner, cols, inputMagnitude, weightMagnitude;
    bool relu;
  };
  for (Case c : {Case{1000, 16, 64, 500, 40, true},
                 Case{300, 64, 5, 100, 60, false}, Case{7, 3, 9, 8, 3, true}}) {
    std::vector<int64_t> weights =
        randomIntegers(random, size_t(c.inner * c.cols), c.weightMagnitude);
    std::vector<int64_t> bias = randomIntegers(random, size_t(c.cols), 3000);
    ExactMatrix kernel(weights, c.inner, c.cols);
    Tensor in = Tensor::makeExact({c.rows, c.inner}, 4);
    in.mantissas =
        randomIntegers(random, size_t(c.rows * c.inner), c.inputMagnitude);
    std::vector<Int128> product =
        naiveProduct(in.mantissas, c.rows, weights, c.inner, c.cols);
    std::vector<float> floatBias(bias.begin(), bias.end());
    double maxBias = 3000;
    // Per-element formats at 9 product fractional bits: f from 1 to 6.
    std::vector<fixed::Format> formats;
    for (int64_t o = 0; o < c.cols; ++o)
      formats.push_back(
          fixed::Format{int(o % 2), int(3 + o % 5), int(1 + o % 6)});
    for (fixed::Rounding rounding :
         {fixed::Rounding::TRN, fixed::Rounding::RND})
      for (std::optional<fixed::Overflow> overflow :
           {std::optional<fixed::Overflow>(),
            std::optional<fixed::Overflow>(fixed::Overflow::SAT),
            std::optional<fixed::Overflow>(fixed::Overflow::WRAP)}) {
        fixed::QuantizePlan plan(formats, rounding, overflow, 9);
        // Then, as the proxy form writes it, a second quantizer after the
        // relu: one format for every element, TRN and WRAP.
        fixed::QuantizePlan after(
            std::vector<fixed::Format>(size_t(c.cols), fixed::Format{1, 2, 3}),
            fixed::Rounding::TRN, fixed::Overflow::WRAP,
            plan.outputFractionalBits());
        std::vector<EpilogueStage> stages = {{&plan, 0}};
        if (c.relu)
          stages.push_back({nullptr, 0});
        stages.push_back({&after, 1});
        // int64 results, and results held in float32.
        for (bool floatHeld : {false, true}) {
          Tensor out;
          std::vector<int64_t> overflows(2, 0);
          bool done = false;
          ASSERT_TRUE(denseQuantizedFloat32(in, kernel, &floatBias, maxBias,
                                            stages, out, overflows, done,
                                            floatHeld)
                          .ok);
          ASSERT_TRUE(done);
          ASSERT_EQ(out.floatStorage, floatHeld);
          out.expandMantissas();
          ASSERT_EQ(out.shape, (std::vector<int64_t>{c.rows, c.cols}));
          std::vector<int64_t> expectedOverflows(2, 0);
          for (int64_t r = 0; r < c.rows; ++r)
            for (int64_t o = 0; o < c.cols; ++o) {
              int64_t value = int64_t(product[r * c.cols + o]) + bias[o];
              int64_t expected = 0;
              bool overflowed = false;
              ASSERT_TRUE(plan.apply(size_t(o), value, expected, overflowed));
              expectedOverflows[0] += overflowed;
              if (c.relu)
                expected = std::max<int64_t>(expected, 0);
              int64_t second = 0;
              ASSERT_TRUE(after.apply(size_t(o), expected, second, overflowed));
              expectedOverflows[1] += overflowed;
              ASSERT_EQ(out.mantissas[r * c.cols + o], second)
                  << "row " << r << " column " << o;
            }
          EXPECT_EQ(overflows, expectedOverflows);
          overflowsSeen += expectedOverflows[0] + expectedOverflows[1];
        }
      }
  }
  EXPECT_GT(overflowsSeen, 1000); // the overflow modes were exercised
  {
    // Float-held results asked for, but a layer-level quantizer moves some
    // values past 2^23 (11 more fractional bits): the whole result is
    // redone in int64, each overflow counted once.
    ExactMatrix kernel(randomIntegers(random, 16 * 4, 40), 16, 4);
    Tensor in = Tensor::makeExact({50, 16}, 0);
    in.mantissas = randomIntegers(random, 50 * 16, 20000);
    std::vector<fixed::Format> formats(4, fixed::Format{1, 8, 11});
    fixed::QuantizePlan plan(formats, fixed::Rounding::TRN, std::nullopt, 0);
    fixed::QuantizePlan after(formats, fixed::Rounding::TRN,
                              fixed::Overflow::WRAP, 11);
    ASSERT_TRUE(plan.floatRowsPlanned());
    Tensor out;
    std::vector<int64_t> overflows(2, 0);
    bool done = false;
    ASSERT_TRUE(denseQuantizedFloat32(in, kernel, nullptr, 0,
                                      {{&plan, 0}, {&after, 1}}, out, overflows,
                                      done, true)
                    .ok);
    ASSERT_TRUE(done);
    EXPECT_FALSE(out.floatStorage);
    std::vector<Int128> product =
        naiveProduct(in.mantissas, 50, kernel.values(), 16, 4);
    int64_t wrapped = 0;
    for (size_t index = 0; index < product.size(); ++index) {
      int64_t expected = 0;
      bool overflowed = false;
      ASSERT_TRUE(after.apply(index % 4, int64_t(product[index]) * 2048,
                              expected, overflowed));
      wrapped += overflowed;
      ASSERT_EQ(out.mantissas[index], expected);
    }
    EXPECT_EQ(overflows, (std::vector<int64_t>{0, wrapped}));
    EXPECT_GT(wrapped, 0);
  }
  // Products beyond 2^24: not done, nothing written.
  ExactMatrix wide(std::vector<int64_t>(4, int64_t(1) << 20), 2, 2);
  Tensor in = Tensor::makeExact({1, 2}, 0);
  in.mantissas = {100, 100};
  fixed::QuantizePlan plan({fixed::Format{1, 40, 0}, fixed::Format{1, 40, 0}},
                           fixed::Rounding::TRN, std::nullopt, 0);
  Tensor out;
  std::vector<int64_t> overflows(1, 0);
  bool done = true;
  ASSERT_TRUE(denseQuantizedFloat32(in, wide, nullptr, 0, {{&plan, 0}}, out,
                                    overflows, done)
                  .ok);
  EXPECT_FALSE(done);
  EXPECT_TRUE(out.shape.empty());
}

TEST(Kernels, UnaryLutIndexesByRawBits) {
  // fixed<2,1> (k=1, i=0, f=1): words 0, 1, -2, -1 -> indexes 0, 1, 2, 3.
  std::vector<int64_t> table = {10, 11, 12, 13};
  Tensor in = Tensor::makeExact({1, 4}, 1);
  in.mantissas = {0, 1, -2, -1};
  Tensor out;
  ASSERT_TRUE(
      unaryLut(in, fixed::Format{1, 0, 1}, fixed::Rounding::TRN, table, 0, out)
          .ok);
  EXPECT_EQ(out.mantissas, (std::vector<int64_t>{10, 11, 12, 13}));
  // Out-of-range words wrap, as the raw bits do: 2 (word 4) -> index 0.
  in.mantissas = {4, 3, -3, 2};
  ASSERT_TRUE(
      unaryLut(in, fixed::Format{1, 0, 1}, fixed::Rounding::TRN, table, 0, out)
          .ok);
  EXPECT_EQ(out.mantissas, (std::vector<int64_t>{10, 13, 11, 12}));
}

TEST(Kernels, ConcatAndTransposeAgainstIndexing) {
  Tensor a = Tensor::makeExact({2, 2, 1}, 0),
         b = Tensor::makeExact({2, 2, 2}, 1);
  a.mantissas = {1, 2, 3, 4};
  b.mantissas = {10, 11, 12, 13, 14, 15, 16, 17};
  Tensor joined;
  ASSERT_TRUE(concat({&a, &b}, 2, joined).ok);
  EXPECT_EQ(joined.shape, (std::vector<int64_t>{2, 2, 3}));
  EXPECT_EQ(joined.fractionalBits, 1);
  EXPECT_EQ(joined.mantissas,
            (std::vector<int64_t>{2, 10, 11, 4, 12, 13, 6, 14, 15, 8, 16, 17}));
  Tensor moved;
  transpose(joined, {0, 2, 1}, moved);
  EXPECT_EQ(moved.shape, (std::vector<int64_t>{2, 3, 2}));
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 2; ++j)
        EXPECT_EQ(moved.mantissas[(n * 3 + i) * 2 + j],
                  joined.mantissas[(n * 2 + j) * 3 + i]);
}

TEST(Kernels, SoftmaxAlongAxis) {
  Tensor in = Tensor::makeFloat({1, 2, 3});
  in.floats = {1, 2, 3, 0, 0, 0};
  Tensor out;
  activationFloat(in, fixed::UnaryFunction::Softmax, {}, 2, out);
  EXPECT_NEAR(out.floats[0] + out.floats[1] + out.floats[2], 1.0f, 1e-6);
  EXPECT_FLOAT_EQ(out.floats[3], 1.0f / 3);
  activationFloat(in, fixed::UnaryFunction::Softmax, {}, 1, out);
  EXPECT_FLOAT_EQ(out.floats[0] + out.floats[3], 1.0f);
}

} // namespace
