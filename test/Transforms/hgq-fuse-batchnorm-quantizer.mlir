// HGQ's HDenseBatchNorm as exporters write it: a dense with a kernel
// quantizer, BatchNormalization, then the HGQ quantizer and a ReLU. After the
// fusion the quantizer is the layer's own pre-activation quantizer (it
// quantizes the fused bias, and "auto" rounds because the per-channel bit
// widths let the bias absorb the rounding, semantics.md 4.1) and the ReLU the
// layer's activation. hgq-run on the fused layer equals a numpy HGQ forward
// written from semantics.md (hgq-fuse-batchnorm-quantizer.mlir.py).
//
// RUN: hgq-opt %s --hgq-fuse-batchnorm | FileCheck %s
// RUN: hgq-opt %s --hgq-fuse-batchnorm -o %t.fused.mlir
// RUN: /usr/bin/python3 -c "import numpy as np; np.save('%t.x.npy', np.random.default_rng(7).uniform(-4, 4, (500, 3)).astype(np.float32))"
// RUN: hgq-run %t.fused.mlir --input %t.x.npy --output %t.y.npy
// RUN: /usr/bin/python3 %s.py %t.x.npy %t.y.npy | FileCheck %s --check-prefix=NUMPY
// NUMPY: ok: 500 samples

// CHECK-LABEL: func.func @dense_bn
// CHECK-NOT:  hgq.batchnorm
// CHECK-NOT:  hgq.quantize
// CHECK:      hgq.dense %{{.*}} {activation = #hgq<layer_activation relu>, bias = {{.*}}, kernel = {{.*}}, kernel_quantizer = #hgq.quantizer<f = 3, rnd = standard_round>, quantizer = #hgq.quantizer<f = dense<[2, 4]> : tensor<2xi8>, rnd = auto>}
// CHECK-NOT:  hgq.activation
func.func @dense_bn(%x: tensor<?x3xf32>) -> tensor<?x2xf32> {
  %d = hgq.dense %x {kernel = dense<[[0.7, -1.3], [0.25, 0.9], [-0.6, 0.35]]> : tensor<3x2xf32>, bias = dense<[0.3, -0.2]> : tensor<2xf32>, kernel_quantizer = #hgq.quantizer<f = 3, rnd = standard_round>} : (tensor<?x3xf32>) -> tensor<?x2xf32>
  %b = hgq.batchnorm %d {gamma = dense<[1.5, 0.8]> : tensor<2xf32>, beta = dense<[0.1, -0.4]> : tensor<2xf32>, mean = dense<[0.2, 0.5]> : tensor<2xf32>, variance = dense<[2.0, 0.5]> : tensor<2xf32>, epsilon = 1.0e-3 : f64} : tensor<?x2xf32>
  %q = hgq.quantize %b {quantizer = #hgq.quantizer<f = dense<[2, 4]> : tensor<2xi8>, rnd = auto>} : tensor<?x2xf32>
  %r = hgq.activation "relu" %q : tensor<?x2xf32>
  return %r : tensor<?x2xf32>
}
