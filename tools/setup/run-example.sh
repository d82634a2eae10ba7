#!/usr/bin/env bash
# The main job of the README on the bundled example: builds the tools if
# needed, then runs hgq-compile on the jet-tagger ONNX model: the traced and
# proxy IR, the proxy as hls4ml document, Keras proxy and ONNX, the HLS
# project with its C simulation checked against hgq-run, and the report, all
# in out/jet_tagger/ (each file written atomically).
#   run-example.sh [MODEL [CALIBRATION.npy [OUTPUT_DIR]]]
# HGQ_BUILD_DIR chooses the build folder (default build/); HGQ_TOOLS, a
# folder holding hgq-compile, skips installing and building (the
# documentation tests run the README's command that way).
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
  ninja -C "$build" -j2 hgq-compile hgq-opt hgq-translate hgq-run
  bin=$build/bin
fi

# Paths as the user would type them, relative to where the command runs.
relative() { realpath -m -s --relative-to="$PWD" "$1"; }
exec "$bin/hgq-compile" "$(relative "$model")" \
  --calibration "$(relative "$calibration")" -o "$(relative "$out")"
