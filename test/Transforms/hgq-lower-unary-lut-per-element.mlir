// hgq-lower-unary-lut on per-element input formats: the table is indexed
// through the per-tensor collapse of the input's formats (semantics.md 4.5,
// as HGQ builds it): k = max(1, 0) = 1, i = max(0, 1) = 1, f = max(1, 0) = 1,
// W = 3: 8 entries for 0, 0.5, 1, 1.5, -2, -1.5, -1, -0.5. abs quantized to
// ufixed<3,2> (f = 1) gives the table below; element 1 (k = 0, i = 1,
// f = 0) only ever reads the entries of 0 and 1.
// RUN: hgq-opt %s --hgq-lower-unary-lut="max-table-size=8" | FileCheck %s
//
// Every input the formats can hold, through the table, against numpy:
// RUN: hgq-opt %s --hgq-lower-unary-lut="max-table-size=8" -o %t.lut.mlir
// RUN: /usr/bin/python3 -c "import numpy as np, itertools; x = np.array(list(itertools.product([-1.0, -0.5, 0.0, 0.5, 0.7, -3.0], [0.0, 1.0, 1.6, 5.0])), np.float32); np.save('%t.x.npy', x)"
// RUN: hgq-run %t.lut.mlir --input %t.x.npy --output %t.y.npy
// RUN: /usr/bin/python3 %s.py %t.x.npy %t.y.npy
// CHECK-LABEL: func.func @per_element_input
// CHECK:      %[[Q:.*]] = hgq.quantize
// CHECK-NEXT: hgq.unary_lut %[[Q]] {fn = "abs", {{.*}}input_format = #hgq.fixed<k = 1, i = 1, f = 1, rounding = TRN, overflow = WRAP>, table = dense<[0.000000e+00, 5.000000e-01, 1.000000e+00, 1.500000e+00, 2.000000e+00, 1.500000e+00, 1.000000e+00, 5.000000e-01]> : tensor<8xf32>}
func.func @per_element_input(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %q = hgq.quantize %x {format = #hgq.fixed<k = dense<[1, 0]> : tensor<2xi8>, i = dense<[0, 1]> : tensor<2xi8>, f = dense<[1, 0]> : tensor<2xi8>, rounding = TRN, overflow = WRAP>} : tensor<?x2xf32>
  %s = hgq.activation "abs" %q : tensor<?x2xf32>
  %o = hgq.quantize %s {format = #hgq.fixed<k = 0, i = 2, f = 1, rounding = RND, overflow = SAT>} : tensor<?x2xf32>
  return %o : tensor<?x2xf32>
}
