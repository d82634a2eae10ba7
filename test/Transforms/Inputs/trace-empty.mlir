// expected-error-re @+1 {{hgq-trace-minmax: {{.*}}empty.npy holds no samples}}
func.func @main(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
