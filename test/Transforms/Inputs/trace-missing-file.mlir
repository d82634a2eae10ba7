// expected-error-re @+1 {{hgq-trace-minmax: {{.*}}missing.npy: cannot open: No such file or directory}}
func.func @main(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
