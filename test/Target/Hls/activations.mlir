// Sigmoid, tanh and softmax at proxy level: the table algorithms of
// docs/activations.md, in hgq-run and in the emitted C simulation, which must
// agree bit for bit; activations.py computes them independently from the
// documented definition (numpy, integers) and must agree with hgq-run too.
// The inputs are wider than any lookup table could index (14 to 18 bits),
// softmax runs over the last axis and over axis 1 of a 3-D tensor.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: /usr/bin/python3 -c "import numpy as np; np.save('%t/in.npy', (np.random.default_rng(3).standard_normal((40, 2, 6)) * 5).astype(np.float32))"
// RUN: hgq-translate --emit-hls %s --output-dir %t/prj --project-name act --tb-input %t/in.npy --tb-samples 40
// RUN: make -s -C %t/prj csim | FileCheck %s
// CHECK: csim: 40 samples, all 1920 output values equal hgq-run bit for bit
// RUN: hgq-run %s --input %t/in.npy --output %t/sig.npy --output %t/tanh.npy --output %t/soft.npy --output %t/soft1.npy
// RUN: /usr/bin/python3 %S/activations.py %t/in.npy %t/sig.npy %t/tanh.npy %t/soft.npy %t/soft1.npy | FileCheck %s --check-prefix=REF
// REF: sigmoid, tanh, softmax (axis 2, axis 1): equal to the reference

func.func @main(%x: tensor<?x2x6xf32>) -> (tensor<?x2x6xf32>, tensor<?x2x6xf32>, tensor<?x2x6xf32>, tensor<?x2x6xf32>) {
  %q = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 4, f = dense<[9, 11, 13, 10, 12, 13]> : tensor<6xi8>, rounding = RND, overflow = SAT>} : tensor<?x2x6xf32> loc("q")
  %s = hgq.activation "sigmoid" %q : tensor<?x2x6xf32> loc("sig")
  %sq = hgq.quantize %s {format = #hgq.fixed<k = 0, i = 0, f = 8, rounding = RND, overflow = SAT>} : tensor<?x2x6xf32> loc("sig_q")
  %t = hgq.activation "tanh" %q : tensor<?x2x6xf32> loc("tanh")
  %tq = hgq.quantize %t {format = #hgq.fixed<k = 1, i = 0, f = 9, rounding = RND_CONV, overflow = SAT>} : tensor<?x2x6xf32> loc("tanh_q")
  %m = hgq.activation "softmax" %q : tensor<?x2x6xf32> loc("soft")
  %mq = hgq.quantize %m {format = #hgq.fixed<k = 0, i = 1, f = 10, rounding = TRN, overflow = SAT>} : tensor<?x2x6xf32> loc("soft_q")
  %n = hgq.activation "softmax" %q {axis = 1 : i64} : tensor<?x2x6xf32> loc("soft1")
  return %sq, %tq, %mq, %n : tensor<?x2x6xf32>, tensor<?x2x6xf32>, tensor<?x2x6xf32>, tensor<?x2x6xf32>
}
