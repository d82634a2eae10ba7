// hgq-run writes its outputs as work items finish, in sample order: many
// work items on two workers give the same file as one worker, equal to numpy
// computing the quantizer from semantics.md; a write that fails part way
// names the file and a failed run leaves no file behind. Memory:
// streamed-outputs-memory.test.
//
// Per element (k, i, f): (1, 2, 3), (0, 3, 2), (1, 0, 6), (1, 5, 0); RND SAT:
// q = clip(floor(x * 2^f + 1/2), -k * 2^(i+f), 2^(i+f) - 1) * 2^-f.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: /usr/bin/python3 -c "import numpy as np; np.save('%t/x.npy', (np.random.default_rng(7).standard_normal((300001, 4)) * 6).astype(np.float32))"
// RUN: hgq-run %s --input %t/x.npy --output %t/two.npy --workers 2
// RUN: hgq-run %s --input %t/x.npy --output %t/one.npy --output-type f32 --workers 1
// RUN: /usr/bin/python3 %S/Inputs/streamed_outputs_check.py %t/x.npy %t/two.npy %t/one.npy | FileCheck %s
// CHECK: 300001 samples equal numpy in float64 and float32
//
// A write that fails part way (a full device) is an error naming the file.
// RUN: not hgq-run %s --input %t/x.npy --output /dev/full 2>&1 | FileCheck %s --check-prefix=FULL
// FULL: hgq-run: error: {{.*}}/dev/full{{.*}}
//
// A run that fails leaves no output file behind.
// RUN: /usr/bin/python3 -c "import numpy as np; np.save('%t/wide.npy', np.zeros((5000, 5), np.float32))"
// RUN: not hgq-run %s --input %t/wide.npy --output %t/none.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: hgq-run: error: input 'x' has shape (5000, 5) but the model expects (batch, 4)
// RUN: not ls %t/none.npy

func.func @main(%x: tensor<?x4xf32> loc("x")) -> tensor<?x4xf32> {
  %q = hgq.quantize %x {format = #hgq.fixed<k = dense<[1, 0, 1, 1]> : tensor<4xi8>, i = dense<[2, 3, 0, 5]> : tensor<4xi8>, f = dense<[3, 2, 6, 0]> : tensor<4xi8>, rounding = RND, overflow = SAT>} : tensor<?x4xf32> loc("q")
  return %q : tensor<?x4xf32>
}
