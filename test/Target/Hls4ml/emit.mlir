// --emit-hls4ml: hls4ml class names, per-element quantizers in hls4ml's
// keep_negative/bits/integers view, precision strings and the configuration.
// RUN: hgq-translate --emit-hls4ml %s | FileCheck %s

// CHECK:      "schema": "hgq-hls4ml/1",
// CHECK:      "name": "inputs",
// CHECK-NEXT: "class_name": "InputLayer",
// CHECK:      "name": "q",
// CHECK-NEXT: "class_name": "FixedPointQuantizer",
// CHECK:      "keep_negative": {
// CHECK-NEXT:   "shape": [
// CHECK-NEXT:     2
// CHECK-NEXT:   ],
// CHECK-NEXT:   "data": [
// CHECK-NEXT:     1,
// CHECK-NEXT:     0
// CHECK:      "bits": {
// CHECK:        "data": [
// CHECK-NEXT:     5,
// CHECK-NEXT:     3
// CHECK:      "integers": {
// CHECK:        "data": [
// CHECK-NEXT:     3,
// CHECK-NEXT:     2
// CHECK:      "RND": "RND",
// CHECK-NEXT: "SAT": "SAT",
// CHECK-NEXT: "precision": {
// CHECK-NEXT:   "result": "fixed<5,3,RND,SAT>"
// CHECK:      "name": "dense",
// CHECK-NEXT: "class_name": "Dense",
// CHECK:      "n_in": 2,
// CHECK-NEXT: "n_out": 1,
// CHECK:      "precision": {
// CHECK-NEXT:   "accum": "fixed<8,4,TRN,WRAP>",
// CHECK-NEXT:   "weight": "ufixed<2,1,TRN,WRAP>"
// CHECK-NEXT: },
// CHECK-NEXT: "bops": 10
// CHECK:      "outputs": [
// CHECK:        "name": "dense"
// CHECK:      "config": {
// CHECK-NEXT:   "Model": {
// CHECK-NEXT:     "Precision": "fixed<16,6>",
// CHECK-NEXT:     "ReuseFactor": 1,
// CHECK-NEXT:     "Strategy": "Latency",
// CHECK-NEXT:     "BitExact": true
// CHECK-NEXT:   },
// CHECK-NEXT:   "IOType": "io_parallel",
// CHECK-NEXT:   "LayerName": {
// CHECK-NEXT:     "dense": {
// CHECK-NEXT:       "Precision": {
// CHECK-NEXT:         "accum": "fixed<8,4,TRN,WRAP>",
// CHECK-NEXT:         "weight": "ufixed<2,1,TRN,WRAP>"
// CHECK:          "q": {
// CHECK-NEXT:       "Precision": {
// CHECK-NEXT:         "result": "fixed<5,3,RND,SAT>"

func.func @main(%x: tensor<?x2xf32> loc("inputs")) -> tensor<?x1xf32> {
  %q = hgq.quantize %x {format = #hgq.fixed<k = dense<[1, 0]> : tensor<2xi8>, i = 2, f = dense<[2, 1]> : tensor<2xi8>, rounding = RND, overflow = SAT>,
                        hgq.result_t = #hgq.fixed<k = 1, i = 2, f = 2, rounding = RND, overflow = SAT>} : tensor<?x2xf32> loc("q")
  %d = hgq.dense %q {kernel = dense<[[0.5], [1.0]]> : tensor<2x1xf32>, hgq.bops = 10.0 : f64,
                     hgq.accum_t = #hgq.fixed<k = 1, i = 3, f = 4, rounding = TRN, overflow = WRAP>,
                     hgq.weight_t = #hgq.fixed<k = 0, i = 1, f = 1, rounding = TRN, overflow = WRAP>} : (tensor<?x2xf32>) -> tensor<?x1xf32> loc("dense")
  return %d : tensor<?x1xf32>
}
