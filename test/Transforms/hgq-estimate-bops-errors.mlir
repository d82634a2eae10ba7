// hgq-opt refuses an unwritable JSON path (the JSON is written once the
// whole pipeline has succeeded), and the pass says why a layer has no figure
// instead of guessing one.
// RUN: not hgq-opt %s --hgq-estimate-bops="bops-json=%t.missing-dir/bops.json" -o %t.out.mlir 2>&1 | FileCheck %s --check-prefix=WRITE
// RUN: not test -e %t.out.mlir
// RUN: hgq-opt %s --hgq-estimate-bops 2>&1 >/dev/null | FileCheck %s

// CHECK: float_dense dense - -  (input widths unknown (quantize and trace the input))
// CHECK: total 0.0 0.0

// WRITE: hgq-opt: error: {{.*}}missing-dir/bops.json: cannot write: No such file or directory
module {
  func.func @main(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
    %d = hgq.dense %x {kernel = dense<1.0> : tensor<2x2xf32>} : (tensor<?x2xf32>) -> tensor<?x2xf32> loc("float_dense")
    return %d : tensor<?x2xf32>
  }
}
