// Every op and attribute of the hgq dialect round-trips through the custom
// and the generic syntax.
// RUN: hgq-opt %s | hgq-opt | FileCheck %s
// RUN: hgq-opt %s --mlir-print-op-generic | hgq-opt | FileCheck %s

// CHECK-LABEL: func.func @formats
func.func @formats(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // CHECK: hgq.quantize %{{.*}} {format = #hgq.fixed<k = 1, i = 2, f = 5, rounding = RND, overflow = SAT>} : tensor<?x4xf32>
  %0 = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 2, f = 5, rounding = RND, overflow = SAT>} : tensor<?x4xf32>
  // CHECK: #hgq.fixed<k = 0, i = 3, f = dense<[2, 4, 0, -1]> : tensor<4xi8>, rounding = TRN, overflow = WRAP>
  %1 = hgq.quantize %0 {format = #hgq.fixed<k = 0, i = 3, f = dense<[2, 4, 0, -1]> : tensor<4xi8>, rounding = TRN, overflow = WRAP>} : tensor<?x4xf32>
  // Dead elements (width 0) are allowed.
  // CHECK: #hgq.fixed<k = dense<[1, 0, 1, 0]> : tensor<4xi8>, i = dense<[2, 0, 0, 3]> : tensor<4xi8>, f = dense<[1, 0, 4, -3]> : tensor<4xi8>, rounding = RND_CONV, overflow = SAT_SYM>
  %2 = hgq.quantize %1 {format = #hgq.fixed<k = dense<[1, 0, 1, 0]> : tensor<4xi8>, i = dense<[2, 0, 0, 3]> : tensor<4xi8>, f = dense<[1, 0, 4, -3]> : tensor<4xi8>, rounding = RND_CONV, overflow = SAT_SYM>} : tensor<?x4xf32>
  // CHECK: rounding = TRN_ZERO, overflow = SAT_ZERO
  %3 = hgq.quantize %2 {format = #hgq.fixed<k = 1, i = 0, f = 7, rounding = TRN_ZERO, overflow = SAT_ZERO>} : tensor<?x4xf32>
  // CHECK: rounding = RND_ZERO
  %4 = hgq.quantize %3 {format = #hgq.fixed<k = 1, i = 0, f = 7, rounding = RND_ZERO, overflow = SAT>} : tensor<?x4xf32>
  // CHECK: rounding = RND_INF
  %5 = hgq.quantize %4 {format = #hgq.fixed<k = 1, i = 0, f = 7, rounding = RND_INF, overflow = SAT>} : tensor<?x4xf32>
  // CHECK: rounding = RND_MIN_INF
  %6 = hgq.quantize %5 {format = #hgq.fixed<k = 1, i = 0, f = 7, rounding = RND_MIN_INF, overflow = SAT>} : tensor<?x4xf32>
  return %6 : tensor<?x4xf32>
}

// CHECK-LABEL: func.func @quantizers
func.func @quantizers(%x: tensor<?x2x3xf32>) -> tensor<?x2x3xf32> {
  // Per-element, then shared over the first feature dimension (size 1).
  // CHECK: #hgq.quantizer<f = dense<{{\[}}[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi8>, rnd = standard_round>
  %0 = hgq.quantize %x {quantizer = #hgq.quantizer<f = dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi8>, rnd = standard_round>} : tensor<?x2x3xf32>
  // CHECK: #hgq.quantizer<f = dense<{{\[}}[1, 2, 3]]> : tensor<1x3xi8>, rnd = floor, bw_clip_min = -8, bw_clip_max = 8>
  %1 = hgq.quantize %0 {quantizer = #hgq.quantizer<f = dense<[[1, 2, 3]]> : tensor<1x3xi8>, rnd = floor, bw_clip_min = -8, bw_clip_max = 8>} : tensor<?x2x3xf32>
  // Traced: k and i recorded.
  // CHECK: #hgq.quantizer<f = 4, rnd = stochastic_round, k = 1, i = dense<[2, 0, 5]> : tensor<3xi8>>
  %2 = hgq.quantize %1 {quantizer = #hgq.quantizer<f = 4, rnd = stochastic_round, k = 1, i = dense<[2, 0, 5]> : tensor<3xi8>>} : tensor<?x2x3xf32>
  // CHECK: rnd = fast_uniform_noise_injection
  %3 = hgq.quantize %2 {quantizer = #hgq.quantizer<f = 4, rnd = fast_uniform_noise_injection>} : tensor<?x2x3xf32>
  // CHECK: hgq.signature %{{.*}} {format = #hgq.fixed<k = 1, i = 3, f = 4, rounding = TRN, overflow = WRAP>} : tensor<?x2x3xf32>
  %4 = hgq.signature %3 {format = #hgq.fixed<k = 1, i = 3, f = 4, rounding = TRN, overflow = WRAP>} : tensor<?x2x3xf32>
  return %4 : tensor<?x2x3xf32>
}

// CHECK-LABEL: func.func @layers
func.func @layers(%x: tensor<?x8x2xf32>, %img: tensor<2x6x6x3xf32>) -> (tensor<?x4xf32>, tensor<2x3x3x4xf32>) {
  // CHECK: hgq.conv %{{.*}} {kernel = dense<5.000000e-01> : tensor<3x2x4xf32>, pads = array<i64: 1, 1>, parallel_factor = 2 : i64, strides = array<i64: 1>} : (tensor<?x8x2xf32>) -> tensor<?x8x4xf32>
  %c = hgq.conv %x {kernel = dense<0.5> : tensor<3x2x4xf32>, strides = array<i64: 1>, pads = array<i64: 1, 1>, parallel_factor = 2 : i64} : (tensor<?x8x2xf32>) -> tensor<?x8x4xf32>
  // CHECK: hgq.conv
  // CHECK-SAME: activation = #hgq<layer_activation relu>
  // CHECK-SAME: dilations = array<i64: 1, 2>
  // CHECK-SAME: kernel_quantizer = #hgq.quantizer<f = 3, rnd = standard_round>
  // CHECK-SAME: quantizer = #hgq.quantizer<f = 2, rnd = auto>
  %c2 = hgq.conv %img {kernel = dense<0.25> : tensor<2x2x3x4xf32>, bias = dense<0.125> : tensor<4xf32>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 2>, pads = array<i64: 0, 1, 1, 0>, kernel_quantizer = #hgq.quantizer<f = 3, rnd = standard_round>, quantizer = #hgq.quantizer<f = 2, rnd = auto>, activation = #hgq<layer_activation relu>} : (tensor<2x6x6x3xf32>) -> tensor<2x3x3x4xf32>
  // Depthwise.
  // CHECK: groups = 4 : i64
  %dw = hgq.conv %c {kernel = dense<1.0> : tensor<3x1x4xf32>, groups = 4 : i64} : (tensor<?x8x4xf32>) -> tensor<?x6x4xf32>
  // CHECK: hgq.batchnorm %{{.*}} {beta = {{.*}}, epsilon = 1.000000e-03 : f64, gamma = {{.*}}, mean = {{.*}}, variance = {{.*}}} : tensor<?x6x4xf32>
  %bn = hgq.batchnorm %dw {gamma = dense<1.0> : tensor<4xf32>, beta = dense<0.0> : tensor<4xf32>, mean = dense<0.5> : tensor<4xf32>, variance = dense<2.0> : tensor<4xf32>, epsilon = 1.0e-3 : f64} : tensor<?x6x4xf32>
  // CHECK: hgq.flatten %{{.*}} : (tensor<?x6x4xf32>) -> tensor<?x24xf32>
  %f = hgq.flatten %bn : (tensor<?x6x4xf32>) -> tensor<?x24xf32>
  // CHECK: hgq.dense %{{.*}} {bias = {{.*}}, kernel = {{.*}}, kernel_quantizer = #hgq.quantizer<f = 2, rnd = floor>, quantizer = #hgq.quantizer<f = 3, rnd = auto, k = 0, i = 2>} : (tensor<?x24xf32>) -> tensor<?x4xf32>
  %d = hgq.dense %f {kernel = dense<0.5> : tensor<24x4xf32>, bias = dense<[0.0, 0.125, 0.25, 0.5]> : tensor<4xf32>, kernel_quantizer = #hgq.quantizer<f = 2, rnd = floor>, quantizer = #hgq.quantizer<f = 3, rnd = auto, k = 0, i = 2>} : (tensor<?x24xf32>) -> tensor<?x4xf32>
  return %d, %c2 : tensor<?x4xf32>, tensor<2x3x3x4xf32>
}

// CHECK-LABEL: func.func @activations
func.func @activations(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // CHECK: hgq.activation "relu" %{{.*}} : tensor<?x4xf32>
  %0 = hgq.activation "relu" %x : tensor<?x4xf32>
  // CHECK: hgq.activation "leaky_relu" %{{.*}} {alpha = 1.250000e-01 : f32} : tensor<?x4xf32>
  %1 = hgq.activation "leaky_relu" %0 {alpha = 0.125 : f32} : tensor<?x4xf32>
  // CHECK: hgq.activation "sigmoid"
  %2 = hgq.activation "sigmoid" %1 : tensor<?x4xf32>
  // CHECK: hgq.activation "tanh" %{{.*}} {quantizer = #hgq.quantizer<f = 6, rnd = standard_round>}
  %3 = hgq.activation "tanh" %2 {quantizer = #hgq.quantizer<f = 6, rnd = standard_round>} : tensor<?x4xf32>
  // CHECK: hgq.activation "softmax" %{{.*}} {axis = -1 : i64}
  %4 = hgq.activation "softmax" %3 {axis = -1 : i64} : tensor<?x4xf32>
  // CHECK: hgq.activation "hard_sigmoid" %{{.*}} {alpha = 2.000000e-01 : f32, beta = 5.000000e-01 : f32}
  %5 = hgq.activation "hard_sigmoid" %4 {alpha = 0.2 : f32, beta = 0.5 : f32} : tensor<?x4xf32>
  // CHECK: hgq.activation "selu" %{{.*}} {alpha = 1.500000e+00 : f32, gamma = 1.000000e+00 : f32}
  %6 = hgq.activation "selu" %5 {alpha = 1.5 : f32, gamma = 1.0 : f32} : tensor<?x4xf32>
  // CHECK: hgq.activation "sin"
  %7 = hgq.activation "sin" %6 : tensor<?x4xf32>
  // CHECK: hgq.activation "linear"
  %8 = hgq.activation "linear" %7 : tensor<?x4xf32>
  // CHECK: hgq.unary_lut %{{.*}} {fn = "sin", input_format = #hgq.fixed<k = 1, i = 0, f = 1, rounding = TRN, overflow = WRAP>, table = dense<[0.000000e+00, 5.000000e-01, -1.000000e+00, -5.000000e-01]> : tensor<4xf32>} : tensor<?x4xf32>
  %9 = hgq.unary_lut %8 {table = dense<[0.0, 0.5, -1.0, -0.5]> : tensor<4xf32>, input_format = #hgq.fixed<k = 1, i = 0, f = 1, rounding = TRN, overflow = WRAP>, fn = "sin"} : tensor<?x4xf32>
  // CHECK: hgq.add %{{.*}}, %{{.*}} {quantizer = #hgq.quantizer<f = 3, rnd = standard_round>} : tensor<?x4xf32>
  %10 = hgq.add %9, %x {quantizer = #hgq.quantizer<f = 3, rnd = standard_round>} : tensor<?x4xf32>
  // CHECK: hgq.add %{{.*}}, %{{.*}} : tensor<?x4xf32>
  %11 = hgq.add %10, %10 : tensor<?x4xf32>
  return %11 : tensor<?x4xf32>
}

// CHECK-LABEL: func.func @pooling
func.func @pooling(%x: tensor<?x4x4x3xf32>, %y: tensor<?x8x3xf32>) -> (tensor<?x2x2x3xf32>, tensor<?x4x3xf32>, tensor<?x4x3xf32>, tensor<?x4x4x3xf32>) {
  // CHECK: hgq.max_pool %{{.*}} {window = array<i64: 2, 2>} : (tensor<?x4x4x3xf32>) -> tensor<?x2x2x3xf32>
  %0 = hgq.max_pool %x {window = array<i64: 2, 2>} : (tensor<?x4x4x3xf32>) -> tensor<?x2x2x3xf32>
  // CHECK: hgq.avg_pool %{{.*}} {strides = array<i64: 2>, window = array<i64: 2>} : (tensor<?x8x3xf32>) -> tensor<?x4x3xf32>
  %1 = hgq.avg_pool %y {window = array<i64: 2>, strides = array<i64: 2>} : (tensor<?x8x3xf32>) -> tensor<?x4x3xf32>
  // CHECK: hgq.max_pool %{{.*}} {pads = array<i64: 1, 0>, strides = array<i64: 2>, window = array<i64: 3>}
  %2 = hgq.max_pool %y {window = array<i64: 3>, strides = array<i64: 2>, pads = array<i64: 1, 0>} : (tensor<?x8x3xf32>) -> tensor<?x4x3xf32>
  // 'same' padding with window 2, stride 1, one cell padded after: the edge
  // windows hold one cell, still a power of two.
  // CHECK: hgq.avg_pool %{{.*}} {pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 1, 1>, window = array<i64: 2, 2>}
  %3 = hgq.avg_pool %x {window = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 1, 1>} : (tensor<?x4x4x3xf32>) -> tensor<?x4x4x3xf32>
  return %0, %1, %2, %3 : tensor<?x2x2x3xf32>, tensor<?x4x3xf32>, tensor<?x4x3xf32>, tensor<?x4x4x3xf32>
}

// CHECK-LABEL: func.func @shapes
func.func @shapes(%a: tensor<?x3xf32>, %b: tensor<?x5xf32>, %c: tensor<?x3x5xf32>) -> (tensor<?x8xf32>, tensor<?x5x3xf32>, tensor<?x15xf32>) {
  // CHECK: hgq.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<?x3xf32>, tensor<?x5xf32>) -> tensor<?x8xf32>
  %0 = hgq.concat %a, %b {axis = 1 : i64} : (tensor<?x3xf32>, tensor<?x5xf32>) -> tensor<?x8xf32>
  // CHECK: hgq.transpose %{{.*}} {permutation = array<i64: 0, 2, 1>} : (tensor<?x3x5xf32>) -> tensor<?x5x3xf32>
  %1 = hgq.transpose %c {permutation = array<i64: 0, 2, 1>} : (tensor<?x3x5xf32>) -> tensor<?x5x3xf32>
  // CHECK: hgq.reshape %{{.*}} : (tensor<?x5x3xf32>) -> tensor<?x15xf32>
  %2 = hgq.reshape %1 : (tensor<?x5x3xf32>) -> tensor<?x15xf32>
  return %0, %1, %2 : tensor<?x8xf32>, tensor<?x5x3xf32>, tensor<?x15xf32>
}
