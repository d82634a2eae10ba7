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
    ReLU. Then, per element (semantics.md 2):

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
    per-layer BOPs table and the total are printed on stderr (unless
    `quiet`), and progress too when stderr is a terminal. An output of the
    model that is the same for every calibration sample is a warning.

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
           "scale of the recorded range around its midpoint (> 0; below 1 "
           "warns, as HGQ does)">,
    Option<"accumulate", "accumulate", "bool", /*default=*/"false",
           "merge with ranges recorded by an earlier run instead of "
           "replacing them">,
    Option<"functionName", "function", "std::string", /*default=*/"\"\"",
           "function to trace (default: the only one, or @main)">,
    Option<"quiet", "quiet", "bool", /*default=*/"false",
           "do not print the BOPs table nor warn about constant outputs">
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
    (semantics.md 3): input width (sign included) times the span of each
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
           "also write the figures as JSON to this file (by hgq-opt, once the whole pipeline has succeeded)">,
    Option<"quiet", "quiet", "bool", /*default=*/"false",
           "do not print the table">
  ];
}

def HGQToProxy : Pass<"hgq-to-proxy", "::mlir::ModuleOp"> {
  let summary = "convert a traced HGQ model to the proxy form (explicit fixed-point formats)";
  let description = [{
    Every layer-level quantizer becomes an explicit per-element fixed-point
    format (semantics.md 4), with `WRAP` overflow when `aggressive` (the
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

    Every op of the proxy records its per-tensor types (semantics.md 4.5) as
    `#hgq.fixed` attributes, from the exact formats of its elements:
    `hgq.result_t` (largest k, i, f over the elements: a quantizer's with its
    rounding and overflow; relu, pooling, add, reshape, flatten, concat and
    the layers' exact sums too), and on dense and conv `hgq.weight_t` and
    `hgq.bias_t` (the smallest container of the constants) and `hgq.accum_t`
    (the full precision of the multiply-accumulate, bounded by the actual
    weights, from its input's type whatever produces it).

    A model with a quantizer that has no integer bits yet is refused: run
    `hgq-trace-minmax` first. The module records the io type the proxy was
    converted for (`hgq.io_type`), which `--emit-hls4ml` writes as the
    document's `IOType`. With `io-type=io_stream`, padded pooling gets a
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

def HGQFuseBatchNorm : Pass<"hgq-fuse-batchnorm", "::mlir::ModuleOp"> {
  let summary = "fold a batch normalization into the dense or convolution before it";
  let description = [{
    With `s = gamma / sqrt(variance + epsilon)` per channel (float32), the
    kernel becomes `W * s` and one layer remains (semantics.md 4.2):

    * a layer with a kernel quantizer (HGQ's fused layers) keeps it: the
      quantizer applies to the fused kernel. Its bias becomes
      `(b - mean) * s + beta`, which is HGQ's `b - mean*s + beta` for the
      batch normalization ONNX exporters write (`B = beta + b - b*s`); a layer
      without a bias gets no shift at all, only the scale;
    * a float layer follows ONNX: `(b - mean) * s + beta`, with `b = 0` when
      it has no bias.

    After fusing a layer with a kernel quantizer, an HGQ quantizer that was
    the normalization's only reader becomes the layer's pre-activation
    quantizer (HGQ's HDenseBatchNorm / HConv*DBatchNorm: it quantizes the
    fused bias and decides `auto` rounding, semantics.md 4.1), and a ReLU
    that was that quantizer's only reader the layer's activation, as the
    importer folds them when no batch normalization sits between.

    A batch normalization after a layer whose output is already quantized
    (a pre-activation quantizer, a fused ReLU), whose output is also used
    elsewhere, or whose weights are already quantized for the proxy stays a
    separate op, with a remark that says why.

    ```mlir
    %d = hgq.dense %x {kernel = dense<2.0> : tensor<1x1xf32>} : (tensor<?x1xf32>) -> tensor<?x1xf32>
    %b = hgq.batchnorm %d {gamma = dense<1.0> : tensor<1xf32>, beta = dense<0.5> : tensor<1xf32>,
                           mean = dense<1.0> : tensor<1xf32>, variance = dense<4.0> : tensor<1xf32>,
                           epsilon = 0.0 : f64} : tensor<?x1xf32>
    // becomes (s = 0.5)
    %b = hgq.dense %x {bias = dense<0.0> : tensor<1xf32>, kernel = dense<1.0> : tensor<1x1xf32>}
    ```
  }];
  let statistics = [
    Statistic<"numFused", "fused", "Batch normalizations fused">,
    Statistic<"numQuantizersAbsorbed", "quantizers-absorbed",
              "Quantizers after a fused layer that became its own">
  ];
}

def HGQLowerUnaryLut : Pass<"hgq-lower-unary-lut", "::mlir::ModuleOp"> {
  let summary = "replace activations by lookup tables (proxy level)";
  let description = [{
    An activation other than relu, linear and softmax, between a proxy
    quantizer (input) and a proxy quantizer with one format (output),
    becomes an `hgq.unary_lut` when `2^W_in <= max-table-size`
    (semantics.md 4.3). The table is indexed by the input's format, or, when
    the input has per-element formats, by their per-tensor collapse (the
    largest k, i and f, semantics.md 4.5, as HGQ builds it): every element's
    values are values of that format, so the index stays exact; `W_in` is
    its width. The table has
    `N = 2^W_in` entries in two's-complement index order (signed inputs:
    `0, 2^-f, ..., 2^i - 2^-f`, then the same minus `2^i`; unsigned: `0 ..
    2^i - 2^-f`); each entry is the function computed in float32, quantized
    to the output format. The lookup then computes exactly what the
    activation and its quantizer computed.

    A named function other than tanh and sigmoid whose table would be larger
    than `max-table-size`, or whose input has no explicit format, is an
    error naming the layer and the size it would need; tanh and sigmoid stay
    activations, with a remark.

    ```mlir
    // hgq-opt --hgq-lower-unary-lut="max-table-size=16"
    %q = hgq.quantize %x {format = #hgq.fixed<k = 1, i = 1, f = 1, rounding = TRN, overflow = WRAP>} : tensor<?x4xf32>
    %s = hgq.activation "sin" %q : tensor<?x4xf32>
    %o = hgq.quantize %s {format = #hgq.fixed<k = 1, i = 0, f = 3, rounding = RND, overflow = SAT>} : tensor<?x4xf32>
    // becomes
    %o = hgq.unary_lut %q {fn = "sin", input_format = ..., table = dense<...> : tensor<8xf32>} : tensor<?x4xf32>
    ```
  }];
  let options = [
    Option<"maxTableSize", "max-table-size", "int64_t", /*default=*/"1024",
           "largest table to build (entries); 2^W_in must not exceed it">
  ];
  let statistics = [
    Statistic<"numTables", "tables", "Activations replaced by lookup tables">
  ];
}

def HGQAllocateBits : Pass<"hgq-allocate-bits", "::mlir::ModuleOp"> {
  let summary = "choose per-element fractional bits from calibration data (post-training quantization)";
  let description = [{
    Post-training heterogeneous quantization: gives a float model (or one
    with quantizers) the layer-level quantizers an HGQ model has, with the
    fractional bits of every kernel weight and every activation element
    chosen so that the quantized model meets a fidelity target against the
    float model on the calibration data, at the lowest EBOPs the search
    finds. Integer bits are left to `hgq-trace-minmax` as usual (the pass
    traces once to report EBOPs, so its output is already traced).

    Targets (measured with the executor on up to `max-samples` calibration
    samples, then reported on all of them): `argmax`, the fraction of
    samples whose argmax equals the float model's is at least
    `1 - tolerance` (default 0.01); `rel-error`, the largest
    `|quantized - float|` is at most `tolerance` (default 0.02) times the
    float output's range. `auto` (the default) picks `argmax` when every
    output has at least two features per sample, else `rel-error`; when the
    float model predicts one class for every calibration sample, argmax
    agreement says nothing and `rel-error` is used (with a warning). With
    `budget-ebops` the pass instead spends at most that many EBOPs and
    reports the fidelity it reached. `uniform-bits=N` is the baseline of
    uniform per-tensor post-training quantization (QONNX/Brevitas style,
    with power-of-two scales): every quantizer gets one width of N bits,
    its integer bits from the calibration range, and nothing is searched.

    The algorithm (docs/ptq.md): every quantizer is a site; within a site,
    each element's weight in the output error is estimated from the data
    (a weight: the RMS of the input feature or channel it multiplies, times
    the weight of the output it feeds; an activation: the norm of the
    weights of the dense or convolution layer that reads it), and each
    site's scale by quantizing it alone. The bits follow the rate-distortion
    rule `f = T + offset(site) + log2(weight(element))`, rounded; one
    global level `T` is searched by bisection, then each site is lowered a
    bit, then half a bit, at a time while the target still holds (costliest
    sites first). Cost: one run per site, about ten for the bisection and up
    to a few per site for the lowering. Weights that round to zero
    at their bits are pruned. `granularity` = `channel` or `tensor` shares
    one width per output channel (last dimension) or per quantizer.

    Prints, per layer, the fractional bits of the kernel and the widths of
    the output (min/median/max), pruned weights and EBOPs, then the
    fidelity. Warns about a layer whose kernel quantizes entirely to zero
    and an output that is constant over the calibration data. With
    `only-float`, a model that already has quantizers is left untouched
    (what `--hgq-proxy-pipeline` uses).

    ```
    hgq-opt model.mlir --hgq-allocate-bits="calibration=cal.npy target=argmax tolerance=0.01"
    ```
  }];
  let options = [
    Option<"calibration", "calibration", "std::string", /*default=*/"\"\"",
           "calibration data: one .npy per model input, comma-separated">,
    Option<"target", "target", "std::string", /*default=*/"\"auto\"",
           "argmax, rel-error or auto">,
    Option<"tolerance", "tolerance", "double", /*default=*/"-1",
           "allowed argmax disagreement (default 0.01) or error relative to "
           "the output range (default 0.02)">,
    Option<"budgetEbops", "budget-ebops", "double", /*default=*/"0",
           "spend at most this many EBOPs instead of meeting a target">,
    Option<"granularity", "granularity", "std::string",
           /*default=*/"\"element\"", "element, channel or tensor">,
    Option<"maxSamples", "max-samples", "int64_t", /*default=*/"10000",
           "calibration samples used by the search">,
    Option<"uniformBits", "uniform-bits", "int64_t", /*default=*/"0",
           "instead of searching, give every quantizer one width of this "
           "many bits (sign and integer bits from the calibration range): "
           "the uniform per-tensor baseline">,
    Option<"onlyFloat", "only-float", "bool", /*default=*/"false",
           "leave a model that already has quantizers untouched">,
    Option<"functionName", "function", "std::string", /*default=*/"\"\"",
           "function to quantize (default: the only one, or @main)">,
    Option<"quiet", "quiet", "bool", /*default=*/"false",
           "do not print the per-layer table">
  ];
  let statistics = [
    Statistic<"numRuns", "runs", "Executor runs of the search">,
    Statistic<"numPruned", "pruned-weights", "Weights that quantize to zero">
  ];
}

def HGQAttachQuantizers : Pass<"hgq-attach-quantizers", "::mlir::ModuleOp"> {
  let summary = "attach HGQ quantizers to a float model (post-training quantization)";
  let description = [{
    Gives a float model the quantizers an HGQ model has, so that
    `hgq-trace-minmax` can derive their integer bits: an input quantizer on
    every function argument; a kernel quantizer and a pre-activation
    quantizer on every dense and convolution layer (a ReLU right after the
    layer becomes its fused activation); a quantizer after every other
    activation (HActivation) and every add (HAdd). Layers that already have
    quantizers keep them. A layer whose kernel quantizes entirely to zero at
    these bits is a warning naming it. These are HGQ's training start values,
    not bits chosen for the model: for post-training quantization of a float
    model, `hgq-allocate-bits` chooses them from calibration data.

    The defaults are HGQ's quantizer configuration tables: kernel quantizer
    `init_bw = 2, skip_dims = none, rnd_strategy = standard_round`,
    pre-activation quantizer `init_bw = 2, skip_dims = batch, rnd_strategy =
    auto`, both `bw_clip = (-23, 23)`. The fractional bits are
    `round_half_even(clip(init_bw, bw_clip))`. `skip_dims` names the
    dimensions that share one width: `none`/`batch` (one per element),
    `all` (one per tensor), `except_last` and `except_1st` (one per channel;
    the dialect is channels-last), or HGQ's Python forms: `None`, or a list
    or tuple of dimension indexes (`[0]`, `(0, 2)`; an activation's
    dimension 0 is the batch). `exact_q_value`, `trainable`, `regularizer`
    and `minmax_record` (HGQ's defaults: false for kernels, true for
    pre-activation quantizers) are training options: they are read, checked
    and printed, and change nothing at inference.

    The pass options set the defaults; `config=FILE` (JSON or YAML) overrides
    them, globally (`kq_conf`, `paq_conf`) and per layer by name
    (`layers: {NAME: {kq_conf: ..., paq_conf: ..., parallel_factor: N}}`;
    `parallel_factor` for convolutions). A layer name the model does not
    have is an error that lists the names it has. With
    `print-default-config` the effective defaults are printed as JSON on
    stdout.

    ```yaml
    # hgq-opt --hgq-attach-quantizers="config=quant.yaml"
    paq_conf: {init_bw: 4}
    layers:
      dense_1: {kq_conf: {init_bw: 6, skip_dims: except_last}}
    ```
  }];
  let options = [
    Option<"configPath", "config", "std::string", /*default=*/"\"\"",
           "JSON or YAML file with kq_conf/paq_conf defaults and per-layer overrides">,
    Option<"printDefaultConfig", "print-default-config", "bool", /*default=*/"false",
           "print the effective default configuration as JSON on stdout">,
    Option<"kernelInitBw", "kq-init-bw", "double", /*default=*/"2.0",
           "kernel quantizer init_bw (fractional bits)">,
    Option<"kernelSkipDims", "kq-skip-dims", "std::string", /*default=*/"\"none\"",
           "kernel quantizer skip_dims">,
    Option<"kernelRnd", "kq-rnd-strategy", "std::string",
           /*default=*/"\"standard_round\"", "kernel quantizer rnd_strategy">,
    Option<"activationInitBw", "paq-init-bw", "double", /*default=*/"2.0",
           "pre-activation quantizer init_bw (fractional bits)">,
    Option<"activationSkipDims", "paq-skip-dims", "std::string",
           /*default=*/"\"batch\"", "pre-activation quantizer skip_dims">,
    Option<"activationRnd", "paq-rnd-strategy", "std::string",
           /*default=*/"\"auto\"", "pre-activation quantizer rnd_strategy">
  ];
  let statistics = [
    Statistic<"numAttached", "attached", "Quantizers attached">
  ];
}

#endif // HGQ_PASSES_TD
