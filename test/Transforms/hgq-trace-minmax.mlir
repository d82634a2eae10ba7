// hgq-trace-minmax on the model of test/Exec/layer-level.mlir, with the
// ranges, k and i worked out by hand (semantics.md 2).
//
// input_q element 0 (f = 1): values 1.5, -2.0 -> |min| 2: 1; max + 0.5 = 2: 1
//   -> k = 1, i = 1.  element 1 (f = 2): -0.5, 3.75 -> |min|: -1; 4.0: 2 -> i = 2
// dense_1 (scalar f = 2, linear): values 1.0, -1.0, 0.5, 4.0 -> min -1, max 4
//   -> |min| 1: 0; 4.25: 3 -> k = 1, i = 3
// dense_2 (relu, positive-only rule): max 2.5 -> floor(log2 2.5) + 1 = 2, k = 0
//
// RUN: /usr/bin/python3 -c "import numpy as np; np.save('%t.x.npy', np.array([[1.3, -0.6], [-2.2, 3.7]], np.float32))"
// RUN: hgq-opt %s --hgq-trace-minmax="calibration=%t.x.npy" 2>%t.table | FileCheck %s
// RUN: FileCheck %s --check-prefix=TABLE < %t.table

// CHECK: module attributes {hgq.calibration = {cover_factor = 1.000000e+00 : f64, samples = 2 : i64}}
// CHECK: hgq.quantize
// CHECK-SAME: hgq.trace_max = dense<[1.500000e+00, 3.750000e+00]> : tensor<2xf64>
// CHECK-SAME: hgq.trace_min = dense<[-2.000000e+00, -5.000000e-01]> : tensor<2xf64>
// CHECK-SAME: quantizer = #hgq.quantizer<f = dense<[1, 2]> : tensor<2xi8>, rnd = standard_round, k = 1, i = dense<[1, 2]> : tensor<2xi8>>
// CHECK: hgq.dense
// CHECK-SAME: hgq.trace_max = dense<4.000000e+00> : tensor<f64>
// CHECK-SAME: hgq.trace_min = dense<-1.000000e+00> : tensor<f64>
// CHECK-SAME: quantizer = #hgq.quantizer<f = 2, rnd = auto, k = 1, i = 3>
// CHECK: hgq.dense
// CHECK-SAME: hgq.trace_max = dense<2.500000e+00> : tensor<f64>
// CHECK-SAME: hgq.trace_min = dense<5.000000e-01> : tensor<f64>
// CHECK-SAME: quantizer = #hgq.quantizer<f = 1, rnd = auto, k = 0, i = 2>

// BOPs: dense_1 input widths [3, 5], kernel spans [[2, 1], [1, 1]]: 3*3 + 5*2 = 19
// dense_2 input width 6 (k=1, i=3, f=2), spans [1, 1]: 12. See
// hgq-estimate-bops.mlir for the EBOPs.
// TABLE: calibrated BOPs
// TABLE: dense_1 dense 19 27.0
// TABLE: dense_2 dense 12 10.0
// TABLE: total 31.0 37.0

// A cover factor of 2 widens the input range of element 0 to
// [-0.25 - 3.5, -0.25 + 3.5], rounded at f = 1: [-3.5, 3.5] -> i = 2.
// RUN: hgq-opt %s --hgq-trace-minmax="calibration=%t.x.npy cover-factor=2.0" 2>/dev/null | FileCheck %s --check-prefix=COVER
// COVER: cover_factor = 2.000000e+00
// COVER: quantizer = #hgq.quantizer<f = dense<[1, 2]> : tensor<2xi8>, rnd = standard_round, k = 1, i = dense<[2, 3]> : tensor<2xi8>>

// A second run replaces the ranges; with accumulate it merges them.
// RUN: /usr/bin/python3 -c "import numpy as np; np.save('%t.small.npy', np.array([[0.2, 0.2]], np.float32))"
// RUN: hgq-opt %s --hgq-trace-minmax="calibration=%t.x.npy" 2>/dev/null | hgq-opt --hgq-trace-minmax="calibration=%t.small.npy" 2>/dev/null | FileCheck %s --check-prefix=REPLACE
// RUN: hgq-opt %s --hgq-trace-minmax="calibration=%t.x.npy" 2>/dev/null | hgq-opt --hgq-trace-minmax="calibration=%t.small.npy accumulate=true" 2>/dev/null | FileCheck %s --check-prefix=ACCUMULATE
// REPLACE: hgq.trace_max = dense<[0.000000e+00, 2.500000e-01]> : tensor<2xf64>
// ACCUMULATE: hgq.trace_max = dense<[1.500000e+00, 3.750000e+00]> : tensor<2xf64>
// ACCUMULATE-SAME: hgq.trace_min = dense<[-2.000000e+00, -5.000000e-01]> : tensor<2xf64>

func.func @main(%x: tensor<?x2xf32> loc("inputs")) -> (tensor<?x2xf32>, tensor<?x1xf32>) {
  %q = hgq.quantize %x {quantizer = #hgq.quantizer<f = dense<[1, 2]> : tensor<2xi8>, rnd = standard_round>} : tensor<?x2xf32> loc("input_q")
  %d1 = hgq.dense %q {kernel = dense<[[0.75, -0.3], [0.5, 1.0]]> : tensor<2x2xf32>, bias = dense<[0.1, -0.2]> : tensor<2xf32>,
                      kernel_quantizer = #hgq.quantizer<f = 2, rnd = standard_round>,
                      quantizer = #hgq.quantizer<f = 2, rnd = auto>} : (tensor<?x2xf32>) -> tensor<?x2xf32> loc("dense_1")
  %d2 = hgq.dense %d1 {kernel = dense<[[1.0], [0.5]]> : tensor<2x1xf32>,
                       quantizer = #hgq.quantizer<f = 1, rnd = auto>,
                       activation = #hgq<layer_activation relu>} : (tensor<?x2xf32>) -> tensor<?x1xf32> loc("dense_2")
  return %d1, %d2 : tensor<?x2xf32>, tensor<?x1xf32>
}
