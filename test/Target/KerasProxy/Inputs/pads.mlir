func.func @main(%x: tensor<?x5x2xf32>) -> tensor<?x3x2xf32> {
  %p = hgq.max_pool %x {window = array<i64: 2>, strides = array<i64: 2>, pads = array<i64: 1, 0>} : (tensor<?x5x2xf32>) -> tensor<?x3x2xf32>
  return %p : tensor<?x3x2xf32>
}
