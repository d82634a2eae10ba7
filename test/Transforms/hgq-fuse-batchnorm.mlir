// hgq-fuse-batchnorm (semantics.md 4.2), numbers by hand: s = gamma /
// sqrt(variance + epsilon).
// RUN: hgq-opt %s -split-input-file --hgq-fuse-batchnorm -verify-diagnostics | FileCheck %s

// Float layer, ONNX semantics: s = [0.5, 2]; W * s; (b - mean) * s + beta
// = [(1 - 1) * 0.5 + 0.5, (0 - 0.5) * 2 - 1] = [0.5, -2].
// CHECK-LABEL: func.func @float_layer
// CHECK:      hgq.dense %{{.*}} {bias = dense<[5.000000e-01, -2.000000e+00]> : tensor<2xf32>, kernel = dense<{{\[\[}}1.000000e+00, 2.000000e+00], [5.000000e-01, -4.000000e+00]]> : tensor<2x2xf32>}
// CHECK-NOT:  hgq.batchnorm
func.func @float_layer(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %d = hgq.dense %x {kernel = dense<[[2.0, 1.0], [1.0, -2.0]]> : tensor<2x2xf32>, bias = dense<[1.0, 0.0]> : tensor<2xf32>} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  %b = hgq.batchnorm %d {gamma = dense<[1.0, 1.0]> : tensor<2xf32>, beta = dense<[0.5, -1.0]> : tensor<2xf32>, mean = dense<[1.0, 0.5]> : tensor<2xf32>, variance = dense<[4.0, 0.25]> : tensor<2xf32>, epsilon = 0.0 : f64} : tensor<?x2xf32>
  return %b : tensor<?x2xf32>
}

// -----

// A float layer without a bias gets one: -mean * s + beta.
// CHECK-LABEL: func.func @float_no_bias
// CHECK: hgq.dense %{{.*}} {bias = dense<-5.000000e-01> : tensor<1xf32>, kernel = dense<1.000000e+00> : tensor<1x1xf32>}
func.func @float_no_bias(%x: tensor<?x1xf32>) -> tensor<?x1xf32> {
  %d = hgq.dense %x {kernel = dense<2.0> : tensor<1x1xf32>} : (tensor<?x1xf32>) -> tensor<?x1xf32>
  %b = hgq.batchnorm %d {gamma = dense<1.0> : tensor<1xf32>, beta = dense<0.5> : tensor<1xf32>, mean = dense<2.0> : tensor<1xf32>, variance = dense<4.0> : tensor<1xf32>, epsilon = 0.0 : f64} : tensor<?x1xf32>
  return %b : tensor<?x1xf32>
}

// -----

// HGQ layer (kernel quantizer) without a bias: only the scale, no shift; the
// kernel quantizer stays and applies to the fused kernel.
// CHECK-LABEL: func.func @hgq_no_bias
// CHECK:     hgq.dense %{{.*}} {kernel = dense<1.000000e+00> : tensor<1x1xf32>, kernel_quantizer = #hgq.quantizer<f = 3, rnd = standard_round>}
// CHECK-NOT: bias
func.func @hgq_no_bias(%x: tensor<?x1xf32>) -> tensor<?x1xf32> {
  %d = hgq.dense %x {kernel = dense<2.0> : tensor<1x1xf32>, kernel_quantizer = #hgq.quantizer<f = 3, rnd = standard_round>} : (tensor<?x1xf32>) -> tensor<?x1xf32>
  %b = hgq.batchnorm %d {gamma = dense<1.0> : tensor<1xf32>, beta = dense<0.5> : tensor<1xf32>, mean = dense<2.0> : tensor<1xf32>, variance = dense<4.0> : tensor<1xf32>, epsilon = 0.0 : f64} : tensor<?x1xf32>
  return %b : tensor<?x1xf32>
}

// -----

// Convolution: the output channel is the kernel's last dimension.
// CHECK-LABEL: func.func @conv
// CHECK: hgq.conv %{{.*}} {bias = dense<[0.000000e+00, 1.000000e+00]> : tensor<2xf32>, kernel = dense<{{\[\[\[}}5.000000e-01, 2.000000e+00]]]> : tensor<1x1x2xf32>}
func.func @conv(%x: tensor<?x4x1xf32>) -> tensor<?x4x2xf32> {
  %c = hgq.conv %x {kernel = dense<1.0> : tensor<1x1x2xf32>} : (tensor<?x4x1xf32>) -> tensor<?x4x2xf32>
  %b = hgq.batchnorm %c {gamma = dense<[1.0, 1.0]> : tensor<2xf32>, beta = dense<[0.0, 1.0]> : tensor<2xf32>, mean = dense<0.0> : tensor<2xf32>, variance = dense<[4.0, 0.25]> : tensor<2xf32>, epsilon = 0.0 : f64} : tensor<?x4x2xf32>
  return %b : tensor<?x4x2xf32>
}

// -----

// What stays separate, and why.
func.func @quantized_output(%x: tensor<?x1xf32>) -> tensor<?x1xf32> {
  %d = hgq.dense %x {kernel = dense<2.0> : tensor<1x1xf32>, quantizer = #hgq.quantizer<f = 2, rnd = floor>} : (tensor<?x1xf32>) -> tensor<?x1xf32>
  // expected-remark @+1 {{not fused: the layer before it already quantizes or applies a ReLU to its output, so the normalization cannot move into its weights}}
  %b = hgq.batchnorm %d {gamma = dense<1.0> : tensor<1xf32>, beta = dense<0.5> : tensor<1xf32>, mean = dense<2.0> : tensor<1xf32>, variance = dense<4.0> : tensor<1xf32>, epsilon = 0.0 : f64} : tensor<?x1xf32>
  return %b : tensor<?x1xf32>
}

// -----

func.func @two_uses(%x: tensor<?x1xf32>) -> (tensor<?x1xf32>, tensor<?x1xf32>) {
  %d = hgq.dense %x {kernel = dense<2.0> : tensor<1x1xf32>} : (tensor<?x1xf32>) -> tensor<?x1xf32>
  // expected-remark @+1 {{not fused: the layer's output is also used without the normalization}}
  %b = hgq.batchnorm %d {gamma = dense<1.0> : tensor<1xf32>, beta = dense<0.5> : tensor<1xf32>, mean = dense<2.0> : tensor<1xf32>, variance = dense<4.0> : tensor<1xf32>, epsilon = 0.0 : f64} : tensor<?x1xf32>
  return %b, %d : tensor<?x1xf32>, tensor<?x1xf32>
}

// -----

func.func @proxy_weights(%x: tensor<?x1xf32>) -> tensor<?x1xf32> {
  %q = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 2, f = 2, rounding = RND, overflow = SAT>} : tensor<?x1xf32>
  %d = hgq.dense %q {kernel = dense<2.0> : tensor<1x1xf32>} : (tensor<?x1xf32>) -> tensor<?x1xf32>
  // expected-remark @+1 {{not fused: the layer is already in the proxy form, and scaling its weights would change quantized values}}
  %b = hgq.batchnorm %d {gamma = dense<1.0> : tensor<1xf32>, beta = dense<0.5> : tensor<1xf32>, mean = dense<2.0> : tensor<1xf32>, variance = dense<4.0> : tensor<1xf32>, epsilon = 0.0 : f64} : tensor<?x1xf32>
  return %b : tensor<?x1xf32>
}

// -----

func.func @no_layer(%x: tensor<?x1xf32>) -> tensor<?x1xf32> {
  // expected-remark @+1 {{not fused: no dense or convolution layer before it; it runs as a float op}}
  %b = hgq.batchnorm %x {gamma = dense<1.0> : tensor<1xf32>, beta = dense<0.5> : tensor<1xf32>, mean = dense<2.0> : tensor<1xf32>, variance = dense<4.0> : tensor<1xf32>, epsilon = 0.0 : f64} : tensor<?x1xf32>
  return %b : tensor<?x1xf32>
}
