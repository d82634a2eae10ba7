func.func @main(%a: tensor<?x2xf32> loc("left"), %b: tensor<?x2xf32> loc("right")) -> tensor<?x2xf32> {
  %s = hgq.add %a, %b : tensor<?x2xf32> loc("sum")
  return %s : tensor<?x2xf32>
}
