// hgq-to-proxy refuses untraced quantizers and unknown IO types, and warns
// about padded pooling with io_stream.
// RUN: hgq-opt %s -split-input-file -verify-diagnostics --hgq-to-proxy
// RUN: hgq-opt %S/Inputs/proxy-io-type.mlir -verify-diagnostics --hgq-to-proxy="io-type=axi"
// RUN: hgq-opt %S/Inputs/proxy-stream-pool.mlir -verify-diagnostics --hgq-to-proxy="io-type=io_stream"

func.func @untraced(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{hgq-to-proxy: this quantizer has no integer bits yet; run hgq-trace-minmax on calibration data first}}
  %q = hgq.quantize %x {quantizer = #hgq.quantizer<f = 2, rnd = standard_round>} : tensor<?x2xf32>
  return %q : tensor<?x2xf32>
}
