func.func @main(%x: tensor<?x4x2xf32>) -> tensor<?x4x2xf32> {
  // expected-warning @+1 {{padded pooling with io_stream is not supported by hls4ml <= 0.9.1}}
  %p = hgq.max_pool %x {window = array<i64: 2>, strides = array<i64: 1>, pads = array<i64: 0, 1>} : (tensor<?x4x2xf32>) -> tensor<?x4x2xf32>
  return %p : tensor<?x4x2xf32>
}
