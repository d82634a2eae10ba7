func.func @main(%x: tensor<?x6x2xf32> loc("x")) -> tensor<?x4x3xf32> {
  %c = hgq.conv %x {kernel = dense<0.5> : tensor<3x2x3xf32>} : (tensor<?x6x2xf32>) -> tensor<?x4x3xf32> loc("conv_1")
  return %c : tensor<?x4x3xf32>
}
