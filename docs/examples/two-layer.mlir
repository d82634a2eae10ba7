func.func @main(%x: tensor<?x2xf32> loc("inputs")) -> tensor<?x1xf32> {
  %q = hgq.quantize %x {quantizer = #hgq.quantizer<f = dense<[1, 2]> : tensor<2xi8>, rnd = standard_round>} : tensor<?x2xf32> loc("input_q")
  %d1 = hgq.dense %q {kernel = dense<[[0.75, -0.3], [0.5, 1.0]]> : tensor<2x2xf32>, bias = dense<[0.1, -0.2]> : tensor<2xf32>,
                      kernel_quantizer = #hgq.quantizer<f = 2, rnd = standard_round>,
                      quantizer = #hgq.quantizer<f = 2, rnd = auto>} : (tensor<?x2xf32>) -> tensor<?x2xf32> loc("dense_1")
  %d2 = hgq.dense %d1 {kernel = dense<[[1.0], [0.5]]> : tensor<2x1xf32>,
                       quantizer = #hgq.quantizer<f = 1, rnd = auto>,
                       activation = #hgq<layer_activation relu>} : (tensor<?x2xf32>) -> tensor<?x1xf32> loc("dense_2")
  return %d2 : tensor<?x1xf32>
}
