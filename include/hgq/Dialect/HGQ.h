//===- HGQ.h - The hgq dialect, its attributes and ops ----------*- C++ -*-===//

#ifndef HGQ_DIALECT_HGQ_H
#define HGQ_DIALECT_HGQ_H

#include "hgq/Fixed/BitOps.h"
#include "hgq/Fixed/Fixed.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/hgq/HGQEnums.h.inc"

namespace hgq {
/// HGQ's default clip of a quantizer's fractional bits, bw_clip = (-23, 23):
/// the defaults of #hgq.quantizer's bw_clip_min / bw_clip_max.
inline constexpr int32_t kDefaultBwClipMin = -23;
inline constexpr int32_t kDefaultBwClipMax = 23;

/// A shape as "[2, ?, 3]" (? for a dynamic dimension), for diagnostics.
std::string shapeString(llvm::ArrayRef<int64_t> shape);

/// Parses a per-element bit array: a plain integer (one value for the whole
/// tensor, stored as a rank-0 i8 array) or a dense integer elements attribute.
mlir::FailureOr<mlir::DenseIntElementsAttr>
parseBitsArray(mlir::AsmParser &parser);
void printBitsArray(mlir::AsmPrinter &printer, mlir::DenseIntElementsAttr bits);
/// A rank-0 i8 array holding `value`.
mlir::DenseIntElementsAttr makeBitsArray(mlir::MLIRContext *context,
                                         int8_t value);
} // namespace hgq

#define GET_ATTRDEF_CLASSES
#include "dialects/hgq/HGQAttrs.h.inc"

// After the attributes: the dialect's discardable-attribute helpers use them.
#include "dialects/hgq/HGQDialect.h.inc"

namespace hgq {

/// The two levels of the dialect (ARCHITECTURE.md, "two levels in one").
/// Explicit fixed-point formats (`hgq.quantize` with `format`,
/// `hgq.unary_lut`) are valid at both levels: an HGQ model may fix a format
/// where it wants one. What marks the proxy are the per-tensor HLS types
/// that only the conversion records.
enum class Level {
  Layer, ///< carries an HGQ quantizer (#hgq.quantizer) or is hgq.signature
  Proxy, ///< carries hgq.result_t, weight_t, bias_t, accum_t or table_t
  Both,  ///< meaningful at either level
};
/// The level of an op, from what it carries.
Level levelOf(mlir::Operation *op);
/// The per-tensor HLS types only the conversion to the proxy records
/// (hgq.result_t, weight_t, bias_t, accum_t, table_t).
llvm::ArrayRef<llvm::StringLiteral> proxyTypeAttrNames();
/// "layer", "proxy" or "either".
llvm::StringRef levelName(Level level);
/// True when `op` is at proxy level (or at both levels): it carries no HGQ
/// quantizer and is not an hgq.signature, which the conversion to the proxy
/// turns into a quantizer.
inline bool isProxyLevel(mlir::Operation *op) {
  return levelOf(op) != Level::Layer;
}
/// True when the ops under `function` form a proxy: no op is at layer level
/// and at least one is a proxy quantizer (an hgq.quantize with a format). A
/// float model without quantizers is not one.
bool isProxyFunction(mlir::Operation *function);
/// The check of the OneLevel trait: `op` and the nearest op before it in its
/// block whose level is definite are at the same level.
mlir::LogicalResult verifyOneLevel(mlir::Operation *op);

namespace OpTrait {
/// Every hgq op: a block never mixes layer-level and proxy-level ops (a
/// function is either an HGQ model or its proxy, never half of each).
template <typename ConcreteType>
class OneLevel : public mlir::OpTrait::TraitBase<ConcreteType, OneLevel> {
public:
  static mlir::LogicalResult verifyTrait(mlir::Operation *op) {
    return verifyOneLevel(op);
  }
};
} // namespace OpTrait

} // namespace hgq

#include "dialects/hgq/HGQInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dialects/hgq/HGQOps.h.inc"

namespace hgq {

/// Conversions between the dialect's enums and the numeric core's.
fixed::Rounding toFixed(RoundingMode mode);
fixed::Overflow toFixed(OverflowMode mode);
/// The inference-time rounding of a strategy; `auto` resolves to RND when
/// `biasAbsorbsRounding`, else TRN.
fixed::Rounding inferenceRounding(RoundingStrategy strategy,
                                  bool biasAbsorbsRounding);

/// NumPy broadcast of `bits` (aligned on the last dimension) to `shape`;
/// dynamic target dimensions accept any size.
bool isBroadcastableTo(llvm::ArrayRef<int64_t> bits,
                       llvm::ArrayRef<int64_t> shape);

/// The format of every element of a static `shape` (row-major), expanding the
/// broadcast k, i, f arrays of `format`.
llvm::SmallVector<fixed::Format> expandFormats(FixedAttr format,
                                               llvm::ArrayRef<int64_t> shape);
/// The same for a traced quantizer (k and i present).
llvm::SmallVector<fixed::Format> expandFormats(QuantizerAttr quantizer,
                                               llvm::ArrayRef<int64_t> shape);
/// The fractional bits of a quantizer broadcast to a static `shape`.
llvm::SmallVector<int> expandFractionalBits(QuantizerAttr quantizer,
                                            llvm::ArrayRef<int64_t> shape);

} // namespace hgq

namespace hgq {

/// A proxy format in canonical form: a bit array whose elements are all
/// equal is stored as one value (a proxy format has no sharing to keep, unlike
/// an HGQ quantizer). Every producer of proxy formats builds them this way, so
/// equal formats print equally.
FixedAttr canonicalFixed(mlir::MLIRContext *context,
                         mlir::DenseIntElementsAttr k,
                         mlir::DenseIntElementsAttr i,
                         mlir::DenseIntElementsAttr f, RoundingMode rounding,
                         OverflowMode overflow);

/// One format for a whole tensor (normalized), as the recorded per-tensor
/// types (`hgq.result_t`, ...) are.
FixedAttr uniformFormat(mlir::MLIRContext *context, fixed::Format format,
                        RoundingMode rounding, OverflowMode overflow);

/// The proxy format of HGQ's "kbi" arrays (semantics.md: keep_negative k,
/// bits W, integers I = k + i), int8 arrays that broadcast together: i = I -
/// k, f = W - I, kept as written (a zero-width element is dead whatever its
/// k and I, and round trips keep them). Checked and canonical; null after a
/// diagnostic from `emitError`.
FixedAttr kbiFormat(mlir::MLIRContext *context, mlir::DenseIntElementsAttr keep,
                    mlir::DenseIntElementsAttr bits,
                    mlir::DenseIntElementsAttr integers, RoundingMode rounding,
                    OverflowMode overflow,
                    llvm::function_ref<mlir::InFlightDiagnostic()> emitError);

/// The result shape of a sliding window (convolution or pooling) over a
/// channels-last input shape (batch, spatial..., channels): `window` has one
/// entry per spatial axis; `strides` and `dilations` one (empty: 1); `pads`
/// the begins then the ends (empty: 0); the result has `channels` channels.
/// `misfitAxis` names the first spatial axis the window does not fit (its
/// size is then dynamic, which the op verifier rejects with that axis).
struct WindowShape {
  llvm::SmallVector<int64_t> shape;
  std::optional<int64_t> misfitAxis;
};
WindowShape windowResultShape(llvm::ArrayRef<int64_t> input,
                              llvm::ArrayRef<int64_t> window,
                              llvm::ArrayRef<int64_t> strides,
                              llvm::ArrayRef<int64_t> dilations,
                              llvm::ArrayRef<int64_t> pads, int64_t channels);

/// The 2-D window geometry of a conv or pool over a channels-last `input`
/// (static spatial dims): per spatial axis the window, strides, dilations
/// (empty: 1) and pads (begins, then ends). 1-D ops fill the second axis.
fixed::WindowGeometry windowGeometry(mlir::RankedTensorType input,
                                     llvm::ArrayRef<int64_t> window,
                                     llvm::ArrayRef<int64_t> strides,
                                     llvm::ArrayRef<int64_t> dilations,
                                     llvm::ArrayRef<int64_t> pads);

/// The total padding of one spatial dimension under "same" padding
/// (TensorFlow's, ONNX's SAME_*): the output has ceil(input / stride)
/// positions. SAME_UPPER and TensorFlow put the odd cell at the end.
int64_t samePaddingTotal(int64_t input, int64_t window, int64_t stride,
                         int64_t dilation);
/// TensorFlow's (and ONNX's SAME_UPPER) "same" pads of every spatial axis:
/// the begins, then the ends, the odd cell at the end.
std::vector<int64_t> samePads(llvm::ArrayRef<int64_t> input,
                              llvm::ArrayRef<int64_t> window,
                              llvm::ArrayRef<int64_t> strides,
                              llvm::ArrayRef<int64_t> dilations);

/// One sample's shape: a ranked tensor value's shape without its batch
/// dimension (the type's storage, valid as long as the context).
inline llvm::ArrayRef<int64_t> featuresOf(mlir::Value value) {
  return mlir::cast<mlir::RankedTensorType>(value.getType())
      .getShape()
      .drop_front();
}

/// The values of a float32 constant.
std::vector<float> floatsOf(mlir::ElementsAttr attr);

/// The name a location gives (an ONNX node name: a NameLoc, possibly inside
/// a FusedLoc), or "" when it has none.
std::string locationName(mlir::Location loc);

/// The source model's name of a layer: its hgq.name attribute, else the
/// name its location gives ("" when it has neither).
std::string layerName(mlir::Operation *op);
/// The same for a function argument (its hgq.name argument attribute).
std::string argumentName(mlir::BlockArgument argument);
/// Sets hgq.name on every hgq op and function argument under `root` that
/// has none but whose location names it: what importers and passes call
/// once they have built ops, so the names are printed with the IR.
void recordLayerNames(mlir::Operation *root);
/// The reverse, for IR read without locations: an op or argument whose
/// location names nothing gets a NameLoc of its hgq.name, so ops a pass
/// creates at its location are named after it.
void restoreLayerLocations(mlir::Operation *root);

/// A parameterless ReLU that is the only reader of a linear `layer`'s
/// output becomes the layer's fused activation: the layer is set to relu and
/// the ReLU's uses now read the layer. Returns that ReLU, unused, for the
/// caller to erase (null when there is none to fold).
ActivationOp foldFollowingRelu(LayerOpInterface layer);

/// HGQ's can_bias_cover_rnd: the layer has a bias and its pre-activation bit
/// widths are one per tensor or one per channel (the last dimension).
bool biasCanAbsorbRounding(bool hasBias, QuantizerAttr quantizer);

/// Constants as a layer quantizes them: exact values (doubles hold them
/// exactly) and, when quantized, the fractional bits each was rounded to.
struct QuantizedConstants {
  std::vector<double> values;
  std::vector<int> fractionalBits; ///< empty when not quantized
};

/// A dense or conv kernel rounded by its kernel quantizer (RND, or TRN for
/// the floor strategy), or taken as it is without one.
mlir::FailureOr<QuantizedConstants>
quantizeKernel(mlir::Operation *op, mlir::ElementsAttr kernel,
               QuantizerAttr kernelQuantizer);

/// A bias rounded by the pre-activation quantizer at each channel's largest
/// fractional bits (HGQ's bias_forward) with `rounding`; taken as it is when
/// the layer has no pre-activation quantizer. `outputFeatures` is the
/// layer's static output shape without the batch.
mlir::FailureOr<QuantizedConstants>
quantizeBias(mlir::Operation *op, mlir::ElementsAttr bias,
             QuantizerAttr quantizer, fixed::Rounding rounding,
             llvm::ArrayRef<int64_t> outputFeatures);

} // namespace hgq
#endif // HGQ_DIALECT_HGQ_H
