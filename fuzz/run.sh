#!/usr/bin/env bash
# Runs the libFuzzer targets of hgq-mlir, each on a seed corpus made from the
# repository's own test inputs (see docs/reliability.md).
#
#   fuzz/run.sh [--build DIR] [--seconds N] [--target NAME]... [-- LIBFUZZER_ARGS]
#
# Builds DIR (default build-fuzz) with clang-22, ASan+UBSan and libFuzzer when
# it is not configured yet. Each target runs N seconds (default 30) with a
# fixed seed, so a smoke run is repeatable; crashes are written to
# DIR/fuzz/findings/<target>/ and make the script exit non-zero. The corpus
# grows in DIR/fuzz/corpus/<target>/ and is reused by the next run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build-fuzz
seconds=30
targets=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --target) targets+=("$2"); shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "fuzz/run.sh: unknown argument '$1'" >&2; exit 1 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(npy hls4ml onnx keras mlir)

[ -f "$build/build.ninja" ] || "$root/tools/setup/configure-sanitized.sh" "$build"
ninja -C "$build" -j2 $(printf 'hgq-fuzz-%s ' "${targets[@]}") >/dev/null

seeds() { # target folder
  local folder=$2
  mkdir -p "$folder"
  case "$1" in
    onnx) cp "$root"/test/Import/Onnx/Inputs/*.onnx "$root"/test/Reliability/Inputs/*.onnx "$folder"/
          for f in "$root"/examples/*/*.onnx; do
            cp "$f" "$folder/$(basename "$(dirname "$f")").onnx"; done ;;
    hls4ml) cp "$root"/test/Target/Hls4ml/Inputs/*.json "$root"/test/Reliability/Inputs/hls4ml-[!d]*.json "$folder"/
            "$build"/bin/hgq-translate --emit-hls4ml "$root"/test/Target/Hls4ml/emit.mlir \
              -o "$folder"/emitted.json 2>/dev/null || true ;;
    keras) /usr/bin/python3 "$root"/test/Import/Keras/make_fixtures.py "$folder" >/dev/null
           find "$folder" -type f ! -name '*.h5' -delete ;;
    npy) cp "$root"/test/Reliability/Inputs/*.npy "$root"/test/Import/Onnx/Inputs/*.npy "$folder"/ ;;
    mlir) find "$root"/test -name '*.mlir' -size -16k | while read -r f; do
            cp "$f" "$folder/$(echo "${f#$root/}" | tr / _)"; done ;;
  esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-allow_user_poisoning=0:detect_leaks=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for target in "${targets[@]}"; do
  corpus=$build/fuzz/corpus/$target
  findings=$build/fuzz/findings/$target
  [ -d "$corpus" ] || seeds "$target" "$corpus"
  mkdir -p "$findings"
  log=$build/fuzz/$target.log
  if "$build/fuzz/hgq-fuzz-$target" "$corpus" -seed=1 -max_total_time="$seconds" \
      -timeout=20 -rss_limit_mb=4096 -max_len=65536 -artifact_prefix="$findings/" \
      -print_final_stats=1 "${extra[@]}" >"$log" 2>&1; then
    echo "fuzz $target: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') executions in ${seconds} s, corpus $(ls "$corpus" | wc -l) files, no finding"
  else
    status=1
    echo "fuzz $target: FINDING (log $log, input in $findings/)"
    grep -m3 -E 'ERROR|runtime error|SUMMARY' "$log" || tail -5 "$log"
  fi
done
exit $status
