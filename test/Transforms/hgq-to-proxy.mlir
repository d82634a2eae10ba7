// hgq-to-proxy on hand-checked layers (semantics.md 4).
// RUN: hgq-opt %s -split-input-file --hgq-to-proxy | FileCheck %s
// RUN: hgq-opt %s -split-input-file --hgq-to-proxy="aggressive=false" | FileCheck %s --check-prefix=SAT

// Input quantizer: the traced (k, i, f), RND, WRAP (SAT when not aggressive).
// dense_1: kernel quantized to f = 2 ([[0.75, -0.3], [0.5, 1.0]] ->
// [[0.75, -0.25], [0.5, 1.0]]); bias quantized at f = 2 ([0.1, -0.2] ->
// [0, -0.25]) plus 2^-3 because the bias absorbs the rounding (auto, scalar
// width): [0.125, -0.125], and the quantizer truncates.
// weight_t fixed<4,2> holds [-0.25, 1.0]; bias_t fixed<2,-1> holds
// +-0.125; accum_t: inputs fixed<5,3> (k=1, i=2, f=2) times weights (f=2):
// f = 4, |sum| <= (0.75 + 0.5) * 4 + 0.125 = 5.125 -> i = 3: fixed<8,4>.
// CHECK-LABEL: func.func @dense
// CHECK:      %[[Q:.*]] = hgq.quantize %{{.*}} {format = #hgq.fixed<k = 1, i = dense<[1, 2]> : tensor<2xi8>, f = dense<[1, 2]> : tensor<2xi8>, rounding = RND, overflow = WRAP>, hgq.result_t = #hgq.fixed<k = 1, i = 2, f = 2, rounding = RND, overflow = WRAP>}
// CHECK-NEXT: %[[D:.*]] = hgq.dense %[[Q]] {bias = dense<[1.250000e-01, -1.250000e-01]> : tensor<2xf32>, hgq.accum_t = #hgq.fixed<k = 1, i = 3, f = 4, rounding = TRN, overflow = WRAP>, hgq.bias_t = #hgq.fixed<k = 1, i = -2, f = 3, rounding = TRN, overflow = WRAP>, hgq.result_t = #hgq.fixed<k = 1, i = 3, f = 3, rounding = TRN, overflow = WRAP>, hgq.weight_t = #hgq.fixed<k = 1, i = 1, f = 2, rounding = TRN, overflow = WRAP>, kernel = dense<{{\[\[}}7.500000e-01, -2.500000e-01], [5.000000e-01, 1.000000e+00]]> : tensor<2x2xf32>}
// CHECK-NEXT: hgq.quantize %[[D]] {format = #hgq.fixed<k = 1, i = 3, f = 2, rounding = TRN, overflow = WRAP>
// SAT-LABEL: func.func @dense
// SAT: overflow = SAT
func.func @dense(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %q = hgq.quantize %x {quantizer = #hgq.quantizer<f = dense<[1, 2]> : tensor<2xi8>, rnd = standard_round, k = 1, i = dense<[1, 2]> : tensor<2xi8>>} : tensor<?x2xf32>
  %d = hgq.dense %q {kernel = dense<[[0.75, -0.3], [0.5, 1.0]]> : tensor<2x2xf32>, bias = dense<[0.1, -0.2]> : tensor<2xf32>,
                     kernel_quantizer = #hgq.quantizer<f = 2, rnd = standard_round>,
                     quantizer = #hgq.quantizer<f = 2, rnd = auto, k = 1, i = 3>} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %d : tensor<?x2xf32>
}

// -----

// A ReLU layer splits into fq1 -> relu -> fq2. fq1 comes from the general
// rule on the recorded range [0.5, 2.5] at f = 1: |min| -> -1, 2.5 + 0.5 = 3
// -> 2: ufixed<3,2>; it truncates, with no extra bit because the final
// rounding is TRN (auto without a bias). fq2 is the traced positive-only
// format.
// CHECK-LABEL: func.func @relu
// CHECK:      %[[D:.*]] = hgq.dense
// CHECK-NOT:  activation
// CHECK-NEXT: %[[F1:.*]] = hgq.quantize %[[D]] {format = #hgq.fixed<k = 0, i = 2, f = 1, rounding = TRN, overflow = WRAP>
// CHECK-NEXT: %[[R:.*]] = hgq.activation "relu" %[[F1]] {hgq.name = "hgq.dense_relu", hgq.result_t = #hgq.fixed<k = 0, i = 2, f = 1, rounding = TRN, overflow = WRAP>}
// CHECK-NEXT: hgq.quantize %[[R]] {format = #hgq.fixed<k = 0, i = 2, f = 1, rounding = TRN, overflow = WRAP>
// CHECK-NOT:  hgq.trace_min
func.func @relu(%x: tensor<?x2xf32>) -> tensor<?x1xf32> {
  %q = hgq.quantize %x {quantizer = #hgq.quantizer<f = 2, rnd = standard_round, k = 1, i = 3>} : tensor<?x2xf32>
  %d = hgq.dense %q {kernel = dense<[[1.0], [0.5]]> : tensor<2x1xf32>, hgq.trace_max = dense<2.5> : tensor<f64>, hgq.trace_min = dense<0.5> : tensor<f64>,
                     quantizer = #hgq.quantizer<f = 1, rnd = auto, k = 0, i = 2>, activation = #hgq<layer_activation relu>} : (tensor<?x2xf32>) -> tensor<?x1xf32>
  return %d : tensor<?x1xf32>
}

// -----

// With RND and a range reaching -0.75, fq1 is signed and keeps one more
// fractional bit than fq2: floor(z*2^(f+1)) then RND at f is RND at f.
// CHECK-LABEL: func.func @relu_rnd
// CHECK: hgq.quantize %{{.*}} {format = #hgq.fixed<k = 1, i = 2, f = 3, rounding = TRN, overflow = WRAP>
// CHECK: hgq.activation "relu"
// CHECK: hgq.quantize %{{.*}} {format = #hgq.fixed<k = 0, i = 2, f = 2, rounding = RND, overflow = WRAP>
func.func @relu_rnd(%x: tensor<?x2xf32>) -> tensor<?x1xf32> {
  %q = hgq.quantize %x {quantizer = #hgq.quantizer<f = 2, rnd = standard_round, k = 1, i = 3>} : tensor<?x2xf32>
  %d = hgq.dense %q {kernel = dense<[[1.0], [0.5]]> : tensor<2x1xf32>, hgq.trace_max = dense<2.5> : tensor<f64>, hgq.trace_min = dense<-0.75> : tensor<f64>,
                     quantizer = #hgq.quantizer<f = 2, rnd = standard_round, k = 0, i = 2>, activation = #hgq<layer_activation relu>} : (tensor<?x2xf32>) -> tensor<?x1xf32>
  return %d : tensor<?x1xf32>
}

// -----

// A dead channel (k + i + f = 0) loses its bias; the live one absorbs the
// rounding: 0.3 at f = 2 -> 0.25, + 0.125.
// CHECK-LABEL: func.func @dead_channel
// CHECK: hgq.dense %{{.*}} {bias = dense<[0.000000e+00, 3.750000e-01]> : tensor<2xf32>
// CHECK: hgq.quantize %{{.*}} {format = #hgq.fixed<k = 0, i = dense<[-2, 1]> : tensor<2xi8>, f = 2, rounding = TRN, overflow = WRAP>
func.func @dead_channel(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %q = hgq.quantize %x {quantizer = #hgq.quantizer<f = 2, rnd = standard_round, k = 1, i = 3>} : tensor<?x2xf32>
  %d = hgq.dense %q {kernel = dense<1.0> : tensor<2x2xf32>, bias = dense<0.3> : tensor<2xf32>,
                     quantizer = #hgq.quantizer<f = 2, rnd = standard_round, k = 0, i = dense<[-2, 1]> : tensor<2xi8>>} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %d : tensor<?x2xf32>
}

// -----

// Signature: a truncating quantizer. HActivation: the activation, then its
// quantizer. HAdd: the add, then its quantizer. Linear activations go.
// CHECK-LABEL: func.func @others
// CHECK:      %[[S:.*]] = hgq.quantize %{{.*}} {format = #hgq.fixed<k = 1, i = 3, f = 4, rounding = TRN, overflow = WRAP>
// CHECK-NEXT: %[[T:.*]] = hgq.activation "tanh" %[[S]] {hgq.result_t = #hgq.fixed<k = 1, i = 0, f = 17, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
// CHECK-NEXT: %[[TQ:.*]] = hgq.quantize %[[T]] {format = #hgq.fixed<k = 1, i = 0, f = 5, rounding = TRN, overflow = WRAP>
// CHECK-NEXT: %[[A:.*]] = hgq.add %[[TQ]], %[[S]] {hgq.result_t = #hgq.fixed<k = 1, i = 4, f = 5, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
// CHECK-NEXT: %[[AQ:.*]] = hgq.quantize %[[A]] {format = #hgq.fixed<k = 1, i = 4, f = 3, rounding = RND, overflow = WRAP>
// CHECK-NEXT: return %[[AQ]]
func.func @others(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %s = hgq.signature %x {format = #hgq.fixed<k = 1, i = 3, f = 4, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
  %t = hgq.activation "tanh" %s {quantizer = #hgq.quantizer<f = 5, rnd = floor, k = 1, i = 0>} : tensor<?x2xf32>
  %a = hgq.add %t, %s {quantizer = #hgq.quantizer<f = 3, rnd = standard_round, k = 1, i = 4>} : tensor<?x2xf32>
  %l = hgq.activation "linear" %a : tensor<?x2xf32>
  return %l : tensor<?x2xf32>
}

// -----

// Every fixed-point op gets its result_t (the collapse of its exact element
// formats: average pooling of 2 cells adds a fractional bit, flatten copies;
// the dense sum is exact at i = 3, f = 5), and a dense layer fed through
// pooling and flatten its accum_t from that: inputs fixed<7,3> (k=1, i=2,
// f=4) times weights 0.5 (f=1): f = 5, |sum| <= 4 * 4 * 0.5 = 8 (+ one LSB)
// -> i = 4: fixed<10,5>.
// CHECK-LABEL: func.func @through_pooling
// CHECK: hgq.avg_pool %{{.*}} {hgq.result_t = #hgq.fixed<k = 1, i = 2, f = 4, rounding = TRN, overflow = WRAP>
// CHECK: hgq.flatten %{{.*}} {hgq.result_t = #hgq.fixed<k = 1, i = 2, f = 4, rounding = TRN, overflow = WRAP>}
// CHECK: hgq.dense %{{.*}} {hgq.accum_t = #hgq.fixed<k = 1, i = 4, f = 5, rounding = TRN, overflow = WRAP>, hgq.result_t = #hgq.fixed<k = 1, i = 3, f = 5, rounding = TRN, overflow = WRAP>, hgq.weight_t = #hgq.fixed<k = 0, i = 0, f = 1, rounding = TRN, overflow = WRAP>
func.func @through_pooling(%x: tensor<?x4x2xf32>) -> tensor<?x1xf32> {
  %s = hgq.signature %x {format = #hgq.fixed<k = 1, i = 2, f = 3, rounding = TRN, overflow = WRAP>} : tensor<?x4x2xf32>
  %p = hgq.avg_pool %s {strides = array<i64: 2>, window = array<i64: 2>} : (tensor<?x4x2xf32>) -> tensor<?x2x2xf32>
  %f = hgq.flatten %p : (tensor<?x2x2xf32>) -> tensor<?x4xf32>
  %d = hgq.dense %f {kernel = dense<0.5> : tensor<4x1xf32>} : (tensor<?x4xf32>) -> tensor<?x1xf32>
  return %d : tensor<?x1xf32>
}
