// What cannot become a table: tanh and sigmoid stay activations (a remark);
// any other function is an error naming the layer and what it would need.
// RUN: hgq-opt %s -split-input-file -verify-diagnostics --hgq-lower-unary-lut="max-table-size=3"
// RUN: hgq-opt %S/Inputs/lut-size.mlir -verify-diagnostics --hgq-lower-unary-lut="max-table-size=0"

func.func @tanh_too_big(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %q = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 0, f = 1, rounding = TRN, overflow = WRAP>} : tensor<?x4xf32>
  // expected-remark @+1 {{kept as an activation: its table would need 2^2 entries (4), more than max-table-size = 3}}
  %s = hgq.activation "tanh" %q : tensor<?x4xf32>
  %o = hgq.quantize %s {format = #hgq.fixed<k = 1, i = 0, f = 3, rounding = RND, overflow = SAT>} : tensor<?x4xf32>
  return %o : tensor<?x4xf32>
}

// -----

func.func @not_quantized(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.activation' op hgq-lower-unary-lut: 'exp' has no implementation but a lookup table, and its input is not quantized to an explicit format, so no table index exists}}
  %s = hgq.activation "exp" %x : tensor<?x2xf32>
  %o = hgq.quantize %s {format = #hgq.fixed<k = 1, i = 2, f = 3, rounding = RND, overflow = SAT>} : tensor<?x2xf32>
  return %o : tensor<?x2xf32>
}

// -----

func.func @layer_level(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'hgq.activation' op hgq-lower-unary-lut: 'sin' has no implementation but a lookup table, and it is at layer level; run hgq-to-proxy first}}
  %s = hgq.activation "sin" %x {quantizer = #hgq.quantizer<f = 3, rnd = floor, k = 1, i = 0>} : tensor<?x2xf32>
  return %s : tensor<?x2xf32>
}

// -----

func.func @output_not_quantized(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %q = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 0, f = 0, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
  // expected-remark @+1 {{kept as an activation: its output is not quantized to one format for every element}}
  %s = hgq.activation "sigmoid" %q : tensor<?x2xf32>
  %r = hgq.activation "relu" %s : tensor<?x2xf32>
  return %r : tensor<?x2xf32>
}
