// expected-error @+1 {{hgq-trace-minmax needs calibration data: --hgq-trace-minmax="calibration=FILE.npy"}}
module {
  func.func @main(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
    return %x : tensor<?x2xf32>
  }
}
