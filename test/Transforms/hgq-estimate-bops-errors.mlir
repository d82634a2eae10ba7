// hgq-estimate-bops refuses an unwritable JSON path, and says why a layer
// has no figure instead of guessing one.
// RUN: hgq-opt %s -verify-diagnostics --hgq-estimate-bops="bops-json=%t.missing-dir/bops.json" -o /dev/null
// RUN: hgq-opt %s --hgq-estimate-bops 2>&1 >/dev/null | FileCheck %s

// CHECK: float_dense dense - -  (input widths unknown (quantize and trace the input))
// CHECK: total 0.0 0.0

// expected-error-re @+1 {{hgq-estimate-bops: cannot write {{.*}}missing-dir/bops.json: No such file or directory}}
module {
  func.func @main(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
    %d = hgq.dense %x {kernel = dense<1.0> : tensor<2x2xf32>} : (tensor<?x2xf32>) -> tensor<?x2xf32> loc("float_dense")
    return %d : tensor<?x2xf32>
  }
}
