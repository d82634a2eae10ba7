//===- HGQPasses.td - Passes of the hgq compiler -----------*- tablegen -*-===//

#ifndef HGQ_PASSES_TD
#define HGQ_PASSES_TD

include "mlir/Pass/PassBase.td"

def HGQTraceMinMax : Pass<"hgq-trace-minmax", "::mlir::ModuleOp"> {
  let summary = "derive integer bits from calibration data (HGQ trace_minmax)";
  let description = [{
    Runs the calibration set through the bit-accurate executor and records,
    for each layer-level quantizer, the per-element minimum and maximum of its
    quantized output (reduced over the dimensions that share a bit width).
    For dense and convolution layers with a ReLU this is the value before the
    ReLU. Then, per element (SEMANTICS.md 2):

    * cover factor `cf`: `[mid - half*cf, mid + half*cf]`, each end rounded
      to the quantizer's fractional bits;
    * forced ranges: softmax `[0, 1]`; sigmoid clipped into `[0, 1]`; tanh
      into `[-1, 1]`;
    * `k` and `i`: the general rule, or the positive-only rule for ReLU
      layers; `i` clipped to `[-f-k, 32]`; zero-width elements are dead.

    The quantizers gain `k` and `i`; the op gains the recorded range as
    `hgq.trace_min` / `hgq.trace_max` (f64, the quantizer's bit shape); the
    module gains `hgq.calibration` (samples, cover factor), which makes later
    BOPs figures "calibrated". A second run replaces the ranges unless
    `accumulate` is set, which merges them with the recorded ones. The
    per-layer BOPs table and the total are printed on stderr, and progress
    too when stderr is a terminal.

    ```mlir
    // hgq-opt --hgq-trace-minmax="calibration=x.npy cover-factor=1.0"
    %q = hgq.quantize %x {quantizer = #hgq.quantizer<f = 2, rnd = standard_round>} : tensor<?x2xf32>
    // becomes, for calibration values in [-1.3, 2.6]:
    %q = hgq.quantize %x {hgq.trace_max = dense<2.5> : tensor<f64>, hgq.trace_min = dense<-1.25> : tensor<f64>,
                          quantizer = #hgq.quantizer<f = 2, rnd = standard_round, k = 1, i = 2>} : tensor<?x2xf32>
    ```
  }];
  let options = [
    Option<"calibration", "calibration", "std::string", /*default=*/"\"\"",
           "calibration data: one .npy per model input, comma-separated">,
    Option<"coverFactor", "cover-factor", "double", /*default=*/"1.0",
           "scale of the recorded range around its midpoint (> 0)">,
    Option<"accumulate", "accumulate", "bool", /*default=*/"false",
           "merge with ranges recorded by an earlier run instead of "
           "replacing them">,
    Option<"functionName", "function", "std::string", /*default=*/"\"\"",
           "function to trace (default: the only one, or @main)">
  ];
  let statistics = [
    Statistic<"numQuantizers", "quantizers", "Quantizers traced">,
    Statistic<"numDeadElements", "dead-elements",
              "Quantizer elements found dead (zero width)">
  ];
}

def HGQEstimateBops : Pass<"hgq-estimate-bops", "::mlir::ModuleOp"> {
  let summary = "estimate BOPs and EBOPs per layer";
  let description = [{
    Computes, for every dense and convolution layer whose input and output
    widths are known (traced or proxy formats), HGQ's BOPs
    (SEMANTICS.md 3): input width (sign included) times the span of each
    quantized weight, summed; for convolutions both the per-position figure
    HGQ reports (times `parallel_factor`) and the full-layer total. HGQ2's
    EBOPs (nominal bits) are computed alongside for dense, convolution, add,
    pooling and lookup tables.

    Results are written as attributes (`hgq.bops`, `hgq.bops_per_position`,
    `hgq.ebops` on layers; `hgq.bops_total`, `hgq.ebops_total` on the
    module) and printed as a table on stderr. A figure is "calibrated" when
    the ranges come from `hgq-trace-minmax` on calibration data, "free" when
    they came with the model. Layers whose widths are unknown are listed with
    the reason and left out of the total.

    ```mlir
    // hgq-opt --hgq-estimate-bops="bops-json=bops.json"
    %y = hgq.dense %x {...} : (tensor<?x2xf32>) -> tensor<?x2xf32>
    // dense_1 of test/Transforms/hgq-estimate-bops.mlir gains
    // {hgq.bops = 1.900000e+01 : f64, hgq.ebops = 2.700000e+01 : f64}
    ```
  }];
  let options = [
    Option<"jsonPath", "bops-json", "std::string", /*default=*/"\"\"",
           "also write the figures as JSON to this file">,
    Option<"quiet", "quiet", "bool", /*default=*/"false",
           "do not print the table">
  ];
}

def HGQToProxy : Pass<"hgq-to-proxy", "::mlir::ModuleOp"> {
  let summary = "convert a traced HGQ model to the proxy form hls4ml consumes";
  let description = [{
    Every layer-level quantizer becomes an explicit per-element fixed-point
    format (SEMANTICS.md 4), with `WRAP` overflow when `aggressive` (the
    default) and `SAT` otherwise:

    * `hgq.quantize` with a quantizer: the traced `(k, i, f)`, rounding `RND`
      (`TRN` for `floor`); `hgq.signature`: a `TRN` quantizer.
    * Dense and convolution layers: the kernel is replaced by its quantized
      values (weights that round to zero are pruned: they are zero); the bias
      is quantized at each channel's largest f, and when the layer rounds to
      nearest and the bias can absorb it (one width per tensor or per
      channel), `2^(-f-1)` is added to the bias and the quantizer truncates:
      `floor(z*2^f + 1/2) == floor((z + 2^(-f-1))*2^f)`. Biases of dead
      channels are zeroed. The output quantizer follows the layer.
    * ReLU layers become `layer -> fq1 -> relu -> fq2`: `fq1` is one format
      for the whole tensor (the largest k, i, f over its elements from the
      general rule on the recorded range) that truncates, with one extra
      fractional bit when the final rounding is `RND`; `fq2` is the
      per-element positive-only format with the real rounding. This is
      `relu(R(z))` exactly.
    * Activations and adds with a quantizer: the op, then its quantizer;
      linear activations disappear.

    Each quantizer and layer records its per-tensor types (SEMANTICS.md 4.5)
    as `#hgq.fixed` attributes: `hgq.result_t` (largest k, i, f over the
    elements), and on layers `hgq.weight_t` and `hgq.bias_t` (the smallest
    container of the constants) and `hgq.accum_t` (the full precision of the
    multiply-accumulate, bounded by the actual weights).

    A model with a quantizer that has no integer bits yet is refused: run
    `hgq-trace-minmax` first. With `io-type=io_stream`, padded pooling gets a
    warning (hls4ml <= 0.9.1 does not support it).

    ```mlir
    // hgq-opt --hgq-to-proxy="aggressive=false"
    %y = hgq.dense %x {kernel = ..., quantizer = #hgq.quantizer<f = 2, rnd = standard_round, k = 1, i = 3>}
    // becomes
    %z = hgq.dense %x {kernel = ...}
    %y = hgq.quantize %z {format = #hgq.fixed<k = 1, i = 3, f = 2, rounding = RND, overflow = SAT>}
    ```
  }];
  let options = [
    Option<"aggressive", "aggressive", "bool", /*default=*/"true",
           "WRAP on overflow (true) or SAT (false)">,
    Option<"ioType", "io-type", "std::string", /*default=*/"\"io_parallel\"",
           "hls4ml IO type: io_parallel or io_stream">
  ];
  let statistics = [
    Statistic<"numQuantizers", "quantizers", "Quantizers converted">,
    Statistic<"numAbsorbed", "absorbed-roundings",
              "Layers whose bias absorbs the rounding">
  ];
}

#endif // HGQ_PASSES_TD
