// A proxy with an activation hls4ml has no name for (gelu).
func.func @main(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %q = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 2, f = 3, rounding = TRN, overflow = WRAP>, hgq.name = "q"} : tensor<?x4xf32>
  %g = hgq.activation "gelu" %q {hgq.name = "act"} : tensor<?x4xf32>
  %r = hgq.quantize %g {format = #hgq.fixed<k = 1, i = 2, f = 3, rounding = TRN, overflow = WRAP>, hgq.name = "q_out"} : tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}
