func.func @main(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %q = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 2, f = dense<[2, 0, 91]> : tensor<3xi8>, rounding = RND, overflow = SAT>} : tensor<?x3xf32> loc("q")
  return %q : tensor<?x3xf32>
}
