// The format report lists every quantization point with its width statistics
// and the per-tensor collapsed type; the op's location names the layer.
// RUN: hgq-translate --hgq-format-report %s | FileCheck %s

// CHECK: "schema": "hgq-format-report/1"
func.func @model(%x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  // CHECK:      "op": "hgq.signature",
  // CHECK-NEXT: "name": "inputs",
  // CHECK-NEXT: "role": "input",
  // CHECK-NEXT: "level": "proxy",
  // CHECK:      "elements": 4,
  // CHECK-NEXT: "dead": 0,
  // CHECK-NEXT: "total_bits": 32,
  // CHECK-NEXT: "min_width": 8,
  // CHECK-NEXT: "max_width": 8,
  // CHECK-NEXT: "collapsed": "fixed<8,4>"
  %s = hgq.signature %x {format = #hgq.fixed<k = 1, i = 3, f = 4, rounding = TRN, overflow = WRAP>} : tensor<?x4xf32> loc("inputs")
  // Per-element formats with one dead element collapse to the max of each
  // field over the live ones: k = 1, i = 3, f = 4.
  // CHECK:      "op": "hgq.quantize",
  // CHECK-NEXT: "name": "q1",
  // CHECK:      "rounding": "RND",
  // CHECK-NEXT: "overflow": "SAT",
  // CHECK-NEXT: "elements": 4,
  // CHECK-NEXT: "dead": 1,
  // CHECK-NEXT: "total_bits": 16,
  // CHECK-NEXT: "min_width": 0,
  // CHECK-NEXT: "max_width": 6,
  // CHECK-NEXT: "collapsed": "fixed<8,4>"
  %q = hgq.quantize %s {format = #hgq.fixed<k = dense<[1, 0, 0, 0]> : tensor<4xi8>, i = dense<[2, 3, 0, 1]> : tensor<4xi8>, f = dense<[3, 2, 0, 4]> : tensor<4xi8>, rounding = RND, overflow = SAT>} : tensor<?x4xf32> loc("q1")
  // An untraced kernel quantizer reports its fractional bits only; a traced
  // pre-activation quantizer reports widths too.
  // CHECK:      "op": "hgq.dense",
  // CHECK-NEXT: "name": "dense_1",
  // CHECK-NEXT: "role": "kernel",
  // CHECK-NEXT: "level": "layer",
  // CHECK:      "f_min": 1,
  // CHECK-NEXT: "f_max": 5,
  // CHECK-NEXT: "traced": false
  // CHECK:      "op": "hgq.dense",
  // CHECK-NEXT: "name": "dense_1",
  // CHECK-NEXT: "role": "output",
  // CHECK:      "traced": true,
  // CHECK-NEXT: "elements": 2,
  // CHECK-NEXT: "dead": 0,
  // CHECK-NEXT: "total_bits": 11,
  // CHECK-NEXT: "min_width": 5,
  // CHECK-NEXT: "max_width": 6,
  // CHECK-NEXT: "collapsed": "ufixed<6,3>"
  %d = hgq.dense %q {kernel = dense<0.5> : tensor<4x2xf32>, kernel_quantizer = #hgq.quantizer<f = dense<[[1, 5], [2, 2], [3, 3], [4, 4]]> : tensor<4x2xi8>, rnd = standard_round>, quantizer = #hgq.quantizer<f = 3, rnd = auto, k = 0, i = dense<[2, 3]> : tensor<2xi8>>} : (tensor<?x4xf32>) -> tensor<?x2xf32> loc("dense_1")
  return %d : tensor<?x2xf32>
}
