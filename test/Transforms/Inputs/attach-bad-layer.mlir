func.func @main(%x: tensor<?x3xf32>) -> tensor<?x2xf32> {
  %d = hgq.dense %x {kernel = dense<0.5> : tensor<3x2xf32>} : (tensor<?x3xf32>) -> tensor<?x2xf32> loc("dense_1")
  return %d : tensor<?x2xf32>
}
