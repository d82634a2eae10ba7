// A quantizer after a relu whose formats prove it changes nothing is
// skipped; one that clips is not. Every number worked out by hand.
//
// x_q (fixed<3,3> WRAP): [1, 2], [3, -1], [-3, 3] unchanged.
// kernel [[0.5, 0.5], [0.25, -0.5]]: [1.0, -0.5], [1.25, 2.0], [-0.75, -3.0]
// fixed<4,2> WRAP (k=1, i=1, f=2, range [-2, 1.75]): 2.0 -> -2.0 and
//   -3.0 -> 1.0 (2 elements wrap): [1.0, -0.5], [1.25, -2.0], [-0.75, 1.0]
// relu: [1.0, 0], [1.25, 0], [0, 1.0]
// a: ufixed<3,1> SAT (range [0, 1.75]) holds every value the relu can give
//    (proven from the formats, skipped): unchanged, 0 overflows.
// b: ufixed<2,0> SAT (range [0, 0.75]) clips 3 elements:
//    [0.75, 0], [0.75, 0], [0, 0.75].
//
// RUN: /usr/bin/python3 -c "import numpy as np; np.save('%t.x.npy', np.array([[1, 2], [3, -1], [-3, 3]], np.float32))"
// RUN: hgq-run %s --input %t.x.npy --output %t.a.npy --output %t.b.npy --report-overflow | FileCheck %s --check-prefix=OVERFLOW
// RUN: /usr/bin/python3 -c "import numpy as np; print(np.load('%t.a.npy').tolist(), np.load('%t.b.npy').tolist())" | FileCheck %s
// CHECK: {{\[}}[1.0, 0.0], [1.25, 0.0], [0.0, 1.0]] {{\[}}[0.75, 0.0], [0.75, 0.0], [0.0, 0.75]]
// OVERFLOW: overflow report
// OVERFLOW-NEXT: x_q {{.*}} proxy 0 of 6
// OVERFLOW-NEXT: a_pre {{.*}} proxy 2 of 6
// OVERFLOW-NEXT: a {{.*}} proxy 0 of 6
// OVERFLOW-NEXT: b_pre {{.*}} proxy 2 of 6
// OVERFLOW-NEXT: b {{.*}} proxy 3 of 6
// OVERFLOW-NEXT: total: 7

func.func @main(%x: tensor<?x2xf32>) -> (tensor<?x2xf32>, tensor<?x2xf32>) {
  %q = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 2, f = 0, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32> loc("x_q")
  %d1 = hgq.dense %q {kernel = dense<[[0.5, 0.5], [0.25, -0.5]]> : tensor<2x2xf32>} : (tensor<?x2xf32>) -> tensor<?x2xf32> loc("d1")
  %p1 = hgq.quantize %d1 {format = #hgq.fixed<k = 1, i = 1, f = 2, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32> loc("a_pre")
  %r1 = hgq.activation "relu" %p1 : tensor<?x2xf32> loc("a_relu")
  %a = hgq.quantize %r1 {format = #hgq.fixed<k = 0, i = 1, f = 2, rounding = TRN, overflow = SAT>} : tensor<?x2xf32> loc("a")
  %d2 = hgq.dense %q {kernel = dense<[[0.5, 0.5], [0.25, -0.5]]> : tensor<2x2xf32>} : (tensor<?x2xf32>) -> tensor<?x2xf32> loc("d2")
  %p2 = hgq.quantize %d2 {format = #hgq.fixed<k = 1, i = 1, f = 2, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32> loc("b_pre")
  %r2 = hgq.activation "relu" %p2 : tensor<?x2xf32> loc("b_relu")
  %b = hgq.quantize %r2 {format = #hgq.fixed<k = 0, i = 0, f = 2, rounding = TRN, overflow = SAT>} : tensor<?x2xf32> loc("b")
  return %a, %b : tensor<?x2xf32>, tensor<?x2xf32>
}
