// hgq-run on a layer-level HGQ model, every number worked out by hand.
//
// input_q (f = [1, 2], RND):  [1.3, -0.6] -> [1.5, -0.5];  [-2.2, 3.7] -> [-2.0, 3.75]
// dense_1 kernel (f = 2, RND): [[0.75, -0.3], [0.5, 1.0]] -> [[0.75, -0.25], [0.5, 1.0]]
// dense_1 bias at f = 2 (auto with a bias and a scalar f: RND): [0.1, -0.2] -> [0, -0.25]
// z = [0.875, -1.125], [0.375, 4.0];  RND at f = 2, ties toward +inf:
//   0.875 -> 1.0, -1.125 -> -1.0, 0.375 -> 0.5, 4.0 -> 4.0
// dense_2 (no kernel quantizer, no bias: auto -> TRN at f = 1, then relu):
//   1.0 - 0.5 = 0.5;  0.5 + 2.0 = 2.5
//
// RUN: /usr/bin/python3 -c "import numpy as np; np.save('%t.x.npy', np.array([[1.3, -0.6], [-2.2, 3.7]], np.float32))"
// RUN: hgq-run %s --input %t.x.npy --output %t.y1.npy --output %t.y2.npy --report-overflow | FileCheck %s --check-prefix=OVERFLOW
// RUN: /usr/bin/python3 -c "import numpy as np; print(np.load('%t.y1.npy').tolist(), np.load('%t.y2.npy').tolist(), np.load('%t.y1.npy').dtype)" | FileCheck %s
// CHECK: {{\[}}[1.0, -1.0], [0.5, 4.0]] {{\[}}[0.5], [2.5]] float64
// OVERFLOW: overflow report
// OVERFLOW-NEXT: input_q {{.*}} layer 0 of 4
// OVERFLOW-NEXT: dense_1 {{.*}} layer 0 of 4
// OVERFLOW-NEXT: dense_2 {{.*}} layer 0 of 2
// OVERFLOW-NEXT: total: 0

// Outputs by name, in any order, and float32 output.
// RUN: hgq-run %s --input inputs=%t.x.npy --output dense_2=%t.n2.npy --output dense_1=%t.n1.npy --output-type f32
// RUN: /usr/bin/python3 -c "import numpy as np; print(np.load('%t.n1.npy').tolist(), np.load('%t.n2.npy').tolist(), np.load('%t.n1.npy').dtype)" | FileCheck %s --check-prefix=NAMED
// NAMED: {{\[}}[1.0, -1.0], [0.5, 4.0]] {{\[}}[0.5], [2.5]] float32

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
