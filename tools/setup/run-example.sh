#!/usr/bin/env bash
# The main job of the README on the bundled example: builds the tools if
# needed, then runs everything that exists so far on the jet-tagger ONNX model
# and writes the results to out/jet_tagger/ (each file written atomically).
#   run-example.sh [MODEL.onnx [CALIBRATION.npy [OUTPUT_DIR]]]
# HGQ_BUILD_DIR chooses the build folder (default build/); HGQ_TOOLS, a
# folder holding hgq-opt, hgq-translate and hgq-run, skips installing and
# building (the documentation tests run the README's command that way).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${HGQ_BUILD_DIR:-$root/build}
model=${1:-$root/examples/jet_tagger/model.onnx}
calibration=${2:-$root/examples/jet_tagger/calibration.npy}
out=${3:-$root/out/jet_tagger}

if [[ -n ${HGQ_TOOLS:-} ]]; then
  bin=$HGQ_TOOLS
else
  "$root/tools/setup/install-deps.sh"
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir >/dev/null
  ninja -C "$build" -j2 hgq-opt hgq-translate hgq-run
  bin=$build/bin
fi

mkdir -p "$out"
shown=$(realpath --relative-to="$PWD" "$out") # as the user would type it
write() { # write FILE COMMAND...: run COMMAND into FILE, atomically
  local target=$1
  shift
  local partial
  partial=$(mktemp "$target.XXXXXX")
  if "$@" >"$partial"; then
    chmod "$(printf '%o' $((0666 & ~0$(umask))))" "$partial" # mktemp made it 0600
    mv "$partial" "$target"
  else
    rm -f "$partial"
    return 1
  fi
}

echo "== importing $(basename "$model") into the hgq dialect"
write "$out/model.mlir" "$bin/hgq-translate" --import-onnx "$model" \
  --mlir-print-debuginfo
echo "== trace-minmax on $(basename "$calibration"): integer bits from the calibration ranges"
write "$out/model.traced.mlir" "$bin/hgq-opt" "$out/model.mlir" \
  --hgq-fuse-batchnorm --hgq-trace-minmax="calibration=$calibration" \
  --mlir-print-debuginfo
echo "== conversion to the proxy (explicit per-element formats, WRAP)"
write "$out/model.proxy.mlir" "$bin/hgq-opt" "$out/model.traced.mlir" \
  --hgq-to-proxy --mlir-print-debuginfo
echo "== BOPs and EBOPs of the proxy model"
"$bin/hgq-opt" "$out/model.proxy.mlir" \
  --hgq-estimate-bops="bops-json=$out/bops.json" -o /dev/null
echo "== bit-accurate inference on the calibration set, layer level and proxy"
"$bin/hgq-run" "$out/model.traced.mlir" --input "$calibration" \
  --output "$out/predictions.layer.npy"
"$bin/hgq-run" "$out/model.proxy.mlir" --input "$calibration" \
  --output "$out/predictions.npy" --report-overflow
if cmp -s "$out/predictions.layer.npy" "$out/predictions.npy"; then
  echo "layer-level and proxy outputs are identical"
else
  echo "layer-level and proxy outputs DIFFER (see the overflow report)"
fi
echo "== quantization report"
write "$out/format-report.json" "$bin/hgq-translate" \
  --hgq-format-report "$out/model.proxy.mlir"

python3 - "$out/format-report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
print("%-24s %-7s %-8s %s" % ("layer", "role", "elements", "widths"))
for p in report["points"]:
    elements = 1
    for d in p["shape"]:
        elements *= d
    if p["role"] == "kernel":
        detail = "f in [%d, %d] (weights carry their own integer bits)" % (
            p["f_min"], p["f_max"])
    elif p["level"] == "layer" and not p["traced"]:
        detail = "f in [%d, %d], integer bits not traced" % (p["f_min"], p["f_max"])
    else:
        detail = "%d..%d bits, %d dead, per-tensor %s" % (
            p["min_width"], p["max_width"], p["dead"], p["collapsed"])
    print("%-24s %-7s %-8d %s" % (p["name"], p["role"], elements, detail))
PY
echo "== the proxy as HGQ's Keras proxy model (what hls4ml's Keras frontend reads), JSON document and ONNX"
write "$out/model.proxy.h5" "$bin/hgq-translate" \
  --emit-keras-proxy "$out/model.proxy.mlir"
write "$out/model.hls4ml.json" "$bin/hgq-translate" \
  --emit-hls4ml "$out/model.proxy.mlir"
write "$out/model.proxy.onnx" "$bin/hgq-translate" \
  --emit-onnx "$out/model.proxy.mlir"
echo "== the HLS C++ project (io_parallel) and its C simulation against hgq-run"
# A fresh directory, swapped in only once it is complete.
rm -rf "$out/hls.partial"
"$bin/hgq-translate" --emit-hls "$out/model.proxy.mlir" \
  --output-dir "$out/hls.partial" --project-name jet_tagger \
  --tb-input "$calibration" --tb-samples 200 >/dev/null
rm -rf "$out/hls"
mv "$out/hls.partial" "$out/hls"
echo "wrote $shown/hls (build_prj.tcl for Vitis HLS; make -C $shown/hls csim)"
make -s -C "$out/hls" csim
echo "== wrote $shown: model.mlir, model.traced.mlir, model.proxy.mlir, bops.json," \
     "predictions.npy, format-report.json, model.proxy.h5, model.hls4ml.json," \
     "model.proxy.onnx, hls/"
