// RUN: hgq-translate --emit-hls %s -split-input-file -verify-diagnostics
// RUN: not hgq-translate --emit-hls %S/emit.mlir --io-type io_serial 2>&1 | FileCheck %s --check-prefix=IOTYPE
// IOTYPE: error: --emit-hls: io-type must be io_parallel or io_stream, got 'io_serial'
// IOTYPE-NOT: see current operation

func.func @main(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{the model is at layer level (HGQ quantizers without explicit formats); run hgq-opt --hgq-proxy-pipeline first}}
  %q = hgq.quantize %x {quantizer = #hgq.quantizer<f = 3, rnd = standard_round>} : tensor<?x2xf32>
  return %q : tensor<?x2xf32>
}

// -----

func.func @main(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{reads input 0 before any quantizer; the design needs fixed-point inputs}}
  %d = hgq.dense %x {kernel = dense<0.5> : tensor<2x2xf32>} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %d : tensor<?x2xf32>
}

// -----

func.func @main(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %q = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 2, f = 3, rounding = RND, overflow = SAT>} : tensor<?x2xf32>
  // expected-error @+1 {{activation 'elu' has no bit-exact fixed-point implementation at proxy level}}
  %s = hgq.activation "elu" %q : tensor<?x2xf32>
  return %s : tensor<?x2xf32>
}

// -----

func.func @main(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{a per-element input quantizer must round with TRN or RND (the input port is one type); this one uses RND_CONV}}
  %q = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 2, f = dense<[3, 4]> : tensor<2xi8>, rounding = RND_CONV, overflow = SAT>} : tensor<?x2xf32>
  return %q : tensor<?x2xf32>
}

// -----

func.func @main(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %q = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 2, f = 3, rounding = RND, overflow = SAT>} : tensor<?x2xf32>
  // expected-error @+1 {{computes in float32, which hardware fixed-point arithmetic cannot reproduce exactly}}
  %b = hgq.batchnorm %q {gamma = dense<1.0> : tensor<2xf32>, beta = dense<0.0> : tensor<2xf32>, mean = dense<0.5> : tensor<2xf32>, variance = dense<2.0> : tensor<2xf32>, epsilon = 1.0e-3 : f64} : tensor<?x2xf32>
  return %b : tensor<?x2xf32>
}
