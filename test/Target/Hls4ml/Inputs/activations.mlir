func.func @main(%x: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>) {
  %q = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 2, f = 3, rounding = TRN, overflow = WRAP>} : tensor<?x4xf32> loc("q")
  %s = hgq.activation "softmax" %q : tensor<?x4xf32> loc("soft")
  %g = hgq.activation "sigmoid" %q : tensor<?x4xf32> loc("sig")
  %e = hgq.activation "elu" %q : tensor<?x4xf32> loc("elu")
  return %s, %g, %e : tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>
}
