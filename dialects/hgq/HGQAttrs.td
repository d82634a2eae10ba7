//===- HGQAttrs.td - Fixed-point formats and HGQ quantizers -*- tablegen -*-===//

#ifndef HGQ_ATTRS_TD
#define HGQ_ATTRS_TD

include "HGQBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def HGQ_RoundingMode : I32EnumAttr<"RoundingMode",
    "rounding applied when a value has more fractional bits than its format", [
  I32EnumAttrCase<"TRN", 0>,
  I32EnumAttrCase<"RND", 1>,
  I32EnumAttrCase<"RND_CONV", 2>,
  I32EnumAttrCase<"TRN_ZERO", 3>,
  I32EnumAttrCase<"RND_ZERO", 4>,
  I32EnumAttrCase<"RND_INF", 5>,
  I32EnumAttrCase<"RND_MIN_INF", 6>
]> {
  let cppNamespace = "::hgq";
  let genSpecializedAttr = 0;
  let description = [{
    The rounding modes of Vitis `ap_fixed`, applied in the integer domain
    `s = x * 2^f`: `TRN` floor; `RND` ties toward +inf (`floor(s + 0.5)`);
    `RND_CONV` ties to even; `TRN_ZERO` toward zero; `RND_ZERO` ties toward
    zero; `RND_INF` ties away from zero; `RND_MIN_INF` ties toward -inf.
  }];
}

def HGQ_OverflowMode : I32EnumAttr<"OverflowMode",
    "what happens to a rounded value outside its format's range", [
  I32EnumAttrCase<"WRAP", 0>,
  I32EnumAttrCase<"SAT", 1>,
  I32EnumAttrCase<"SAT_SYM", 2>,
  I32EnumAttrCase<"SAT_ZERO", 3>
]> {
  let cppNamespace = "::hgq";
  let genSpecializedAttr = 0;
  let description = [{
    With `high = 2^(W-k) - 1` and `low = -(high+1)*k`: `WRAP` two's
    complement wrap to W bits; `SAT` clip to `[low, high]`; `SAT_SYM` clip to
    `[-high*k, high]`; `SAT_ZERO` replaces an out-of-range value by 0.
  }];
}

def HGQ_RoundingStrategy : I32EnumAttr<"RoundingStrategy",
    "HGQ training-time rounding strategy of a quantizer", [
  I32EnumAttrCase<"standard_round", 0>,
  I32EnumAttrCase<"floor", 1>,
  I32EnumAttrCase<"auto_", 2, "auto">,
  I32EnumAttrCase<"stochastic_round", 3>,
  I32EnumAttrCase<"fast_uniform_noise_injection", 4>
]> {
  let cppNamespace = "::hgq";
  let genSpecializedAttr = 0;
  let description = [{
    At inference `standard_round`, `stochastic_round` and
    `fast_uniform_noise_injection` round with `RND`, `floor` with `TRN`.
    `auto` (pre-activation quantizers only) becomes `RND` when the layer's
    bias can absorb the rounding, else `TRN`.
  }];
}

def HGQ_LayerActivation : I32EnumAttr<"LayerActivation",
    "activation fused into a dense or convolution layer", [
  I32EnumAttrCase<"linear", 0>,
  I32EnumAttrCase<"relu", 1>
]> {
  let cppNamespace = "::hgq";
  let genSpecializedAttr = 0;
}
def HGQ_LayerActivationAttr
    : EnumAttr<HGQ_Dialect, HGQ_LayerActivation, "layer_activation">;

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

def HGQ_BitsParameter
    : AttrParameter<"::mlir::DenseIntElementsAttr",
                    "per-element bit counts (i8), broadcastable"> {
  let parser = [{ ::hgq::parseBitsArray($_parser) }];
  let printer = [{ ::hgq::printBitsArray($_printer, $_self) }];
}

def HGQ_OptionalBitsParameter
    : OptionalParameter<"::mlir::DenseIntElementsAttr",
                        "per-element bit counts (i8), absent until known"> {
  let parser = [{ ::hgq::parseBitsArray($_parser) }];
  let printer = [{ ::hgq::printBitsArray($_printer, $_self) }];
}

def HGQ_FixedAttr : HGQ_Attr<"Fixed", "fixed"> {
  let summary = "a per-element fixed-point format";
  let description = [{
    A fixed-point format per element: `k` keep_negative (0 or 1), `i` integer
    bits excluding the sign, `f` fractional bits (may be negative), with the
    rounding and overflow modes applied when a value is quantized to it. The
    width is `W = k + i + f`; `(k, i, f)` is `ap_fixed<W, k+i>` (or
    `ap_ufixed` when `k = 0`). An element of width 0 is dead: it is always 0.

    Each of `k`, `i`, `f` is a plain integer (one value for the whole tensor)
    or a dense `i8` array broadcast against the tensor without its batch
    dimension. The three arrays must broadcast against each other, `k` may only
    hold 0 and 1, and no element may have a negative width.

    ```mlir
    // ap_fixed<8,3> everywhere, rounding to nearest, saturating.
    #hgq.fixed<k = 1, i = 2, f = 5, rounding = RND, overflow = SAT>
    // Per-channel fractional bits on a tensor<?x4xf32>.
    #hgq.fixed<k = 1, i = 3, f = dense<[2, 4, 0, 6]> : tensor<4xi8>,
               rounding = TRN, overflow = WRAP>
    ```
  }];
  let parameters = (ins
    HGQ_BitsParameter:$k,
    HGQ_BitsParameter:$i,
    HGQ_BitsParameter:$f,
    EnumParameter<HGQ_RoundingMode>:$rounding,
    EnumParameter<HGQ_OverflowMode>:$overflow
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The broadcast shape of k, i and f.
    ::llvm::SmallVector<int64_t> getBitsShape() const;
    /// True when every element has the same (k, i, f).
    bool isUniform() const;
  }];
}

def HGQ_QuantizerAttr : HGQ_Attr<"Quantizer", "quantizer"> {
  let summary = "an HGQ quantizer: learned fractional bits, traced integer bits";
  let description = [{
    A trained HGQ quantizer at inference: per-element fractional bits `f`
    (already `round_half_even(clip(fbw, bw_clip))`), the rounding strategy,
    and the `bw_clip` bounds the fractional bits were clipped to. Integer bits
    are unknown until trace-minmax records the range: then `k` and `i` are
    present as well. Bit arrays broadcast against the tensor without its batch
    dimension for pre-activation quantizers, and against the whole kernel for
    kernel quantizers.

    ```mlir
    // An untraced per-element quantizer of a 4-wide activation.
    #hgq.quantizer<f = dense<[3, 2, 5, 1]> : tensor<4xi8>, rnd = standard_round>
    // After trace-minmax: signed, 2 integer bits everywhere.
    #hgq.quantizer<f = 4, rnd = auto, k = 1, i = 2>
    ```
  }];
  let parameters = (ins
    HGQ_BitsParameter:$f,
    EnumParameter<HGQ_RoundingStrategy>:$rnd,
    DefaultValuedParameter<"int32_t", "::hgq::kDefaultBwClipMin">:$bw_clip_min,
    DefaultValuedParameter<"int32_t", "::hgq::kDefaultBwClipMax">:$bw_clip_max,
    HGQ_OptionalBitsParameter:$k,
    HGQ_OptionalBitsParameter:$i
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// True once trace-minmax has recorded k and i.
    bool isTraced() const { return getK() && getI(); }
    /// The broadcast shape of f (and of k, i when present).
    ::llvm::SmallVector<int64_t> getBitsShape() const;
  }];
}

#endif // HGQ_ATTRS_TD
