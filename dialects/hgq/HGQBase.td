//===- HGQBase.td - The hgq dialect definition -------------*- tablegen -*-===//

#ifndef HGQ_BASE_TD
#define HGQ_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def HGQ_Dialect : Dialect {
  let name = "hgq";
  let cppNamespace = "::hgq";
  let summary = "Heterogeneously quantized neural networks";
  let description = [{
    The `hgq` dialect describes neural networks whose weights and activations
    are quantized to fixed-point formats that may differ per element, as
    trained by HGQ, and carries them down to hardware-ready form.

    It has two levels in one:

    * **Layer level.** Layers (`hgq.dense`, `hgq.conv`, `hgq.activation`,
      `hgq.add`, `hgq.quantize`) carry HGQ quantizers (`#hgq.quantizer`):
      learned per-element fractional bits and a rounding strategy. Integer bits
      are unknown until range analysis (trace-minmax) records them.
    * **Proxy level.** Every quantization point is an explicit per-element
      fixed-point format (`#hgq.fixed`: keep_negative, integer and fractional
      bits, rounding and overflow modes): the form HGQ's proxy models have,
      which hls4ml reads from the Keras proxy file (`--emit-keras-proxy`).

    An explicit format (`hgq.quantize` with `format`, `hgq.unary_lut`) is
    valid at both levels: an HGQ model may fix a format where it wants one.
    What marks the proxy are the per-tensor HLS types only the conversion
    records (`hgq.result_t`, `hgq.weight_t`, `hgq.bias_t`, `hgq.accum_t`,
    `hgq.table_t`). The verifier rejects a function that holds both an op at
    layer level (an HGQ quantizer, `hgq.signature`) and one carrying those
    types: half of an HGQ model and half of its proxy compute nothing
    meaningful.

    Values are `f32` tensors whose first dimension is the batch. Layouts are
    channels-last (`N x W x C`, `N x H x W x C`) like Keras and hls4ml;
    convolution kernels are `(KW, Cin/groups, Cout)` or
    `(KH, KW, Cin/groups, Cout)`, dense kernels `(in, out)`.

    Per-element bit counts are dense `i8` arrays that broadcast (NumPy rules,
    aligned on the last dimension) against the tensor without its batch
    dimension; a size-1 dimension shares one bitwidth, and a plain integer is
    one bitwidth for the whole tensor. The exact numerical meaning of every op
    is defined in `docs/semantics.md` and implemented once, in `lib/Fixed`.

    Layer names: `hgq.name = "dense_1"` on an op (or a function argument)
    is the layer's name in the source model. Importers set it, every
    `hgq-opt` pass keeps it (ops a pass creates are named after their
    layer, e.g. `dense_1_quantizer`), and per-layer configuration, reports
    and emitters read it, so names survive a step printed without
    `--mlir-print-debuginfo`.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasCanonicalizer = 0;
  // Discardable attributes the passes record (each has a typed helper,
  // e.g. HGQDialect::TraceMinAttrHelper). The dialect verifies their types
  // and rejects an `hgq.` attribute it does not declare.
  let discardableAttrs = (ins
    // Function arguments and results: the source framework's layout, as a
    // permutation of the dialect's channels-last dimensions.
    "::mlir::DenseI64ArrayAttr":$layout,
    // The layer's name in the source model (ONNX node, Keras layer, hls4ml
    // layer), on ops and function arguments: importers set it, passes keep
    // it (ops they create are named after their layer), and reports,
    // per-layer configuration and emitters read it, so a name survives a
    // step without --mlir-print-debuginfo.
    "::mlir::StringAttr":$name,
    // hgq-trace-minmax: the recorded range of a quantizer (f64, the
    // quantizer's bit shape), and on the module the calibration run
    // (`samples`, `cover_factor`).
    "::mlir::DenseElementsAttr":$trace_min,
    "::mlir::DenseElementsAttr":$trace_max,
    "::mlir::DictionaryAttr":$calibration,
    // hgq-to-proxy, on the module: the hls4ml IO type the proxy was
    // converted for (io_parallel or io_stream); --emit-hls4ml writes it.
    "::mlir::StringAttr":$io_type,
    // hgq-to-proxy and hgq-lower-unary-lut: hls4ml's per-tensor types.
    "::hgq::FixedAttr":$result_t,
    "::hgq::FixedAttr":$weight_t,
    "::hgq::FixedAttr":$bias_t,
    "::hgq::FixedAttr":$accum_t,
    "::hgq::FixedAttr":$table_t,
    // hgq-estimate-bops: per layer and, on the module, the totals.
    "::mlir::FloatAttr":$bops,
    "::mlir::FloatAttr":$bops_per_position,
    "::mlir::FloatAttr":$ebops,
    "::mlir::FloatAttr":$bops_total,
    "::mlir::FloatAttr":$ebops_total
  );
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
}

// Every op: a block never mixes layer-level and proxy-level ops (the C++
// trait hgq::OpTrait::OneLevel, checked with hgq::levelOf).
def HGQ_OneLevel : NativeOpTrait<"OneLevel"> {
  let cppNamespace = "::hgq::OpTrait";
}

class HGQ_Op<string mnemonic, list<Trait> traits = []>
    : Op<HGQ_Dialect, mnemonic, !listconcat(traits, [HGQ_OneLevel])>;

class HGQ_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<HGQ_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

#endif // HGQ_BASE_TD
