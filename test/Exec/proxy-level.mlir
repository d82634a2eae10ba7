// hgq-run on proxy-level formats: per-element formats, a dead element, WRAP
// and SAT, and the overflow report counting exactly the changed elements.
//
// element 0: fixed<4,2> (k=1, i=1, f=2); element 1: dead; element 2: ufixed<2,2>
// WRAP: 3.0 -> 12 -> -4 -> -1.0;  -3.0 -> -12 -> 4 -> 1.0;  5 -> 1;  1 -> 1
// SAT:  3.0 -> 1.75;  -3.0 -> -2.0;  5 -> 3;  1 -> 1
//
// RUN: /usr/bin/python3 -c "import numpy as np; np.save('%t.x.npy', np.array([[3.0, -0.3, 5.0], [-3.0, 0.7, 1.0]], np.float64))"
// RUN: hgq-run %s --input %t.x.npy --output %t.wrap.npy --output %t.sat.npy --report-overflow | FileCheck %s --check-prefix=OVERFLOW
// RUN: /usr/bin/python3 -c "import numpy as np; print(np.load('%t.wrap.npy').tolist(), np.load('%t.sat.npy').tolist())" | FileCheck %s
// CHECK: {{\[}}[-1.0, 0.0, 1.0], [1.0, 0.0, 1.0]] {{\[}}[1.75, 0.0, 3.0], [-2.0, 0.0, 1.0]]
// OVERFLOW: wrap {{.*}} proxy 3 of 6
// OVERFLOW: sat {{.*}} proxy 3 of 6
// OVERFLOW: total: 6
//
// Without --output the outputs are printed, every value exactly.
// RUN: hgq-run %s --input %t.x.npy | FileCheck %s --check-prefix=PRINTED
// PRINTED:      output 'wrap' (2 x 3):
// PRINTED-NEXT:   [0] -1 0 1
// PRINTED-NEXT:   [1] 1 0 1
// PRINTED-NEXT:   (--output wrap=FILE.npy writes all of them as .npy)
// PRINTED-NEXT: output 'sat' (2 x 3):
// PRINTED-NEXT:   [0] 1.75 0 3
// PRINTED-NEXT:   [1] -2 0 1

func.func @main(%x: tensor<?x3xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>) {
  %w = hgq.quantize %x {format = #hgq.fixed<k = dense<[1, 0, 0]> : tensor<3xi8>, i = dense<[1, 0, 2]> : tensor<3xi8>, f = dense<[2, 0, 0]> : tensor<3xi8>, rounding = RND, overflow = WRAP>} : tensor<?x3xf32> loc("wrap")
  %s = hgq.quantize %x {format = #hgq.fixed<k = dense<[1, 0, 0]> : tensor<3xi8>, i = dense<[1, 0, 2]> : tensor<3xi8>, f = dense<[2, 0, 0]> : tensor<3xi8>, rounding = RND, overflow = SAT>} : tensor<?x3xf32> loc("sat")
  return %w, %s : tensor<?x3xf32>, tensor<?x3xf32>
}
