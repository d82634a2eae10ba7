// A valid model the hostile .npy files are fed to: 8 features in, ReLU out.
func.func @main(%x: tensor<?x8xf32> loc("x")) -> tensor<?x8xf32> {
  %y = hgq.activation "relu" %x : tensor<?x8xf32> loc("relu")
  return %y : tensor<?x8xf32>
}
