// Every verifier and parser refusal of the hgq dialect.
// RUN: hgq-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// #hgq.fixed and #hgq.quantizer
//===----------------------------------------------------------------------===//

func.func @bits_not_i8(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{bit array 'k' must hold i8 values}}
  %0 = hgq.quantize %x {format = #hgq.fixed<k = dense<1> : tensor<2xi32>, i = 1, f = 1, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @bits_not_broadcastable(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{bit arrays k [2], i [] and f [3] do not broadcast against each other}}
  %0 = hgq.quantize %x {format = #hgq.fixed<k = dense<1> : tensor<2xi8>, i = 1, f = dense<1> : tensor<3xi8>, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @keep_negative_not_bit(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{keep_negative must be 0 or 1, got 2}}
  %0 = hgq.quantize %x {format = #hgq.fixed<k = 2, i = 1, f = 1, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @negative_width(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{element 1 has negative width -1 (k = 0, i = -3, f = 2)}}
  %0 = hgq.quantize %x {format = #hgq.fixed<k = 0, i = dense<[1, -3]> : tensor<2xi8>, f = 2, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @bit_count_out_of_range(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+2 {{bit count 300 does not fit in i8}}
  // expected-error @+1 {{failed to parse HGQ_FixedAttr parameter 'i'}}
  %0 = hgq.quantize %x {format = #hgq.fixed<k = 0, i = 300, f = 2, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @bit_count_not_integer(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+2 {{expected an integer or a dense i8 array of bit counts}}
  // expected-error @+1 {{failed to parse HGQ_FixedAttr parameter 'i'}}
  %0 = hgq.quantize %x {format = #hgq.fixed<k = 0, i = "two", f = 2, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @quantizer_f_not_i8(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{bit array 'f' must hold i8 values}}
  %0 = hgq.quantize %x {quantizer = #hgq.quantizer<f = dense<1> : tensor<2xi16>, rnd = floor>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @bw_clip_inverted(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{bw_clip_min 4 is larger than bw_clip_max 2}}
  %0 = hgq.quantize %x {quantizer = #hgq.quantizer<f = 2, rnd = floor, bw_clip_min = 4, bw_clip_max = 2>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @f_outside_bw_clip(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{fractional bits 30 lie outside bw_clip [-23, 23]}}
  %0 = hgq.quantize %x {quantizer = #hgq.quantizer<f = 30, rnd = floor>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @traced_needs_both(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{a traced quantizer needs both k and i}}
  %0 = hgq.quantize %x {quantizer = #hgq.quantizer<f = 2, rnd = floor, k = 1>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @traced_negative_width(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{element 0 has negative width -2 (k = 0, i = -4, f = 2)}}
  %0 = hgq.quantize %x {quantizer = #hgq.quantizer<f = 2, rnd = floor, k = 0, i = -4>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

//===----------------------------------------------------------------------===//
// quantize, signature
//===----------------------------------------------------------------------===//

// -----

func.func @quantize_both(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.quantize' op needs exactly one of 'quantizer' (layer level) or 'format' (proxy level)}}
  %0 = hgq.quantize %x {quantizer = #hgq.quantizer<f = 2, rnd = floor>, format = #hgq.fixed<k = 1, i = 1, f = 2, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @quantize_neither(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.quantize' op needs exactly one of 'quantizer' (layer level) or 'format' (proxy level)}}
  %0 = hgq.quantize %x : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @quantize_no_batch(%x: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'hgq.quantize' op input must have a leading batch dimension (rank >= 1)}}
  %0 = hgq.quantize %x {quantizer = #hgq.quantizer<f = 2, rnd = floor>} : tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @format_does_not_broadcast(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.quantize' op format bits of shape [3] do not broadcast to the input feature shape [2]}}
  %0 = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 1, f = dense<[1, 2, 3]> : tensor<3xi8>, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @quantizer_does_not_broadcast(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // The batch dimension is not part of the bits: a 2-D array is one too many.
  // expected-error @+1 {{'hgq.quantize' op quantizer bits of shape [1, 2] do not broadcast to the output feature shape [2]}}
  %0 = hgq.quantize %x {quantizer = #hgq.quantizer<f = dense<[[1, 2]]> : tensor<1x2xi8>, rnd = floor>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @signature_rounds(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.signature' op a signature declares a truncated (TRN) format, got rounding RND}}
  %0 = hgq.signature %x {format = #hgq.fixed<k = 1, i = 1, f = 2, rounding = RND, overflow = WRAP>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @signature_does_not_broadcast(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.signature' op format bits of shape [4] do not broadcast to the input feature shape [2]}}
  %0 = hgq.signature %x {format = #hgq.fixed<k = 1, i = dense<1> : tensor<4xi8>, f = 2, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @signature_no_batch(%x: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'hgq.signature' op input must have a leading batch dimension (rank >= 1)}}
  %0 = hgq.signature %x {format = #hgq.fixed<k = 1, i = 1, f = 2, rounding = TRN, overflow = WRAP>} : tensor<f32>
  return %0 : tensor<f32>
}

//===----------------------------------------------------------------------===//
// dense
//===----------------------------------------------------------------------===//

// -----

func.func @dense_rank(%x: tensor<?xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{'hgq.dense' op expects an input of rank >= 2 (batch, ..., features), got rank 1}}
  %0 = hgq.dense %x {kernel = dense<1.0> : tensor<1x1xf32>} : (tensor<?xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @dense_kernel_rank(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.dense' op 'kernel' must be a static 2-D f32 tensor, got 'tensor<2xf32>'}}
  %0 = hgq.dense %x {kernel = dense<1.0> : tensor<2xf32>} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @dense_kernel_empty(%x: tensor<?x4xf32>) -> tensor<?x0xf32> {
  // expected-error @+1 {{'hgq.dense' op 'kernel' has an empty dimension ('tensor<4x0xf32>'): the layer would compute nothing}}
  %0 = hgq.dense %x {kernel = dense<> : tensor<4x0xf32>} : (tensor<?x4xf32>) -> tensor<?x0xf32>
  return %0 : tensor<?x0xf32>
}

// -----

func.func @conv_kernel_empty(%x: tensor<?x5x5x2xf32>) -> tensor<?x3x3x0xf32> {
  // expected-error @+1 {{'hgq.conv' op 'kernel' has an empty dimension ('tensor<3x3x2x0xf32>'): the layer would compute nothing}}
  %0 = hgq.conv %x {kernel = dense<> : tensor<3x3x2x0xf32>} : (tensor<?x5x5x2xf32>) -> tensor<?x3x3x0xf32>
  return %0 : tensor<?x3x3x0xf32>
}

// -----

func.func @dense_kernel_type(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.dense' op 'kernel' must be a static 2-D f32 tensor, got 'tensor<2x2xf64>'}}
  %0 = hgq.dense %x {kernel = dense<1.0> : tensor<2x2xf64>} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @dense_inputs(%x: tensor<?x3xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.dense' op kernel expects 2 input features but the input has 3}}
  %0 = hgq.dense %x {kernel = dense<1.0> : tensor<2x2xf32>} : (tensor<?x3xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @dense_bias_size(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.dense' op bias has 3 elements but the layer has 2 outputs}}
  %0 = hgq.dense %x {kernel = dense<1.0> : tensor<2x2xf32>, bias = dense<0.0> : tensor<3xf32>} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @dense_bias_rank(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.dense' op 'bias' must be a static 1-D f32 tensor, got 'tensor<1x2xf32>'}}
  %0 = hgq.dense %x {kernel = dense<1.0> : tensor<2x2xf32>, bias = dense<0.0> : tensor<1x2xf32>} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @dense_kernel_quantizer_auto(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.dense' op kernel quantizer cannot use rnd = auto (only pre-activation quantizers can)}}
  %0 = hgq.dense %x {kernel = dense<1.0> : tensor<2x2xf32>, kernel_quantizer = #hgq.quantizer<f = 2, rnd = auto>} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @dense_kernel_quantizer_shape(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.dense' op kernel quantizer bits of shape [3, 1] do not broadcast to the kernel shape [2, 2]}}
  %0 = hgq.dense %x {kernel = dense<1.0> : tensor<2x2xf32>, kernel_quantizer = #hgq.quantizer<f = dense<2> : tensor<3x1xi8>, rnd = floor>} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @dense_result(%x: tensor<?x2xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{'hgq.dense' op result shape [?, 3] does not match the expected [?, 2]}}
  %0 = hgq.dense %x {kernel = dense<1.0> : tensor<2x2xf32>} : (tensor<?x2xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

func.func @dense_quantizer_shape(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.dense' op quantizer bits of shape [4] do not broadcast to the output feature shape [2]}}
  %0 = hgq.dense %x {kernel = dense<1.0> : tensor<2x2xf32>, quantizer = #hgq.quantizer<f = dense<2> : tensor<4xi8>, rnd = auto>} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

//===----------------------------------------------------------------------===//
// conv
//===----------------------------------------------------------------------===//

// -----

func.func @conv_rank(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'hgq.conv' op expects a channels-last input of rank 3 (N, W, C) or 4 (N, H, W, C), got rank 2}}
  %0 = hgq.conv %x {kernel = dense<1.0> : tensor<1x1xf32>} : (tensor<?x8xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

func.func @conv_kernel_rank(%x: tensor<?x8x2xf32>) -> tensor<?x8x2xf32> {
  // expected-error @+1 {{'hgq.conv' op 'kernel' must be a static 3-D f32 tensor, got 'tensor<1x1x2x2xf32>'}}
  %0 = hgq.conv %x {kernel = dense<1.0> : tensor<1x1x2x2xf32>} : (tensor<?x8x2xf32>) -> tensor<?x8x2xf32>
  return %0 : tensor<?x8x2xf32>
}

// -----

func.func @conv_strides_count(%x: tensor<?x8x2xf32>) -> tensor<?x8x2xf32> {
  // expected-error @+1 {{'hgq.conv' op 'strides' needs 1 entries, got 2}}
  %0 = hgq.conv %x {kernel = dense<1.0> : tensor<1x2x2xf32>, strides = array<i64: 1, 1>} : (tensor<?x8x2xf32>) -> tensor<?x8x2xf32>
  return %0 : tensor<?x8x2xf32>
}

// -----

func.func @conv_stride_zero(%x: tensor<?x8x2xf32>) -> tensor<?x8x2xf32> {
  // expected-error @+1 {{'hgq.conv' op 'strides' entries must be >= 1, got 0}}
  %0 = hgq.conv %x {kernel = dense<1.0> : tensor<1x2x2xf32>, strides = array<i64: 0>} : (tensor<?x8x2xf32>) -> tensor<?x8x2xf32>
  return %0 : tensor<?x8x2xf32>
}

// -----

func.func @conv_negative_pad(%x: tensor<?x8x2xf32>) -> tensor<?x8x2xf32> {
  // expected-error @+1 {{'hgq.conv' op 'pads' entries must be >= 0, got -1}}
  %0 = hgq.conv %x {kernel = dense<1.0> : tensor<1x2x2xf32>, pads = array<i64: -1, 0>} : (tensor<?x8x2xf32>) -> tensor<?x8x2xf32>
  return %0 : tensor<?x8x2xf32>
}

// -----

func.func @conv_groups(%x: tensor<?x8x2xf32>) -> tensor<?x8x2xf32> {
  // expected-error @+1 {{'hgq.conv' op groups must be >= 1, got 0}}
  %0 = hgq.conv %x {kernel = dense<1.0> : tensor<1x2x2xf32>, groups = 0 : i64} : (tensor<?x8x2xf32>) -> tensor<?x8x2xf32>
  return %0 : tensor<?x8x2xf32>
}

// -----

func.func @conv_groups_outputs(%x: tensor<?x8x2xf32>) -> tensor<?x8x3xf32> {
  // expected-error @+1 {{'hgq.conv' op output channels 3 are not divisible by groups 2}}
  %0 = hgq.conv %x {kernel = dense<1.0> : tensor<1x1x3xf32>, groups = 2 : i64} : (tensor<?x8x2xf32>) -> tensor<?x8x3xf32>
  return %0 : tensor<?x8x3xf32>
}

// -----

func.func @conv_channels(%x: tensor<?x8x3xf32>) -> tensor<?x8x2xf32> {
  // expected-error @+1 {{'hgq.conv' op kernel expects 2 input channels (2 x 1 groups) but the input has 3}}
  %0 = hgq.conv %x {kernel = dense<1.0> : tensor<1x2x2xf32>} : (tensor<?x8x3xf32>) -> tensor<?x8x2xf32>
  return %0 : tensor<?x8x2xf32>
}

// -----

func.func @conv_does_not_fit(%x: tensor<?x2x2xf32>) -> tensor<?x1x2xf32> {
  // expected-error @+1 {{'hgq.conv' op kernel of size 3 (dilation 1) does not fit spatial dimension 0 of size 2 with its padding}}
  %0 = hgq.conv %x {kernel = dense<1.0> : tensor<3x2x2xf32>} : (tensor<?x2x2xf32>) -> tensor<?x1x2xf32>
  return %0 : tensor<?x1x2xf32>
}

// -----

func.func @conv_result(%x: tensor<?x8x8x2xf32>) -> tensor<?x8x8x2xf32> {
  // expected-error @+1 {{'hgq.conv' op result shape [?, 8, 8, 2] does not match the expected [?, 4, 4, 2]}}
  %0 = hgq.conv %x {kernel = dense<1.0> : tensor<1x1x2x2xf32>, strides = array<i64: 2, 2>} : (tensor<?x8x8x2xf32>) -> tensor<?x8x8x2xf32>
  return %0 : tensor<?x8x8x2xf32>
}

// -----

func.func @conv_parallel_factor(%x: tensor<?x4x2xf32>) -> tensor<?x4x2xf32> {
  // expected-error @+1 {{'hgq.conv' op parallel_factor 5 must lie between 1 and the number of output positions (4)}}
  %0 = hgq.conv %x {kernel = dense<1.0> : tensor<1x2x2xf32>, parallel_factor = 5 : i64} : (tensor<?x4x2xf32>) -> tensor<?x4x2xf32>
  return %0 : tensor<?x4x2xf32>
}

// -----

func.func @conv_kernel_quantizer_auto(%x: tensor<?x4x2xf32>) -> tensor<?x4x2xf32> {
  // expected-error @+1 {{'hgq.conv' op kernel quantizer cannot use rnd = auto}}
  %0 = hgq.conv %x {kernel = dense<1.0> : tensor<1x2x2xf32>, kernel_quantizer = #hgq.quantizer<f = 2, rnd = auto>} : (tensor<?x4x2xf32>) -> tensor<?x4x2xf32>
  return %0 : tensor<?x4x2xf32>
}

// -----

func.func @conv_bias(%x: tensor<?x4x2xf32>) -> tensor<?x4x2xf32> {
  // expected-error @+1 {{'hgq.conv' op bias has 1 elements but the layer has 2 outputs}}
  %0 = hgq.conv %x {kernel = dense<1.0> : tensor<1x2x2xf32>, bias = dense<0.0> : tensor<1xf32>} : (tensor<?x4x2xf32>) -> tensor<?x4x2xf32>
  return %0 : tensor<?x4x2xf32>
}

// -----

func.func @conv_quantizer(%x: tensor<?x4x2xf32>) -> tensor<?x4x2xf32> {
  // expected-error @+1 {{'hgq.conv' op quantizer bits of shape [3] do not broadcast to the output feature shape [4, 2]}}
  %0 = hgq.conv %x {kernel = dense<1.0> : tensor<1x2x2xf32>, quantizer = #hgq.quantizer<f = dense<1> : tensor<3xi8>, rnd = auto>} : (tensor<?x4x2xf32>) -> tensor<?x4x2xf32>
  return %0 : tensor<?x4x2xf32>
}

//===----------------------------------------------------------------------===//
// batchnorm
//===----------------------------------------------------------------------===//

// -----

func.func @batchnorm_rank(%x: tensor<?xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{'hgq.batchnorm' op expects an input of rank >= 2 (batch, ..., channels), got rank 1}}
  %0 = hgq.batchnorm %x {gamma = dense<1.0> : tensor<1xf32>, beta = dense<0.0> : tensor<1xf32>, mean = dense<0.0> : tensor<1xf32>, variance = dense<1.0> : tensor<1xf32>, epsilon = 1.0e-3 : f64} : tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @batchnorm_size(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'hgq.batchnorm' op 'mean' has 3 elements but the input has 4 channels}}
  %0 = hgq.batchnorm %x {gamma = dense<1.0> : tensor<4xf32>, beta = dense<0.0> : tensor<4xf32>, mean = dense<0.0> : tensor<3xf32>, variance = dense<1.0> : tensor<4xf32>, epsilon = 1.0e-3 : f64} : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @batchnorm_param_rank(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'hgq.batchnorm' op 'gamma' must be a static 1-D f32 tensor, got 'tensor<1x4xf32>'}}
  %0 = hgq.batchnorm %x {gamma = dense<1.0> : tensor<1x4xf32>, beta = dense<0.0> : tensor<4xf32>, mean = dense<0.0> : tensor<4xf32>, variance = dense<1.0> : tensor<4xf32>, epsilon = 1.0e-3 : f64} : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @batchnorm_epsilon(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'hgq.batchnorm' op epsilon must not be negative}}
  %0 = hgq.batchnorm %x {gamma = dense<1.0> : tensor<4xf32>, beta = dense<0.0> : tensor<4xf32>, mean = dense<0.0> : tensor<4xf32>, variance = dense<1.0> : tensor<4xf32>, epsilon = -1.0e-3 : f64} : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @batchnorm_variance(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.batchnorm' op variance must be non-negative, got -1}}
  %0 = hgq.batchnorm %x {gamma = dense<1.0> : tensor<2xf32>, beta = dense<0.0> : tensor<2xf32>, mean = dense<0.0> : tensor<2xf32>, variance = dense<[1.0, -1.0]> : tensor<2xf32>, epsilon = 1.0e-3 : f64} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

//===----------------------------------------------------------------------===//
// activation, unary_lut, add
//===----------------------------------------------------------------------===//

// -----

func.func @activation_unknown(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.activation' op unknown activation 'swoosh'; known: linear, relu, leaky_relu}}
  %0 = hgq.activation "swoosh" %x : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @activation_parameter(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.activation' op 'alpha' is not a parameter of 'tanh'}}
  %0 = hgq.activation "tanh" %x {alpha = 0.5 : f32} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @activation_gamma(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.activation' op 'gamma' is not a parameter of 'elu'}}
  %0 = hgq.activation "elu" %x {gamma = 0.5 : f32} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @activation_axis(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.activation' op 'axis' is only a parameter of 'softmax'}}
  %0 = hgq.activation "relu" %x {axis = 1 : i64} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @softmax_batch_axis(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.activation' op softmax axis 0 must name a non-batch dimension of a rank 2 tensor}}
  %0 = hgq.activation "softmax" %x {axis = 0 : i64} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @activation_quantizer(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.activation' op quantizer bits of shape [5] do not broadcast to the output feature shape [2]}}
  %0 = hgq.activation "tanh" %x {quantizer = #hgq.quantizer<f = dense<3> : tensor<5xi8>, rnd = floor>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @activation_no_batch(%x: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'hgq.activation' op input must have a leading batch dimension (rank >= 1)}}
  %0 = hgq.activation "tanh" %x : tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @lut_table_rank(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.unary_lut' op 'table' must be a static 1-D f32 tensor, got 'tensor<2x2xf32>'}}
  %0 = hgq.unary_lut %x {table = dense<0.0> : tensor<2x2xf32>, input_format = #hgq.fixed<k = 1, i = 0, f = 1, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @lut_not_uniform(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.unary_lut' op input_format must be one format for every element (a lookup table has one index width)}}
  %0 = hgq.unary_lut %x {table = dense<0.0> : tensor<4xf32>, input_format = #hgq.fixed<k = 1, i = 0, f = dense<[1, 2]> : tensor<2xi8>, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @lut_size(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.unary_lut' op table has 4 entries but input_format fixed<3,1> (W = 3 bits) needs 2^3 = 8}}
  %0 = hgq.unary_lut %x {table = dense<0.0> : tensor<4xf32>, input_format = #hgq.fixed<k = 1, i = 0, f = 2, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @lut_too_wide(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.unary_lut' op a lookup table over a 41-bit input would need 2^41 entries; at most 30 input bits are supported}}
  %0 = hgq.unary_lut %x {table = dense<0.0> : tensor<4xf32>, input_format = #hgq.fixed<k = 1, i = 20, f = 20, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @lut_function(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.unary_lut' op 'softmax' is not a known elementwise function}}
  %0 = hgq.unary_lut %x {table = dense<0.0> : tensor<4xf32>, input_format = #hgq.fixed<k = 1, i = 0, f = 1, rounding = TRN, overflow = WRAP>, fn = "softmax"} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @lut_no_batch(%x: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'hgq.unary_lut' op input must have a leading batch dimension (rank >= 1)}}
  %0 = hgq.unary_lut %x {table = dense<0.0> : tensor<4xf32>, input_format = #hgq.fixed<k = 1, i = 0, f = 1, rounding = TRN, overflow = WRAP>} : tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @add_no_batch(%x: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'hgq.add' op output must have a leading batch dimension (rank >= 1)}}
  %0 = hgq.add %x, %x : tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @add_quantizer(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.add' op quantizer bits of shape [3] do not broadcast to the output feature shape [2]}}
  %0 = hgq.add %x, %x {quantizer = #hgq.quantizer<f = dense<3> : tensor<3xi8>, rnd = floor>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

// -----

func.func @pool_rank(%x: tensor<?x8xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'hgq.max_pool' op expects a channels-last input of rank 3 (N, W, C) or 4 (N, H, W, C), got rank 2}}
  %0 = hgq.max_pool %x {window = array<i64: 2>} : (tensor<?x8xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @pool_window_count(%x: tensor<?x8x2xf32>) -> tensor<?x4x2xf32> {
  // expected-error @+1 {{'hgq.max_pool' op 'window' needs 1 entries, got 2}}
  %0 = hgq.max_pool %x {window = array<i64: 2, 2>} : (tensor<?x8x2xf32>) -> tensor<?x4x2xf32>
  return %0 : tensor<?x4x2xf32>
}

// -----

func.func @pool_window_zero(%x: tensor<?x8x2xf32>) -> tensor<?x4x2xf32> {
  // expected-error @+1 {{'hgq.max_pool' op 'window' entries must be >= 1, got 0}}
  %0 = hgq.max_pool %x {window = array<i64: 0>} : (tensor<?x8x2xf32>) -> tensor<?x4x2xf32>
  return %0 : tensor<?x4x2xf32>
}

// -----

func.func @pool_pad_too_large(%x: tensor<?x8x2xf32>) -> tensor<?x5x2xf32> {
  // expected-error @+1 {{'hgq.max_pool' op padding of spatial dimension 0 must be smaller than the window (2)}}
  %0 = hgq.max_pool %x {window = array<i64: 2>, pads = array<i64: 2, 0>} : (tensor<?x8x2xf32>) -> tensor<?x5x2xf32>
  return %0 : tensor<?x5x2xf32>
}

// -----

func.func @pool_does_not_fit(%x: tensor<?x2x2xf32>) -> tensor<?x1x2xf32> {
  // expected-error @+1 {{'hgq.max_pool' op window of size 4 does not fit spatial dimension 0 of size 2 with its padding}}
  %0 = hgq.max_pool %x {window = array<i64: 4>} : (tensor<?x2x2xf32>) -> tensor<?x1x2xf32>
  return %0 : tensor<?x1x2xf32>
}

// -----

func.func @pool_result(%x: tensor<?x8x2xf32>) -> tensor<?x8x2xf32> {
  // expected-error @+1 {{'hgq.max_pool' op result shape [?, 8, 2] does not match the expected [?, 4, 2]}}
  %0 = hgq.max_pool %x {window = array<i64: 2>} : (tensor<?x8x2xf32>) -> tensor<?x8x2xf32>
  return %0 : tensor<?x8x2xf32>
}

// -----

func.func @avg_pool_not_power_of_two(%x: tensor<?x9x2xf32>) -> tensor<?x3x2xf32> {
  // expected-error @+1 {{'hgq.avg_pool' op window at output position 0 of spatial dimension 0 covers 3 non-padded cells; bit-accurate average pooling needs every window's size (including padded edges) to be a power of two}}
  %0 = hgq.avg_pool %x {window = array<i64: 3>} : (tensor<?x9x2xf32>) -> tensor<?x3x2xf32>
  return %0 : tensor<?x3x2xf32>
}

// -----

func.func @avg_pool_padded_edge(%x: tensor<?x5x5x2xf32>) -> tensor<?x3x3x2xf32> {
  // Dimension 0 passes (the padded edge window holds 1 cell, the others 2);
  // in dimension 1 the padded first window of size 4 holds only 3 cells.
  // expected-error @+1 {{'hgq.avg_pool' op window at output position 0 of spatial dimension 1 covers 3 non-padded cells}}
  %0 = hgq.avg_pool %x {window = array<i64: 2, 4>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>} : (tensor<?x5x5x2xf32>) -> tensor<?x3x2x2xf32>
  return %0 : tensor<?x3x2x2xf32>
}

// -----

func.func @avg_pool_dynamic(%x: tensor<?x?x2xf32>) -> tensor<?x?x2xf32> {
  // expected-error @+1 {{'hgq.avg_pool' op needs static spatial dimensions to check that every window's size is a power of two}}
  %0 = hgq.avg_pool %x {window = array<i64: 2>} : (tensor<?x?x2xf32>) -> tensor<?x?x2xf32>
  return %0 : tensor<?x?x2xf32>
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

// -----

func.func @concat_empty() -> tensor<?x3xf32> {
  // expected-error @+1 {{'hgq.concat' op needs at least one input}}
  %0 = hgq.concat {axis = 1 : i64} : () -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

func.func @concat_batch_axis(%a: tensor<?x3xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{'hgq.concat' op axis 0 must name a non-batch dimension of a rank 2 tensor}}
  %0 = hgq.concat %a, %a {axis = 0 : i64} : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

func.func @concat_rank(%a: tensor<?x3xf32>, %b: tensor<?x3x1xf32>) -> tensor<?x6xf32> {
  // expected-error @+1 {{'hgq.concat' op input 1 has rank 3, expected 2}}
  %0 = hgq.concat %a, %b {axis = 1 : i64} : (tensor<?x3xf32>, tensor<?x3x1xf32>) -> tensor<?x6xf32>
  return %0 : tensor<?x6xf32>
}

// -----

func.func @concat_dims(%a: tensor<?x3x2xf32>, %b: tensor<?x3x4xf32>) -> tensor<?x6x2xf32> {
  // expected-error @+1 {{'hgq.concat' op input 1 has size 4 in dimension 2, expected 2}}
  %0 = hgq.concat %a, %b {axis = 1 : i64} : (tensor<?x3x2xf32>, tensor<?x3x4xf32>) -> tensor<?x6x2xf32>
  return %0 : tensor<?x6x2xf32>
}

// -----

func.func @concat_result(%a: tensor<?x3xf32>) -> tensor<?x7xf32> {
  // expected-error @+1 {{'hgq.concat' op result shape [?, 7] does not match the expected [?, 6]}}
  %0 = hgq.concat %a, %a {axis = -1 : i64} : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<?x7xf32>
  return %0 : tensor<?x7xf32>
}

// -----

func.func @reshape_batch(%x: tensor<2x4xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{'hgq.reshape' op must keep the batch dimension (2 vs 4)}}
  %0 = hgq.reshape %x : (tensor<2x4xf32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @reshape_count(%x: tensor<?x4xf32>) -> tensor<?x2x3xf32> {
  // expected-error @+1 {{'hgq.reshape' op input has 4 elements per sample ([?, 4]) but the result has 6 ([?, 2, 3])}}
  %0 = hgq.reshape %x : (tensor<?x4xf32>) -> tensor<?x2x3xf32>
  return %0 : tensor<?x2x3xf32>
}

// -----

func.func @reshape_no_batch(%x: tensor<f32>) -> tensor<?xf32> {
  // expected-error @+1 {{'hgq.reshape' op input must have a leading batch dimension (rank >= 1)}}
  %0 = hgq.reshape %x : (tensor<f32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @flatten_rank(%x: tensor<?x2x3xf32>) -> tensor<?x2x3xf32> {
  // expected-error @+1 {{'hgq.flatten' op result must have rank 2 (batch, features), got 3}}
  %0 = hgq.flatten %x : (tensor<?x2x3xf32>) -> tensor<?x2x3xf32>
  return %0 : tensor<?x2x3xf32>
}

// -----

func.func @flatten_count(%x: tensor<?x2x3xf32>) -> tensor<?x5xf32> {
  // expected-error @+1 {{'hgq.flatten' op input has 6 elements per sample ([?, 2, 3]) but the result has 5 ([?, 5])}}
  %0 = hgq.flatten %x : (tensor<?x2x3xf32>) -> tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}

// -----

func.func @transpose_length(%x: tensor<?x2x3xf32>) -> tensor<?x3x2xf32> {
  // expected-error @+1 {{'hgq.transpose' op permutation has 2 entries for a rank 3 input}}
  %0 = hgq.transpose %x {permutation = array<i64: 0, 1>} : (tensor<?x2x3xf32>) -> tensor<?x3x2xf32>
  return %0 : tensor<?x3x2xf32>
}

// -----

func.func @transpose_not_permutation(%x: tensor<?x2x3xf32>) -> tensor<?x3x2xf32> {
  // expected-error @+1 {{'hgq.transpose' op permutation must list each dimension 0..2 exactly once}}
  %0 = hgq.transpose %x {permutation = array<i64: 0, 1, 1>} : (tensor<?x2x3xf32>) -> tensor<?x3x2xf32>
  return %0 : tensor<?x3x2xf32>
}

// -----

func.func @transpose_batch(%x: tensor<?x2x3xf32>) -> tensor<2x?x3xf32> {
  // expected-error @+1 {{'hgq.transpose' op permutation must keep the batch dimension first (entry 0 must be 0)}}
  %0 = hgq.transpose %x {permutation = array<i64: 1, 0, 2>} : (tensor<?x2x3xf32>) -> tensor<2x?x3xf32>
  return %0 : tensor<2x?x3xf32>
}

// -----

func.func @transpose_result(%x: tensor<?x2x3xf32>) -> tensor<?x2x3xf32> {
  // expected-error @+1 {{'hgq.transpose' op result shape [?, 2, 3] does not match the expected [?, 3, 2]}}
  %0 = hgq.transpose %x {permutation = array<i64: 0, 2, 1>} : (tensor<?x2x3xf32>) -> tensor<?x2x3xf32>
  return %0 : tensor<?x2x3xf32>
}

//===----------------------------------------------------------------------===//
// Levels: a function is an HGQ model or its proxy, never half of each
//===----------------------------------------------------------------------===//

// A proxy quantizer (it carries the converted model's result_t) after an
// unconverted layer.
func.func @mixed_levels(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-note @+1 {{the layer-level op}}
  %0 = hgq.dense %x {kernel = dense<0.5> : tensor<2x2xf32>, quantizer = #hgq.quantizer<f = 2, rnd = standard_round, k = 1, i = 2>} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  %1 = hgq.reshape %0 : (tensor<?x2xf32>) -> tensor<?x2xf32>
  // expected-error @+1 {{'hgq.quantize' op is at proxy level (it carries the proxy's hgq.result_t) but 'hgq.dense' before it is at layer level (it carries an HGQ quantizer); a function is an HGQ model or its proxy, never half of each: convert the whole model with --hgq-proxy-pipeline}}
  %2 = hgq.quantize %1 {format = #hgq.fixed<k = 1, i = 2, f = 2, rounding = RND, overflow = SAT>, hgq.result_t = #hgq.fixed<k = 1, i = 2, f = 2, rounding = RND, overflow = SAT>} : tensor<?x2xf32>
  return %2 : tensor<?x2xf32>
}

// -----

// The other order, with a signature.
func.func @signature_after_proxy(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-note @+1 {{the proxy-level op}}
  %0 = hgq.dense %x {kernel = dense<0.5> : tensor<2x2xf32>, hgq.weight_t = #hgq.fixed<k = 0, i = 0, f = 1, rounding = TRN, overflow = WRAP>} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  // expected-error @+1 {{'hgq.signature' op is at layer level (it is an hgq.signature) but 'hgq.dense' before it is at proxy level (it carries the proxy's hgq.weight_t)}}
  %1 = hgq.signature %0 {format = #hgq.fixed<k = 1, i = 3, f = 4, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
  return %1 : tensor<?x2xf32>
}

// -----

func.func @layer_with_proxy_types(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.dense' op carries an HGQ quantizer and the proxy's hgq.accum_t: a layer is either at layer level or converted, never both}}
  %0 = hgq.dense %x {kernel = dense<0.5> : tensor<2x2xf32>, quantizer = #hgq.quantizer<f = 2, rnd = standard_round>, hgq.accum_t = #hgq.fixed<k = 1, i = 3, f = 4, rounding = TRN, overflow = WRAP>} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}


// -----

//===----------------------------------------------------------------------===//
// Discardable attributes: declared names and types only
//===----------------------------------------------------------------------===//

func.func @unknown_attribute(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.reshape' op has an unknown hgq attribute 'hgq.acum_t'}}
  %0 = hgq.reshape %x {hgq.acum_t = 1 : i64} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @wrong_attribute_type(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.reshape' op attribute 'hgq.ebops' must be a float, got "12"}}
  %0 = hgq.reshape %x {hgq.ebops = "12"} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

// expected-error @+1 {{hgq.layout must be an array<i64: ...>, got 3 : i64}}
func.func @layout_type(%x: tensor<?x2xf32> {hgq.layout = 3 : i64}) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}

// -----

func.func @too_wide(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{element 0 has width 200 (k = 0, i = 100, f = 100); at most 127 bits are supported}}
  %0 = hgq.quantize %x {format = #hgq.fixed<k = 0, i = 100, f = 100, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}
