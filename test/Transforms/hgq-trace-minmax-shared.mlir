// hgq-trace-minmax with bit widths shared along a dimension, worked out by
// hand (semantics.md 2): per channel (bits (1, 3) on (2, 3) features: each
// channel's record covers both rows) and per row (bits (2, 1): each row's
// record covers its three channels). Two samples, f = 2, values exact:
//   s0 = [[0.5, -1.0, 3.0], [1.25, 0.0, -0.25]]
//   s1 = [[-2.0, 0.75, 0.5], [0.25, 6.0, 1.0]]
// per channel: c0 min -2, max 1.25 -> |min| 2: 1; 1.5: 1 -> i = 1
//              c1 min -1, max 6    -> |min| 1: 0; 6.25: 3 -> i = 3
//              c2 min -0.25, max 3 -> |min|: -2; 3.25: 2 -> i = 2
// per row:     r0 min -2, max 3    -> 1; 3.25: 2 -> i = 2
//              r1 min -0.25, max 6 -> -2; 6.25: 3 -> i = 3
// k = 1 everywhere (every record has a negative minimum).
//
// RUN: /usr/bin/python3 -c "import numpy as np; np.save('%t.x.npy', np.array([[[0.5, -1.0, 3.0], [1.25, 0.0, -0.25]], [[-2.0, 0.75, 0.5], [0.25, 6.0, 1.0]]], np.float32))"
// RUN: hgq-opt %s --hgq-trace-minmax="calibration=%t.x.npy" 2>/dev/null | FileCheck %s

// CHECK: hgq.quantize
// CHECK-SAME: hgq.trace_max = dense<{{\[\[}}1.250000e+00, 6.000000e+00, 3.000000e+00{{\]\]}}>
// CHECK-SAME: hgq.trace_min = dense<{{\[\[}}-2.000000e+00, -1.000000e+00, -2.500000e-01{{\]\]}}>
// CHECK-SAME: k = 1, i = dense<{{\[\[}}1, 3, 2{{\]\]}}> : tensor<1x3xi8>
// CHECK: hgq.quantize
// CHECK-SAME: hgq.trace_max = dense<{{\[\[}}3.000000e+00], [6.000000e+00{{\]\]}}>
// CHECK-SAME: hgq.trace_min = dense<{{\[\[}}-2.000000e+00], [-2.500000e-01{{\]\]}}>
// CHECK-SAME: k = 1, i = dense<{{\[\[}}2], [3{{\]\]}}> : tensor<2x1xi8>
func.func @main(%x: tensor<?x2x3xf32>) -> (tensor<?x2x3xf32>, tensor<?x2x3xf32>) {
  %a = hgq.quantize %x {quantizer = #hgq.quantizer<f = dense<2> : tensor<1x3xi8>, rnd = standard_round>} : tensor<?x2x3xf32> loc("per_channel")
  %b = hgq.quantize %x {quantizer = #hgq.quantizer<f = dense<2> : tensor<2x1xi8>, rnd = standard_round>} : tensor<?x2x3xf32> loc("per_row")
  return %a, %b : tensor<?x2x3xf32>, tensor<?x2x3xf32>
}
