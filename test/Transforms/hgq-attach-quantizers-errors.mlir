// Refusals of hgq-attach-quantizers: bad options and bad configuration files.
// RUN: hgq-opt %s -verify-diagnostics --hgq-attach-quantizers="kq-skip-dims=rows"
// RUN: hgq-opt %S/Inputs/attach-missing.mlir -verify-diagnostics --hgq-attach-quantizers="config=%t.missing.json"
// RUN: hgq-opt %S/Inputs/attach-bad-key.mlir -verify-diagnostics --hgq-attach-quantizers="config=%S/Inputs/quantizers-bad-key.yaml"
// RUN: not hgq-opt %S/Inputs/attach-bad-layer.mlir --hgq-attach-quantizers="config=%S/Inputs/quantizers-bad-value.yaml" 2>&1 | FileCheck %s
// CHECK: error: loc("dense_1"): hgq-attach-quantizers: a kernel quantizer cannot use rnd_strategy auto

// expected-error @+1 {{hgq-attach-quantizers: kq-skip_dims must be none, batch, all, except_last, except_1st or a list of dimensions such as [0], got 'rows'}}
module {
  func.func @main(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
    return %x : tensor<?x3xf32>
  }
}
