//===- HGQOps.td - The hgq dialect operations --------------*- tablegen -*-===//

#ifndef HGQ_OPS_TD
#define HGQ_OPS_TD

include "HGQAttrs.td"
include "HGQInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def HGQ_Tensor : RankedTensorOf<[F32]>;

//===----------------------------------------------------------------------===//
// Quantization points
//===----------------------------------------------------------------------===//

def HGQ_QuantizeOp : HGQ_Op<"quantize", [Pure, SameOperandsAndResultType]> {
  let summary = "quantize an activation (HQuantize or a proxy quantizer)";
  let description = [{
    Quantizes every element of `input`. Exactly one of the two attributes is
    present, and it says which level the op is at:

    * `quantizer` (layer level, HGQ's `HQuantize`): an HGQ quantizer whose
      fractional bits are known and whose integer bits appear once traced.
      Until then it rounds to `f` and never overflows.
    * `format` (proxy level, hls4ml's `FixedPointQuantizer`): round, then
      apply the overflow mode, per element (semantics.md 1).

    Either attribute's bit arrays must broadcast against the input without its
    batch dimension.

    ```mlir
    %q = hgq.quantize %x {quantizer = #hgq.quantizer<f = 4, rnd = standard_round>} : tensor<?x8xf32>
    %p = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 2, f = 4, rounding = RND, overflow = SAT>} : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins HGQ_Tensor:$input,
                       OptionalAttr<HGQ_QuantizerAttr>:$quantizer,
                       OptionalAttr<HGQ_FixedAttr>:$format);
  let results = (outs HGQ_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def HGQ_SignatureOp : HGQ_Op<"signature", [Pure, SameOperandsAndResultType]> {
  let summary = "declare that an input is already in a fixed-point format";
  let description = [{
    HGQ's `Signature` layer: the input is declared to be in `format` (whose
    rounding is `TRN`). In the layer-level model it is the identity; the
    conversion to the proxy turns it into a truncating quantizer with the
    chosen overflow mode.

    ```mlir
    %s = hgq.signature %x {format = #hgq.fixed<k = 1, i = 3, f = 4, rounding = TRN, overflow = WRAP>} : tensor<?x16xf32>
    ```
  }];
  let arguments = (ins HGQ_Tensor:$input, HGQ_FixedAttr:$format);
  let results = (outs HGQ_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Layers with weights
//===----------------------------------------------------------------------===//

def HGQ_DenseOp : HGQ_Op<"dense", [Pure, HGQ_LayerOpInterface]> {
  let summary = "fully connected layer (HDense)";
  let description = [{
    `z = input . kernel + bias` over the last dimension (`kernel` is
    `(in, out)`; leading dimensions after the batch are positions), then the
    pre-activation `quantizer` when present, then the fused `activation`
    (`linear` or `relu`): for ReLU layers quantization comes first.

    The optional `kernel_quantizer` quantizes the kernel (its bit arrays
    broadcast against the whole kernel; its rounding strategy cannot be
    `auto`). Dense and convolution layers are where BatchNorm fusion and the
    bias rounding absorption happen; after the conversion to the proxy the
    kernel and bias hold already-quantized values and the quantizers are
    separate `hgq.quantize` ops.

    ```mlir
    %y = hgq.dense %x {kernel = dense<[[0.5, -0.25], [1.0, 0.75]]> : tensor<2x2xf32>,
                       bias = dense<[0.0, 0.125]> : tensor<2xf32>,
                       kernel_quantizer = #hgq.quantizer<f = 2, rnd = standard_round>,
                       quantizer = #hgq.quantizer<f = 3, rnd = auto>,
                       activation = #hgq<layer_activation relu>}
        : (tensor<?x2xf32>) -> tensor<?x2xf32>
    ```
  }];
  let arguments = (ins HGQ_Tensor:$input,
                       ElementsAttr:$kernel,
                       OptionalAttr<ElementsAttr>:$bias,
                       OptionalAttr<HGQ_QuantizerAttr>:$kernel_quantizer,
                       OptionalAttr<HGQ_QuantizerAttr>:$quantizer,
                       DefaultValuedAttr<HGQ_LayerActivationAttr,
                         "::hgq::LayerActivation::linear">:$activation);
  let results = (outs HGQ_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let builders = [
    // The result type from the shapes: the input's, with the kernel's
    // output count last. No pre-activation quantizer, linear activation.
    OpBuilder<(ins "::mlir::Value":$input, "::mlir::ElementsAttr":$kernel,
                   CArg<"::mlir::ElementsAttr", "{}">:$bias,
                   CArg<"::hgq::QuantizerAttr", "{}">:$kernel_quantizer)>
  ];
}

def HGQ_ConvOp : HGQ_Op<"conv", [Pure, HGQ_LayerOpInterface]> {
  let summary = "1-D or 2-D convolution, channels-last (HConv1D/HConv2D)";
  let description = [{
    Cross-correlation of a channels-last input (`N x W x C` or `N x H x W x C`)
    with a kernel `(KW, C/groups, O)` or `(KH, KW, C/groups, O)`, plus the
    optional bias, then the pre-activation `quantizer` and the fused
    `activation`, as for `hgq.dense`.

    `strides` and `dilations` have one entry per spatial dimension (default
    1); `pads` lists the zero padding before each spatial dimension, then
    after each (ONNX order, default 0). `groups` is 1 or the channel count
    (depthwise). `parallel_factor` is HGQ's: how many output positions the
    hardware computes in parallel; it scales the per-position BOPs and must lie
    between 1 and the number of output positions.

    ```mlir
    %y = hgq.conv %x {kernel = dense<0.5> : tensor<3x2x4xf32>,
                      strides = array<i64: 1>, pads = array<i64: 1, 1>,
                      parallel_factor = 2 : i64}
        : (tensor<?x8x2xf32>) -> tensor<?x8x4xf32>
    ```
  }];
  let arguments = (ins HGQ_Tensor:$input,
                       ElementsAttr:$kernel,
                       OptionalAttr<ElementsAttr>:$bias,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       OptionalAttr<DenseI64ArrayAttr>:$dilations,
                       OptionalAttr<DenseI64ArrayAttr>:$pads,
                       DefaultValuedAttr<I64Attr, "1">:$groups,
                       DefaultValuedAttr<I64Attr, "1">:$parallel_factor,
                       OptionalAttr<HGQ_QuantizerAttr>:$kernel_quantizer,
                       OptionalAttr<HGQ_QuantizerAttr>:$quantizer,
                       DefaultValuedAttr<HGQ_LayerActivationAttr,
                         "::hgq::LayerActivation::linear">:$activation);
  let results = (outs HGQ_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let builders = [
    // The result type from the window arithmetic (hgq::windowResultShape).
    // Empty strides, dilations or pads leave the attribute out (defaults).
    OpBuilder<(ins "::mlir::Value":$input, "::mlir::ElementsAttr":$kernel,
                   "::mlir::ElementsAttr":$bias,
                   "::llvm::ArrayRef<int64_t>":$strides,
                   "::llvm::ArrayRef<int64_t>":$dilations,
                   "::llvm::ArrayRef<int64_t>":$pads,
                   CArg<"int64_t", "1">:$groups,
                   CArg<"int64_t", "1">:$parallel_factor,
                   CArg<"::hgq::QuantizerAttr", "{}">:$kernel_quantizer)>
  ];
  let extraClassDeclaration = [{
    /// Number of spatial dimensions (1 or 2).
    int64_t getSpatialRank() { return getInput().getType().getRank() - 2; }
    /// Strides, dilations and pads with their defaults filled in.
    ::llvm::SmallVector<int64_t> getStrideValues();
    ::llvm::SmallVector<int64_t> getDilationValues();
    ::llvm::SmallVector<int64_t> getPadValues();
  }];
}

def HGQ_BatchNormOp : HGQ_Op<"batchnorm", [Pure, SameOperandsAndResultType]> {
  let summary = "batch normalization over the last (channel) dimension";
  let description = [{
    `(x - mean) * gamma / sqrt(variance + epsilon) + beta` per channel (the
    last dimension), in float32. `hgq-fuse-batchnorm` folds it into the
    preceding dense or convolution layer; left alone it runs in float.

    ```mlir
    %y = hgq.batchnorm %x {gamma = dense<1.0> : tensor<4xf32>, beta = dense<0.0> : tensor<4xf32>,
                           mean = dense<0.5> : tensor<4xf32>, variance = dense<2.0> : tensor<4xf32>,
                           epsilon = 1.0e-3 : f64} : tensor<?x4xf32>
    ```
  }];
  let arguments = (ins HGQ_Tensor:$input,
                       ElementsAttr:$gamma, ElementsAttr:$beta,
                       ElementsAttr:$mean, ElementsAttr:$variance,
                       F64Attr:$epsilon);
  let results = (outs HGQ_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The per-channel multiplier gamma / sqrt(variance + epsilon), in
    /// float32 as the executor and the fusion into a layer both use it.
    std::vector<float> getChannelScales();
  }];
}

//===----------------------------------------------------------------------===//
// Activations and lookup tables
//===----------------------------------------------------------------------===//

def HGQ_ActivationOp : HGQ_Op<"activation", [Pure, SameOperandsAndResultType]> {
  let summary = "a named activation, then an optional quantizer (HActivation)";
  let description = [{
    Applies the activation `fn` in float32, then the optional quantizer (for
    HActivation the function comes before quantization). Known functions:
    `linear`, `relu`, `leaky_relu` (`alpha`), `sigmoid`, `tanh`, `softmax`
    (`axis`, default -1, never the batch), `hard_sigmoid` (`alpha`, `beta`),
    `elu` (`alpha`), `selu` (`alpha`, `gamma`), `softplus`, `softsign`,
    `exp`, `log`, `abs`, `neg`, `sqrt`, `reciprocal`, `sin`, `cos`, `tan`,
    `asin`, `acos`, `atan`, `sinh`, `cosh`, `asinh`, `acosh`, `atanh`, `erf`,
    `gelu`, `silu`, `hard_swish`, `sign`, `floor`, `ceil`, `round`,
    `bipolar` (QONNX's BipolarQuant: 1 for x >= 0, else -1), `clip`
    (ONNX's Clip, PyTorch's ReLU6: `alpha` the lower bound, `beta` the upper
    one).
    Parameters a function does not use are rejected; missing ones take the
    ONNX defaults.

    At proxy level (no op of the function carries an HGQ quantizer),
    `sigmoid`, `tanh` and `softmax` on fixed-point inputs are not float
    functions but fixed-point table algorithms with stated index and entry
    formats (docs/activations.md), so that `hgq-run` and the emitted HLS code
    compute the same bits.

    ```mlir
    %y = hgq.activation "leaky_relu" %x {alpha = 0.125 : f32} : tensor<?x8xf32>
    %z = hgq.activation "tanh" %x {quantizer = #hgq.quantizer<f = 6, rnd = standard_round>} : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins HGQ_Tensor:$input, StrAttr:$fn,
                       OptionalAttr<F32Attr>:$alpha,
                       OptionalAttr<F32Attr>:$beta,
                       OptionalAttr<F32Attr>:$gamma,
                       OptionalAttr<I64Attr>:$axis,
                       OptionalAttr<HGQ_QuantizerAttr>:$quantizer);
  let results = (outs HGQ_Tensor:$output);
  let assemblyFormat = "$fn $input attr-dict `:` type($input)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let builders = [
    // A parameterless function, then the optional quantizer.
    OpBuilder<(ins "::mlir::Value":$input, "::llvm::StringRef":$fn,
                   CArg<"::hgq::QuantizerAttr", "{}">:$quantizer), [{
      build($_builder, $_state, input.getType(), input,
            $_builder.getStringAttr(fn), nullptr, nullptr, nullptr, nullptr,
            quantizer);
    }]>
  ];
}

def HGQ_UnaryLutOp : HGQ_Op<"unary_lut", [Pure, SameOperandsAndResultType]> {
  let summary = "an activation as a lookup table indexed by the input's bits";
  let description = [{
    `table` has `N = 2^W` entries for the uniform input format
    `input_format` (`W = k + i + f`), in two's-complement index order: the
    entry for input `x` is `table[round(x * 2^f) mod N]`, i.e. the raw bits of
    the input word (semantics.md 4.3). The entries are already quantized to the
    output format. `fn` optionally names the function the table was built from.

    ```mlir
    %y = hgq.unary_lut %x {table = dense<[0.0, 0.5, -1.0, -0.5]> : tensor<4xf32>,
                           input_format = #hgq.fixed<k = 1, i = 0, f = 1, rounding = TRN, overflow = WRAP>,
                           fn = "sin"} : tensor<?x4xf32>
    ```
  }];
  let arguments = (ins HGQ_Tensor:$input, ElementsAttr:$table,
                       HGQ_FixedAttr:$input_format, OptionalAttr<StrAttr>:$fn);
  let results = (outs HGQ_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def HGQ_RescaleOp : HGQ_Op<"rescale", [Pure, SameOperandsAndResultType]> {
  let summary = "multiply or divide by constant scales, in float32";
  let description = [{
    `input * scale` (or `input / scale` with `divide`), in float32, with
    `scale` broadcast against the input without its batch dimension. It
    carries the non-power-of-two scales of QONNX and QDQ quantizers, which
    no fixed-point format can express: the importer warns where it emits one,
    because its result is float, not bit-exact hardware arithmetic.

    ```mlir
    %s = hgq.rescale %x {scale = dense<[0.3, 0.7]> : tensor<2xf32>, divide} : tensor<?x2xf32>
    ```
  }];
  let arguments = (ins HGQ_Tensor:$input, ElementsAttr:$scale,
                       UnitAttr:$divide);
  let results = (outs HGQ_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Merging and pooling
//===----------------------------------------------------------------------===//

def HGQ_AddOp : HGQ_Op<"add", [Pure, Commutative, SameOperandsAndResultType]> {
  let summary = "elementwise sum of two activations (HAdd)";
  let description = [{
    `lhs + rhs`, then the optional quantizer.

    ```mlir
    %s = hgq.add %a, %b {quantizer = #hgq.quantizer<f = 3, rnd = standard_round>} : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins HGQ_Tensor:$lhs, HGQ_Tensor:$rhs,
                       OptionalAttr<HGQ_QuantizerAttr>:$quantizer);
  let results = (outs HGQ_Tensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($output)";
  let hasVerifier = 1;
}

class HGQ_PoolOp<string mnemonic, string what>
    : HGQ_Op<mnemonic, [Pure]> {
  let summary = what # " pooling, 1-D or 2-D, channels-last";
  let arguments = (ins HGQ_Tensor:$input,
                       DenseI64ArrayAttr:$window,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       OptionalAttr<DenseI64ArrayAttr>:$pads);
  let results = (outs HGQ_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let builders = [
    // The result type from the window arithmetic; empty strides or pads
    // leave the attribute out (defaults).
    OpBuilder<(ins "::mlir::Value":$input, "::llvm::ArrayRef<int64_t>":$window,
                   CArg<"::llvm::ArrayRef<int64_t>", "{}">:$strides,
                   CArg<"::llvm::ArrayRef<int64_t>", "{}">:$pads), [{
      auto type = ::mlir::cast<::mlir::RankedTensorType>(input.getType());
      ::hgq::WindowShape shape = ::hgq::windowResultShape(
          type.getShape(), window, strides, {}, pads, type.getShape().back());
      build($_builder, $_state, type.clone(shape.shape), input,
            $_builder.getDenseI64ArrayAttr(window),
            strides.empty() ? nullptr : $_builder.getDenseI64ArrayAttr(strides),
            pads.empty() ? nullptr : $_builder.getDenseI64ArrayAttr(pads));
    }]>
  ];
  let extraClassDeclaration = [{
    int64_t getSpatialRank() { return getInput().getType().getRank() - 2; }
    /// Strides default to the window; pads to 0 (before each, then after).
    ::llvm::SmallVector<int64_t> getStrideValues();
    ::llvm::SmallVector<int64_t> getPadValues();
  }];
}

def HGQ_MaxPoolOp : HGQ_PoolOp<"max_pool", "max"> {
  let description = [{
    The maximum over each window of a channels-last input (`N x W x C` or
    `N x H x W x C`). `window` and `strides` (default: the window) have one
    entry per spatial dimension; `pads` the padding before each spatial
    dimension, then after. Padded cells never win the maximum.

    ```mlir
    %y = hgq.max_pool %x {window = array<i64: 2, 2>} : (tensor<?x4x4x3xf32>) -> tensor<?x2x2x3xf32>
    ```
  }];
}

def HGQ_AvgPoolOp : HGQ_PoolOp<"avg_pool", "average"> {
  let description = [{
    The sum over each window divided by the number of non-padded cells in it
    (ONNX `count_include_pad = 0`), truncating. The division is exact in
    fixed point only when it is a shift, so every window's effective size,
    including the smaller windows at padded edges, must be a power of two: the
    verifier rejects the op otherwise, naming the first offending window. The
    output gets `ceil(log2(window size))` more fractional bits.

    ```mlir
    %y = hgq.avg_pool %x {window = array<i64: 2>, strides = array<i64: 2>} : (tensor<?x8x3xf32>) -> tensor<?x4x3xf32>
    ```
  }];
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

def HGQ_ConcatOp : HGQ_Op<"concat", [Pure]> {
  let summary = "concatenate activations along a non-batch axis";
  let description = [{
    All inputs have the same rank and agree on every dimension except `axis`
    (1 .. rank-1, or negative from the end; never the batch).

    ```mlir
    %c = hgq.concat %a, %b {axis = 1 : i64} : (tensor<?x3xf32>, tensor<?x5xf32>) -> tensor<?x8xf32>
    ```
  }];
  let arguments = (ins Variadic<HGQ_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs HGQ_Tensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, results)";
  let hasVerifier = 1;
  let builders = [
    // The result type: the inputs' shape with their sizes along `axis`
    // summed (dynamic when any is).
    OpBuilder<(ins "::mlir::ValueRange":$inputs, "int64_t":$axis)>
  ];
}

def HGQ_ReshapeOp : HGQ_Op<"reshape", [Pure]> {
  let summary = "reshape the non-batch dimensions";
  let description = [{
    The result type gives the new shape; the batch dimension is kept and the
    non-batch element counts must match. Elements keep their row-major order.

    ```mlir
    %r = hgq.reshape %x : (tensor<?x4x4xf32>) -> tensor<?x16xf32>
    ```
  }];
  let arguments = (ins HGQ_Tensor:$input);
  let results = (outs HGQ_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def HGQ_FlattenOp : HGQ_Op<"flatten", [Pure]> {
  let summary = "flatten all non-batch dimensions into one";
  let description = [{
    ```mlir
    %f = hgq.flatten %x : (tensor<?x2x3x4xf32>) -> tensor<?x24xf32>
    ```
  }];
  let arguments = (ins HGQ_Tensor:$input);
  let results = (outs HGQ_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let builders = [
    // The result type: the batch, then the product of the other dimensions.
    OpBuilder<(ins "::mlir::Value":$input)>
  ];
}

def HGQ_TransposeOp : HGQ_Op<"transpose", [Pure]> {
  let summary = "permute the non-batch dimensions";
  let description = [{
    `permutation` lists, for each result dimension, the input dimension it
    takes; entry 0 must be 0 (the batch stays first).

    ```mlir
    %t = hgq.transpose %x {permutation = array<i64: 0, 2, 1>} : (tensor<?x3x5xf32>) -> tensor<?x5x3xf32>
    ```
  }];
  let arguments = (ins HGQ_Tensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs HGQ_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let builders = [
    // The result type: the input's dimensions in `permutation` order.
    OpBuilder<(ins "::mlir::Value":$input,
                   "::llvm::ArrayRef<int64_t>":$permutation)>
  ];
}

#endif // HGQ_OPS_TD
