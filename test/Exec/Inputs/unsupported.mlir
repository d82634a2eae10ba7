func.func @helper(%a: tensor<?x2xf32>) -> tensor<?x2xf32> {
  return %a : tensor<?x2xf32>
}
func.func @main(%a: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %c = func.call @helper(%a) : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %c : tensor<?x2xf32>
}
