func.func @main(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %a = hgq.activation "leaky_relu" %x {alpha = 0.125 : f32} : tensor<?x2xf32>
  return %a : tensor<?x2xf32>
}
