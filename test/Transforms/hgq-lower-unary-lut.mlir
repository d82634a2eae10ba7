// hgq-lower-unary-lut (semantics.md 4.3), table by hand: input fixed<2,1>
// (k = 1, i = 0, f = 1): indexes 0..3 are 0, 0.5, then 0 - 1, 0.5 - 1. sin
// quantized to fixed<4,1> with RND: sin(0.5) = 0.479 -> 0.5;
// sin(-1) = -0.841 -> -0.875; sin(-0.5) -> -0.5.
// RUN: hgq-opt %s --hgq-lower-unary-lut="max-table-size=4" | FileCheck %s
// RUN: not hgq-opt %s --hgq-lower-unary-lut="max-table-size=3" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SMALL

// The boundary: 2^W_in = max-table-size is accepted.
// CHECK-LABEL: func.func @sin
// CHECK:      %[[Q:.*]] = hgq.quantize
// CHECK-NEXT: %[[L:.*]] = hgq.unary_lut %[[Q]] {fn = "sin", hgq.table_t = #hgq.fixed<k = 1, i = 0, f = 3, rounding = TRN, overflow = WRAP>, input_format = #hgq.fixed<k = 1, i = 0, f = 1, rounding = TRN, overflow = WRAP>, table = dense<[0.000000e+00, 5.000000e-01, -8.750000e-01, -5.000000e-01]> : tensor<4xf32>}
// CHECK-NEXT: return %[[L]]
// SMALL: error: 'hgq.activation' op hgq-lower-unary-lut: 'sin' has no implementation but a lookup table, and its table would need 2^2 entries (4), more than max-table-size = 3
func.func @sin(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %q = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 0, f = 1, rounding = TRN, overflow = WRAP>} : tensor<?x4xf32>
  %s = hgq.activation "sin" %q : tensor<?x4xf32>
  %o = hgq.quantize %s {format = #hgq.fixed<k = 1, i = 0, f = 3, rounding = RND, overflow = SAT>} : tensor<?x4xf32>
  return %o : tensor<?x4xf32>
}

