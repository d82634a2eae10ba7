// Folders of the hgq dialect: ops that do nothing disappear, chains compose.
// RUN: hgq-opt %s -canonicalize -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @linear_activation
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @linear_activation(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = hgq.activation "linear" %x : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// A linear activation with a quantizer still quantizes: it stays.
// CHECK-LABEL: func.func @linear_activation_with_quantizer
// CHECK: hgq.activation "linear"
func.func @linear_activation_with_quantizer(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = hgq.activation "linear" %x {quantizer = #hgq.quantizer<f = 2, rnd = floor>} : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_chain
// CHECK-SAME: (%[[X:.*]]: tensor<?x2x6xf32>)
// CHECK-NEXT: %[[R:.*]] = hgq.reshape %[[X]] : (tensor<?x2x6xf32>) -> tensor<?x3x4xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_chain(%x: tensor<?x2x6xf32>) -> tensor<?x3x4xf32> {
  %0 = hgq.reshape %x : (tensor<?x2x6xf32>) -> tensor<?x12xf32>
  %1 = hgq.reshape %0 : (tensor<?x12xf32>) -> tensor<?x3x4xf32>
  return %1 : tensor<?x3x4xf32>
}

// -----

// CHECK-LABEL: func.func @identity_shapes
// CHECK-SAME: (%[[X:.*]]: tensor<?x12xf32>)
// CHECK-NEXT: return %[[X]]
func.func @identity_shapes(%x: tensor<?x12xf32>) -> tensor<?x12xf32> {
  %0 = hgq.reshape %x : (tensor<?x12xf32>) -> tensor<?x12xf32>
  %1 = hgq.flatten %0 : (tensor<?x12xf32>) -> tensor<?x12xf32>
  %2 = hgq.transpose %1 {permutation = array<i64: 0, 1>} : (tensor<?x12xf32>) -> tensor<?x12xf32>
  return %2 : tensor<?x12xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_chain
// CHECK-SAME: (%[[X:.*]]: tensor<?x2x3x4xf32>)
// CHECK-NEXT: %[[T:.*]] = hgq.transpose %[[X]] {permutation = array<i64: 0, 3, 1, 2>} : (tensor<?x2x3x4xf32>) -> tensor<?x4x2x3xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_chain(%x: tensor<?x2x3x4xf32>) -> tensor<?x4x2x3xf32> {
  %0 = hgq.transpose %x {permutation = array<i64: 0, 2, 3, 1>} : (tensor<?x2x3x4xf32>) -> tensor<?x3x4x2xf32>
  %1 = hgq.transpose %0 {permutation = array<i64: 0, 2, 3, 1>} : (tensor<?x3x4x2xf32>) -> tensor<?x4x2x3xf32>
  return %1 : tensor<?x4x2x3xf32>
}

// -----

// Two transposes that cancel leave nothing.
// CHECK-LABEL: func.func @transpose_cancel
// CHECK-SAME: (%[[X:.*]]: tensor<?x2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @transpose_cancel(%x: tensor<?x2x3xf32>) -> tensor<?x2x3xf32> {
  %0 = hgq.transpose %x {permutation = array<i64: 0, 2, 1>} : (tensor<?x2x3xf32>) -> tensor<?x3x2xf32>
  %1 = hgq.transpose %0 {permutation = array<i64: 0, 2, 1>} : (tensor<?x3x2xf32>) -> tensor<?x2x3xf32>
  return %1 : tensor<?x2x3xf32>
}

// -----

// Quantizers are never removed, even when they look redundant.
// CHECK-LABEL: func.func @quantizers_stay
// CHECK-COUNT-2: hgq.quantize
func.func @quantizers_stay(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 2, f = 3, rounding = RND, overflow = SAT>} : tensor<?x4xf32>
  %1 = hgq.quantize %0 {format = #hgq.fixed<k = 1, i = 2, f = 3, rounding = RND, overflow = SAT>} : tensor<?x4xf32>
  return %1 : tensor<?x4xf32>
}
