// A model whose tensors have no features (a 0 in the shape) runs: the
// quantizer's plan holds no elements, and the output keeps the shape.
//
// RUN: /usr/bin/python3 -c "import numpy as np; np.save('%t.x.npy', np.zeros((4, 0), np.float32))"
// RUN: hgq-run %s --input %t.x.npy --output %t.y.npy
// RUN: /usr/bin/python3 -c "import numpy as np; print(np.load('%t.y.npy').shape)" | FileCheck %s
// CHECK: (4, 0)

func.func @main(%x: tensor<?x0xf32>) -> tensor<?x0xf32> {
  %y = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 1, f = 2, rounding = RND, overflow = WRAP>} : tensor<?x0xf32> loc("empty")
  return %y : tensor<?x0xf32>
}
