func.func @main(%x: tensor<?x3xf32> loc("x")) -> tensor<?x2xf32> {
  %d = hgq.dense %x {kernel = dense<[[0.7, -0.4], [0.3, 0.9], [-0.6, 0.2]]> : tensor<3x2xf32>, bias = dense<[0.1, -0.2]> : tensor<2xf32>} : (tensor<?x3xf32>) -> tensor<?x2xf32> loc("dense_1")
  %r = hgq.activation "relu" %d : tensor<?x2xf32> loc("relu")
  return %r : tensor<?x2xf32>
}
