// expected-error @+1 {{hgq-trace-minmax: cover-factor must be a positive number, got 0}}
module {
  func.func @main(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
    return %x : tensor<?x2xf32>
  }
}
