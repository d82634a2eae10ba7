func.func @main(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %y = hgq.dense %x {kernel = dense<[[0.5, 1.0], [0.25, -1.0]]> : tensor<2x2xf32>} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}
