// expected-error @+1 {{hgq-lower-unary-lut: max-table-size must be positive, got 0}}
module {
  func.func @main(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
    return %x : tensor<?x2xf32>
  }
}
