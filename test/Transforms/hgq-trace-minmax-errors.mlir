// Every refusal of hgq-trace-minmax.
// RUN: /usr/bin/python3 -c "import numpy as np; np.save('%t.x.npy', np.ones((4, 2), np.float32)); np.save('%t.empty.npy', np.ones((0, 2), np.float32)); np.save('%t.nan.npy', np.full((1, 2), np.nan, np.float32))"
// RUN: hgq-opt %s -split-input-file -verify-diagnostics --hgq-trace-minmax="calibration=%t.x.npy"
// RUN: hgq-opt %S/Inputs/trace-one-input.mlir -verify-diagnostics --hgq-trace-minmax="calibration=%t.x.npy,%t.x.npy"
// RUN: hgq-opt %S/Inputs/trace-no-calibration.mlir -verify-diagnostics --hgq-trace-minmax
// RUN: hgq-opt %S/Inputs/trace-cover-factor.mlir -verify-diagnostics --hgq-trace-minmax="calibration=%t.x.npy cover-factor=0"
// RUN: hgq-opt %S/Inputs/trace-missing-file.mlir -verify-diagnostics --hgq-trace-minmax="calibration=%t.missing.npy"
// RUN: hgq-opt %S/Inputs/trace-empty.mlir -verify-diagnostics --hgq-trace-minmax="calibration=%t.empty.npy"
// RUN: hgq-opt %S/Inputs/trace-nan.mlir -verify-diagnostics --hgq-trace-minmax="calibration=%t.nan.npy"

// expected-error @+1 {{hgq-trace-minmax: the module has several functions and none is @main; choose one with function=NAME}}
module {
  func.func @a(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
    return %x : tensor<?x2xf32>
  }
  func.func @b(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
    return %x : tensor<?x2xf32>
  }
}

// -----

func.func @main(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'hgq.quantize' op the bit-accurate executor needs static non-batch dimensions here}}
  %q = hgq.quantize %x {quantizer = #hgq.quantizer<f = 2, rnd = floor>} : tensor<?x?xf32>
  return %q : tensor<?x?xf32>
}
