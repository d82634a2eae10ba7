// expected-error @+1 {{hgq-to-proxy: io-type must be io_parallel or io_stream, got 'axi'}}
module {
  func.func @main(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
    return %x : tensor<?x2xf32>
  }
}
