// expected-error @+1 {{hgq-trace-minmax: input_q (hgq.quantize): quantizer: input is not finite (NaN or infinity)}}
func.func @main(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %q = hgq.quantize %x {quantizer = #hgq.quantizer<f = 2, rnd = floor>} : tensor<?x2xf32> loc("input_q")
  return %q : tensor<?x2xf32>
}
