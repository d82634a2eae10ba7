// expected-error-re @+1 {{hgq-attach-quantizers: {{.*}}missing.json: No such file or directory}}
module {
  func.func @main(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
    return %x : tensor<?x3xf32>
  }
}
