// RUN: hgq-translate --emit-hls %s --project-name small | FileCheck %s
//
// The single-stream form. Element 1 of the input quantizer is dead: it is the
// constant 0 and never multiplied; the zero weight is skipped too. Each
// accumulator is exactly as wide as its interval: output 0 is
// 0.125 + 0.5*[-2, 1.75] + 0.75*[-4, 3.5] in [-3.875, 3.625] at 3 fractional
// bits (ap_fixed<6,3>); output 1 is 2*[-4, 3.5] = [-8, 7] (ap_fixed<4,4>).
// The per-element input quantizer gets a port with one guard bit for RND
// and one more integer bit for SAT, then one cast per element.

// CHECK-LABEL: // ----- firmware/defines.h
// CHECK: typedef ap_fixed<7,4,AP_TRN,AP_SAT> input_1_t;
// CHECK-LABEL: // ----- firmware/small.cpp
// CHECK:      static void q(const input_1_t in0[3], q_t out[3]) {
// CHECK:        out[0] = ap_fixed<4,2,AP_RND,AP_SAT>(in0[0]);
// CHECK-NEXT:   out[1] = 0;
// CHECK-NEXT:   out[2] = ap_fixed<4,3,AP_RND,AP_SAT>(in0[2]);
// CHECK:      // fc: dense, 3 multiplications (3 skipped: zero weights or dead inputs)
// CHECK:          ap_fixed<6,3> acc = b_fc[0];
// CHECK-NEXT:     acc += ap_fixed<4,2>(in0[0]) * w_fc[0];
// CHECK-NEXT:     acc += ap_fixed<4,3>(in0[2]) * w_fc[4];
// CHECK-NEXT:     out[0] = acc;
// CHECK:          ap_fixed<4,4> acc = 0;
// CHECK-NEXT:     acc += ap_fixed<4,3>(in0[2]) * w_fc[5];
// CHECK-NEXT:     out[1] = acc;
// CHECK:      out[0] = in0[0] > fc_t(0) ? relu_t(in0[0]) : relu_t(0);
// CHECK:      void small(const input_1_t input_1[3], output_1_t output_1[2]) {
// CHECK:      #pragma HLS PIPELINE II=1
// CHECK-LABEL: // ----- firmware/weights/w_fc.h
// CHECK:      static const w_fc_t w_fc[6] = {
// CHECK-NEXT:     0.5, 0, 1, -0.25, 0.75, 2,
// CHECK:      static const b_fc_t b_fc[2] = {
// CHECK-NEXT:     0.125, 0,

func.func @main(%x: tensor<?x3xf32>) -> tensor<?x2xf32> {
  %q = hgq.quantize %x {format = #hgq.fixed<k = dense<[1, 0, 1]> : tensor<3xi8>, i = dense<[1, 0, 2]> : tensor<3xi8>, f = dense<[2, 0, 1]> : tensor<3xi8>, rounding = RND, overflow = SAT>} : tensor<?x3xf32> loc("q")
  %d = hgq.dense %q {kernel = dense<[[0.5, 0.0], [1.0, -0.25], [0.75, 2.0]]> : tensor<3x2xf32>, bias = dense<[0.125, 0.0]> : tensor<2xf32>} : (tensor<?x3xf32>) -> tensor<?x2xf32> loc("fc")
  %r = hgq.activation "relu" %d : tensor<?x2xf32> loc("relu")
  return %r : tensor<?x2xf32>
}
