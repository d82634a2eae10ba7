func.func @main(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %r = hgq.activation "relu" %x {hgq.name = 3} : tensor<?x2xf32>
  return %r : tensor<?x2xf32>
}
