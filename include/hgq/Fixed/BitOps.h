//===- BitOps.h - BOPs and EBOPs estimates ----------------------*- C++ -*-===//
//
// semantics.md section 3: HGQ v0.2 BOPs (weight span times input width) and
// HGQ2 EBOPs (nominal bits), for dense and convolution layers in the dialect's
// channels-last layout, plus the EBOPs of add, pooling and lookup tables.
//
//===----------------------------------------------------------------------===//

#ifndef HGQ_FIXED_BITOPS_H
#define HGQ_FIXED_BITOPS_H

#include "hgq/Fixed/Fixed.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace hgq::fixed {

/// Nominal bits of HGQ2's EBOPs: the sign counts only when the overflow mode
/// saturates.
int nominalBits(Format format, Overflow overflow);

/// Dense: sum over positions p, inputs j and outputs o of
/// inputBits[p*inputs + j] * weightBits[j*outputs + o]. `positions` is the
/// product of the non-batch, non-feature input dimensions (1 for 2-D inputs).
double denseBitOps(const int *inputBits, const int *weightBits,
                   int64_t positions, int64_t inputs, int64_t outputs);

/// The number of positions of a sliding window along one axis: the window
/// of `window` cells spaced `dilation` apart, moved by `stride` over the input
/// padded with `padBegin` and `padEnd` cells. nullopt when the window does
/// not fit the padded input (or an argument is out of range). The one
/// definition of the window arithmetic: the verifiers, importers, executor
/// and emitters all reach it.
std::optional<int64_t> windowOutputSize(int64_t input, int64_t window,
                                        int64_t stride, int64_t dilation,
                                        int64_t padBegin, int64_t padEnd);

/// Geometry of a channels-last 1-D or 2-D convolution or pooling window.
/// 1-D uses only the second spatial entry; the first is then 1 with no
/// padding.
struct WindowGeometry {
  std::array<int64_t, 2> input{1, 1};  ///< spatial input (H, W)
  std::array<int64_t, 2> window{1, 1}; ///< (KH, KW)
  std::array<int64_t, 2> strides{1, 1};
  std::array<int64_t, 2> dilations{1, 1};
  std::array<int64_t, 2> padBegin{0, 0};
  std::array<int64_t, 2> padEnd{0, 0};

  std::array<int64_t, 2> output() const;
  int64_t outputPositions() const {
    auto out = output();
    return out[0] * out[1];
  }

  /// Calls visit(tap, inputPosition) for each window cell of output
  /// `position` (oh * OW + ow) that lies inside the input, in (kh, kw)
  /// order: tap = kh * KW + kw, inputPosition = ih * IW + iw. Padded cells
  /// are skipped. The one definition of "which input a window reads".
  template <typename Visit>
  void forEachTap(int64_t position, Visit &&visit) const {
    int64_t outputWidth = output()[1];
    int64_t oh = position / outputWidth, ow = position % outputWidth;
    for (int64_t kh = 0; kh < window[0]; ++kh) {
      int64_t ih = oh * strides[0] + kh * dilations[0] - padBegin[0];
      if (ih < 0 || ih >= input[0])
        continue;
      for (int64_t kw = 0; kw < window[1]; ++kw) {
        int64_t iw = ow * strides[1] + kw * dilations[1] - padBegin[1];
        if (iw < 0 || iw >= input[1])
          continue;
        visit(kh * window[1] + kw, ih * input[1] + iw);
      }
    }
  }
};

/// A convolution: its window and its channels.
struct ConvGeometry : WindowGeometry {
  int64_t inputChannels = 1;  ///< Cin (total)
  int64_t outputChannels = 1; ///< Cout
  int64_t groups = 1;
};

/// Convolution bit operations. `inputBits` is (H, W, Cin) channels-last,
/// `weightBits` is (KH, KW, Cin/groups, Cout). Padding costs nothing.
struct ConvBitOps {
  double fullLayer = 0.0;   ///< every output position
  double perPosition = 0.0; ///< fullLayer * parallelFactor / positions (HGQ)
};
ConvBitOps convBitOps(const int *inputBits, const int *weightBits,
                      const ConvGeometry &geometry, int64_t parallelFactor);

/// EBOPs of an elementwise add: 0.65 * (sum of both operands' bits - sum of
/// the elementwise minimum).
double addEbops(const int *lhsBits, const int *rhsBits, size_t count);
/// EBOPs of a pooling layer: the sum of its input bits.
double poolingEbops(const int *inputBits, size_t count);
/// EBOPs of a lookup table: 1e-4 * sum over elements of 2^bitsIn * bitsOut.
double lutEbops(const int *inputBits, const int *outputBits, size_t count);
/// The bias term of dense/conv EBOPs: mean(bias bits) * number of outputs.
double biasEbops(const int *biasBits, size_t biasCount, int64_t outputCount);

} // namespace hgq::fixed

#endif // HGQ_FIXED_BITOPS_H
