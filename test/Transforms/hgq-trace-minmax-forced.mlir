// Forced ranges (semantics.md 2): softmax's quantizer covers [0, 1] whatever
// the calibration data reached, both when the activation carries the
// quantizer (HActivation) and when a separate hgq.quantize reads it (what
// --import-onnx makes of Softmax -> hgq.Quantizer).
//
// softmax([0, 1]) = [0.2689, 0.7311] and its mirror; rounded at f = 3 (RND):
// 0.25 and 0.75. From the recorded [0.25, 0.75] alone: k = 0,
// i = ceil(log2(0.75 + 2^-3)) = 0, and an output of 1.0 would wrap to 0 in
// the proxy. Forced to [0, 1]: i = ceil(log2(1 + 2^-3)) = 1.
//
// RUN: /usr/bin/python3 -c "import numpy as np; np.save('%t.x.npy', np.array([[0, 1], [1, 0]], np.float32)); np.save('%t.big.npy', np.array([[0, 100]], np.float32))"
// RUN: hgq-opt %s --hgq-trace-minmax="calibration=%t.x.npy function=separate quiet=true" | FileCheck %s --check-prefix=SEPARATE
// RUN: hgq-opt %s --hgq-trace-minmax="calibration=%t.x.npy function=carried quiet=true" | FileCheck %s --check-prefix=CARRIED

// SEPARATE-LABEL: func.func @separate
// SEPARATE: hgq.quantize
// SEPARATE-SAME: hgq.trace_max = dense<7.500000e-01> : tensor<f64>
// SEPARATE-SAME: hgq.trace_min = dense<2.500000e-01> : tensor<f64>
// SEPARATE-SAME: quantizer = #hgq.quantizer<f = 3, rnd = standard_round, k = 0, i = 1>
func.func @separate(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %s = hgq.activation "softmax" %x : tensor<?x2xf32>
  %q = hgq.quantize %s {quantizer = #hgq.quantizer<f = 3, rnd = standard_round>} : tensor<?x2xf32>
  return %q : tensor<?x2xf32>
}

// CARRIED-LABEL: func.func @carried
// CARRIED: hgq.activation "softmax"
// CARRIED-SAME: quantizer = #hgq.quantizer<f = 3, rnd = standard_round, k = 0, i = 1>
func.func @carried(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %s = hgq.activation "softmax" %x {quantizer = #hgq.quantizer<f = 3, rnd = standard_round>} : tensor<?x2xf32>
  return %s : tensor<?x2xf32>
}

// The proxy keeps a softmax output of 1.0 (softmax([0, 100]) = [0, 1]):
// RUN: hgq-opt %s --hgq-trace-minmax="calibration=%t.x.npy function=separate quiet=true" --hgq-trace-minmax="calibration=%t.x.npy function=carried quiet=true" --hgq-to-proxy -o %t.proxy.mlir
// RUN: hgq-run %t.proxy.mlir --function separate --input %t.big.npy --output %t.y.npy
// RUN: /usr/bin/python3 -c "import numpy as np; y = np.load('%t.y.npy'); assert y.tolist() == [[0.0, 1.0]], y"

// A cover factor below 1 leaves part of the calibration range uncovered: a
// warning, as HGQ gives.
// RUN: hgq-opt %s --hgq-trace-minmax="calibration=%t.x.npy function=separate cover-factor=0.5 quiet=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=COVER
// COVER: warning: hgq-trace-minmax: cover-factor 0.50 is below 1: the integer bits will not cover the whole calibration range
