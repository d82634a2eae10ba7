// A kernel of 3 input features on an input of 4: the error names the layer.
func.func @main(%x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  %y = hgq.dense %x {kernel = dense<[[0.5, -0.25], [1.0, 0.75], [0.125, 0.0]]> : tensor<3x2xf32>} : (tensor<?x4xf32>) -> tensor<?x2xf32> loc("dense_1")
  return %y : tensor<?x2xf32>
}
