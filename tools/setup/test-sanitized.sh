#!/usr/bin/env bash
# CI's sanitizer job: builds everything with ASan+UBSan (configure-sanitized.sh),
# runs the whole lit and unit suite on that build (any sanitizer report fails
# its test), then a short fixed-seed run of every libFuzzer target
# (fuzz/run.sh). Exits non-zero on any failure or finding.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${HGQ_SANITIZED_BUILD_DIR:-$root/build-fuzz}
lit=/usr/lib/llvm-22/bin/lit

"$root/tools/setup/install-deps.sh"
"$root/tools/setup/configure-sanitized.sh" "$build"
ninja -C "$build" -j2 all mlir-doc

status=0
"$lit" -sv "$build/test" "$build/test/unit" || status=1
"$root/fuzz/run.sh" --build "$build" --seconds "${HGQ_FUZZ_SECONDS:-20}" || status=1
echo "sanitized suite and fuzz smoke: $([ $status -eq 0 ] && echo passed || echo FAILED)"
exit $status
