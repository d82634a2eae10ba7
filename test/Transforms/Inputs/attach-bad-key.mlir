// expected-error-re @+1 {{hgq-attach-quantizers: {{.*}}quantizers-bad-key.yaml: unknown key 'kq' (expected kq_conf, paq_conf, layers)}}
module {
  func.func @main(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
    return %x : tensor<?x3xf32>
  }
}
