func.func @main(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %q = hgq.quantize %x {quantizer = #hgq.quantizer<f = 2, rnd = floor>} : tensor<?x2xf32>
  return %q : tensor<?x2xf32>
}
