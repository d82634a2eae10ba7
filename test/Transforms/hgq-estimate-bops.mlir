// hgq-estimate-bops on hand-checked models: a traced dense MLP (ranges that
// came with the model: "free") and a proxy-level conv / pool / add / LUT.
//
// RUN: hgq-opt %s --hgq-estimate-bops="bops-json=%t.json" 2>%t.table | FileCheck %s
// RUN: FileCheck %s --check-prefix=TABLE < %t.table
// RUN: FileCheck %s --check-prefix=JSON < %t.json

// Totals: BOPs 31 + 21, EBOPs 37 + (42 + 24 + 7.8 + 0.0008).
// CHECK: module attributes {hgq.bops_total = 5.200000e+01 : f64, hgq.ebops_total = 110.8008{{[0-9]*}} : f64}

// dense_1: input widths [3, 5] (nominal, sign excluded: [2, 4]); quantized
// kernel [[0.75, -0.25], [0.5, 1.0]]: spans [[2, 1], [1, 1]] -> BOPs 19;
// bits down to f = 2: [[2, 1], [2, 3]] -> 2*3 + 4*5 = 26, plus the bias term
// mean([0, 1]) * 2 outputs = 1 -> EBOPs 27.
// CHECK-LABEL: func.func @mlp
// CHECK: hgq.dense {{.*}} {{{.*}}hgq.bops = 1.900000e+01 : f64, hgq.ebops = 2.700000e+01 : f64
// dense_2: input width 6 (nominal 5), spans and bits [1, 1] -> 12 and 10.
// CHECK: hgq.dense {{.*}} {{{.*}}hgq.bops = 1.200000e+01 : f64, hgq.ebops = 1.000000e+01 : f64
func.func @mlp(%x: tensor<?x2xf32>) -> tensor<?x1xf32> {
  %q = hgq.quantize %x {quantizer = #hgq.quantizer<f = dense<[1, 2]> : tensor<2xi8>, rnd = standard_round, k = 1, i = dense<[1, 2]> : tensor<2xi8>>} : tensor<?x2xf32> loc("input_q")
  %d1 = hgq.dense %q {kernel = dense<[[0.75, -0.3], [0.5, 1.0]]> : tensor<2x2xf32>, bias = dense<[0.1, -0.2]> : tensor<2xf32>,
                      kernel_quantizer = #hgq.quantizer<f = 2, rnd = standard_round>,
                      quantizer = #hgq.quantizer<f = 2, rnd = auto, k = 1, i = 3>} : (tensor<?x2xf32>) -> tensor<?x2xf32> loc("dense_1")
  %d2 = hgq.dense %d1 {kernel = dense<[[1.0], [0.5]]> : tensor<2x1xf32>,
                       quantizer = #hgq.quantizer<f = 1, rnd = auto, k = 0, i = 2>,
                       activation = #hgq<layer_activation relu>} : (tensor<?x2xf32>) -> tensor<?x1xf32> loc("dense_2")
  return %d2 : tensor<?x1xf32>
}

// conv_1: input widths 3 (ufixed<3,2>), kernel spans [1, 2, 1], pads 1/1:
// windows 9 + 12 + 12 + 9 = 42 for the full layer; per position with
// parallel_factor 2: 42 * 2 / 4 = 21. EBOPs (bits = spans here): 42.
// pool_1 EBOPs: the sum of its input bits, 4 x 6 (SAT counts the sign) = 24.
// add_1: 0.65 * (12 + 12 - 12) = 7.8.  lut_1: 1e-4 * 2 * 2^2 * 1 = 0.0008.
// CHECK-LABEL: func.func @conv
// CHECK: hgq.conv {{.*}} {{{.*}}hgq.bops = 4.200000e+01 : f64, hgq.bops_per_position = 2.100000e+01 : f64, hgq.ebops = 4.200000e+01 : f64
// CHECK: hgq.max_pool {{.*}} {hgq.ebops = 2.400000e+01 : f64
// CHECK: hgq.add {{.*}} {hgq.ebops = 7.8{{0*[0-9]*}} : f64, hgq.name = "add_1"}
// CHECK: hgq.unary_lut {{.*}} {fn = "sin", hgq.ebops = 8.000000e-04 : f64
func.func @conv(%x: tensor<?x4x1xf32>) -> tensor<?x2x1xf32> {
  %q = hgq.quantize %x {format = #hgq.fixed<k = 0, i = 2, f = 1, rounding = RND, overflow = WRAP>} : tensor<?x4x1xf32> loc("input_q")
  %c = hgq.conv %q {kernel = dense<[[[0.5]], [[0.75]], [[4.0]]]> : tensor<3x1x1xf32>, pads = array<i64: 1, 1>, parallel_factor = 2 : i64} : (tensor<?x4x1xf32>) -> tensor<?x4x1xf32> loc("conv_1")
  %cq = hgq.quantize %c {format = #hgq.fixed<k = 1, i = 3, f = 2, rounding = RND, overflow = SAT>} : tensor<?x4x1xf32> loc("conv_1_q")
  %p = hgq.max_pool %cq {window = array<i64: 2>} : (tensor<?x4x1xf32>) -> tensor<?x2x1xf32> loc("pool_1")
  %s = hgq.add %p, %p : tensor<?x2x1xf32> loc("add_1")
  %l = hgq.unary_lut %p {table = dense<[0.0, 0.5, -1.0, -0.5]> : tensor<4xf32>, input_format = #hgq.fixed<k = 1, i = 1, f = 0, rounding = TRN, overflow = WRAP>, fn = "sin"} : tensor<?x2x1xf32> loc("lut_1")
  return %l : tensor<?x2x1xf32>
}

// TABLE: @mlp: free BOPs
// TABLE: dense_1 dense 19 27.0
// TABLE: dense_2 dense 12 10.0
// TABLE: total 31.0 37.0
// TABLE: @conv: free BOPs
// TABLE: conv_1 conv 21.0 [42] 42.0
// TABLE: pool_1 pool - 24.0
// TABLE: add_1 add - 7.8
// TABLE: lut_1 lut - 0.0
// TABLE: total 21.0 73.8

// JSON: "schema": "hgq-bops/1"
// JSON: "function": "mlp"
// JSON: "ranges": "free"
// JSON: "total_bops": 31,
// JSON: "function": "conv"
// JSON: "name": "conv_1",
// JSON-NEXT: "kind": "conv",
// JSON-NEXT: "bops_full_layer": 42,
// JSON-NEXT: "bops_per_position": 21,
// JSON-NEXT: "ebops": 42
