// hgq-attach-quantizers on a float model: HGQ's default quantizers, the
// ReLU folded into its layer, then overrides from a JSON and a YAML file.
// RUN: hgq-opt %s --hgq-attach-quantizers | FileCheck %s
// RUN: hgq-opt %s --hgq-attach-quantizers="config=%S/Inputs/quantizers.json" | FileCheck %s --check-prefix=JSON
// RUN: hgq-opt %s --hgq-attach-quantizers="config=%S/Inputs/quantizers.yaml" | FileCheck %s --check-prefix=YAML
// RUN: hgq-opt %s --hgq-attach-quantizers="print-default-config=true kq-init-bw=3.5 paq-skip-dims=all" -o /dev/null | FileCheck %s --check-prefix=DEFAULTS
// RUN: hgq-opt %s --hgq-attach-quantizers="config=%S/Inputs/quantizers-lists.yaml" | FileCheck %s --check-prefix=LISTS
// RUN: not hgq-opt %s --hgq-attach-quantizers="config=%S/Inputs/quantizers-bad-dim.yaml" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BADDIM
// RUN: hgq-opt %S/Inputs/attach-conv.mlir --hgq-attach-quantizers="config=%S/Inputs/quantizers-parallel.yaml" | FileCheck %s --check-prefix=PARALLEL
// RUN: not hgq-opt %S/Inputs/attach-conv.mlir --hgq-attach-quantizers="config=%S/Inputs/quantizers-unknown-layer.yaml" -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not hgq-opt %s --hgq-attach-quantizers="config=%S/Inputs/quantizers-parallel-dense.yaml" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PFDENSE

// parallel_factor per layer (ONNX_CONTRACT: the configuration file can set
// it), and a layer name the model does not have lists the ones it has.
// PARALLEL: hgq.conv {{.*}}kernel_quantizer = #hgq.quantizer<f = dense<4> : tensor<3x2x3xi8>, rnd = standard_round>, parallel_factor = 2 : i64
// UNKNOWN: error: hgq-attach-quantizers: {{.*}}quantizers-unknown-layer.yaml: layer 'conv_2' is not a layer of the model (layers: conv_1)
// PFDENSE: error: loc("dense_1"): hgq-attach-quantizers: {{.*}}: layer 'dense_1': parallel_factor applies to convolutions only

// HGQ's list forms of skip_dims (the dimensions that share one width): a
// kernel's [0] shares its first dimension; an activation's (0, 1) shares the
// batch and its first feature dimension; None is one width per element.
// LISTS:      hgq.quantize %{{.*}} {hgq.name = "x_quantizer", quantizer = #hgq.quantizer<f = dense<2> : tensor<1xi8>, rnd = auto>}
// LISTS-NEXT: hgq.dense {{.*}}kernel_quantizer = #hgq.quantizer<f = dense<2> : tensor<1x4xi8>, rnd = standard_round>, quantizer = #hgq.quantizer<f = dense<2> : tensor<1xi8>, rnd = auto>}
// LISTS-NEXT: hgq.dense {{.*}}kernel_quantizer = #hgq.quantizer<f = dense<2> : tensor<4x2xi8>, rnd = standard_round>, quantizer = #hgq.quantizer<f = dense<2> : tensor<1xi8>, rnd = auto>}
// BADDIM: error: loc("dense_1"): hgq-attach-quantizers: skip_dims [2] names dimension 2, but the kernel has 2 dimensions

// Defaults: input and pre-activation quantizers with one width per element
// (skip_dims batch) and rnd auto for layers; kernel quantizers per weight.
// CHECK:      %[[Q:.*]] = hgq.quantize %{{.*}} {hgq.name = "x_quantizer", quantizer = #hgq.quantizer<f = dense<2> : tensor<3xi8>, rnd = auto>}
// CHECK-NEXT: %[[D:.*]] = hgq.dense %[[Q]] {activation = #hgq<layer_activation relu>, hgq.name = "dense_1", kernel = {{.*}}, kernel_quantizer = #hgq.quantizer<f = dense<2> : tensor<3x4xi8>, rnd = standard_round>, quantizer = #hgq.quantizer<f = dense<2> : tensor<4xi8>, rnd = auto>}
// CHECK-NEXT: %[[O:.*]] = hgq.dense %[[D]]
// CHECK-NEXT: hgq.activation "tanh" %[[O]] {hgq.name = "tanh", quantizer = #hgq.quantizer<f = dense<2> : tensor<2xi8>, rnd = auto>}
// CHECK-NOT:  hgq.activation "relu"

// From the JSON file, a global paq init_bw of 4 and dense_1's kernel at 6
// bits per output channel.
// JSON: hgq.quantize %{{.*}} {hgq.name = "x_quantizer", quantizer = #hgq.quantizer<f = dense<4> : tensor<3xi8>, rnd = auto>}
// JSON: kernel_quantizer = #hgq.quantizer<f = dense<6> : tensor<1x4xi8>, rnd = standard_round>, quantizer = #hgq.quantizer<f = dense<4> : tensor<4xi8>, rnd = auto>

// The same file in YAML, plus a clipped init_bw for dense_2's
// pre-activation quantizer (30 -> bw_clip max 8) shared by all outputs.
// YAML: kernel_quantizer = #hgq.quantizer<f = dense<6> : tensor<1x4xi8>, rnd = standard_round>
// YAML: quantizer = #hgq.quantizer<f = 8, rnd = floor, bw_clip_min = -8, bw_clip_max = 8>

// DEFAULTS:      "kq_conf": {
// DEFAULTS-NEXT:   "init_bw": 3.5,
// DEFAULTS-NEXT:   "skip_dims": "none",
// DEFAULTS-NEXT:   "rnd_strategy": "standard_round",
// DEFAULTS-NEXT:   "bw_clip": [
// DEFAULTS-NEXT:     -23,
// DEFAULTS-NEXT:     23
// DEFAULTS-NEXT:   ],
// DEFAULTS-NEXT:   "exact_q_value": true,
// DEFAULTS-NEXT:   "trainable": true,
// DEFAULTS-NEXT:   "regularizer": "L1(1e-6)",
// DEFAULTS-NEXT:   "minmax_record": false
// DEFAULTS:      "paq_conf": {
// DEFAULTS-NEXT:   "init_bw": 2,
// DEFAULTS-NEXT:   "skip_dims": "all",
// DEFAULTS-NEXT:   "rnd_strategy": "auto",
// DEFAULTS:        "minmax_record": true

func.func @main(%x: tensor<?x3xf32> loc("x")) -> tensor<?x2xf32> {
  %d = hgq.dense %x {kernel = dense<0.5> : tensor<3x4xf32>} : (tensor<?x3xf32>) -> tensor<?x4xf32> loc("dense_1")
  %r = hgq.activation "relu" %d : tensor<?x4xf32> loc("relu_1")
  %o = hgq.dense %r {kernel = dense<0.25> : tensor<4x2xf32>} : (tensor<?x4xf32>) -> tensor<?x2xf32> loc("dense_2")
  %t = hgq.activation "tanh" %o : tensor<?x2xf32> loc("tanh")
  return %t : tensor<?x2xf32>
}
