func.func @main(%x: tensor<?x3xf32>) -> tensor<?x2xf32> {
  %d = hgq.dense %x {kernel = dense<0.5> : tensor<3x2xf32>, kernel_quantizer = #hgq.quantizer<f = 3, rnd = standard_round>} : (tensor<?x3xf32>) -> tensor<?x2xf32>
  return %d : tensor<?x2xf32>
}
