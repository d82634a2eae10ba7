// Formats past 53 bits: a 55-bit input quantizer, 62-bit products, a 62-bit
// output quantizer whose values need more than a double's 53 significant
// bits (a large and a tiny input meet in one sum). The C simulation must equal
// hgq-run (outputs are rounded to float64 the same way on both sides), and
// hgq-run must equal an exact Python-fractions reference.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: /usr/bin/python3 -c "import numpy as np; r = np.random.default_rng(7); x = np.stack([r.uniform(-15.9, 15.9, 32), r.uniform(-1, 1, 32) * 2.0**-45, r.uniform(-8, 8, 32)], 1); np.save('%t/in.npy', x.astype(np.float32))"
// RUN: hgq-translate --emit-hls %s --output-dir %t/prj --project-name wide --tb-input %t/in.npy --tb-samples 32
// RUN: make -s -C %t/prj csim | FileCheck %s
// CHECK: csim: 32 samples, all 64 output values equal hgq-run bit for bit
// RUN: /usr/bin/python3 %S/wide_reference.py %t/in.npy %t/prj/tb_data/expected_output_1.npy | FileCheck %s --check-prefix=EXACT
// EXACT: equal to the exact reference; {{[1-9][0-9]*}} outputs need more than 53 bits
// RUN: FileCheck %s --check-prefix=TYPES < %t/prj/firmware/defines.h
// TYPES: typedef ap_fixed<55,5,AP_RND,AP_SAT> input_1_t;
// TYPES: typedef ap_fixed<62,8> output_1_t;

func.func @main(%x: tensor<?x3xf32>) -> tensor<?x2xf32> {
  %q = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 4, f = 50, rounding = RND, overflow = SAT>} : tensor<?x3xf32> loc("q")
  %d = hgq.dense %q {kernel = dense<[[0.75, -1.5], [0.3125, 2.0], [-0.5, 0.625]]> : tensor<3x2xf32>, bias = dense<[1.3642420526593924e-12, -2.7284841053187847e-12]> : tensor<2xf32>} : (tensor<?x3xf32>) -> tensor<?x2xf32> loc("fc")
  %o = hgq.quantize %d {format = #hgq.fixed<k = 1, i = 7, f = 54, rounding = RND_CONV, overflow = WRAP>} : tensor<?x2xf32> loc("out")
  return %o : tensor<?x2xf32>
}
