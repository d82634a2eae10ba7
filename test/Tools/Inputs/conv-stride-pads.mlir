// A proxy whose stride-2 convolution pads one cell on every side: exact in
// the HLS project, but neither of Keras's paddings ('valid', 'same').
func.func @main(%x: tensor<?x6x6x1xf32> loc("x")) -> tensor<?x3x3x2xf32> {
  %q = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 2, f = 3, rounding = RND, overflow = SAT>} : tensor<?x6x6x1xf32> loc("input_quantizer")
  %c = hgq.conv %q {kernel = dense<[[[[0.5, -0.25]], [[0.75, 0.0]], [[-1.0, 0.5]]], [[[0.25, 0.5]], [[1.0, -0.5]], [[0.0, 0.25]]], [[[-0.5, 1.0]], [[0.5, 0.5]], [[0.25, -0.75]]]]> : tensor<3x3x1x2xf32>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<?x6x6x1xf32>) -> tensor<?x3x3x2xf32> loc("conv")
  %y = hgq.quantize %c {format = #hgq.fixed<k = 1, i = 3, f = 4, rounding = RND, overflow = WRAP>} : tensor<?x3x3x2xf32> loc("conv_quantizer")
  return %y : tensor<?x3x3x2xf32>
}
