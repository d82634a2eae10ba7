// A transpose (element moves from lib/Analysis/ElementFormats) between a
// per-element quantizer and a dense layer: the C simulation equals hgq-run,
// so every element landed where the executor puts it.
// RUN: rm -rf %t && hgq-translate --emit-hls %s --output-dir %t --project-name moved --tb-samples 8
// RUN: make -s -C %t csim | FileCheck %s
// CHECK: csim: 8 samples, all 16 output values equal hgq-run bit for bit
func.func @main(%x: tensor<?x2x3xf32>) -> tensor<?x2xf32> {
  %q = hgq.quantize %x {format = #hgq.fixed<k = 1, i = dense<[[1, 2, 3], [0, 1, 2]]> : tensor<2x3xi8>, f = dense<[[2, 3, 1], [4, 2, 0]]> : tensor<2x3xi8>, rounding = RND, overflow = SAT>} : tensor<?x2x3xf32>
  %t = hgq.transpose %q {permutation = array<i64: 0, 2, 1>} : (tensor<?x2x3xf32>) -> tensor<?x3x2xf32>
  %f = hgq.flatten %t : (tensor<?x3x2xf32>) -> tensor<?x6xf32>
  %d = hgq.dense %f {kernel = dense<[[1.0, 0.5], [0.25, -1.0], [2.0, 0.125], [-0.5, 4.0], [8.0, 0.0625], [0.75, -2.0]]> : tensor<6x2xf32>} : (tensor<?x6xf32>) -> tensor<?x2xf32>
  return %d : tensor<?x2xf32>
}
