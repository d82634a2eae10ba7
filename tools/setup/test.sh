#!/usr/bin/env bash
# The test command of the README and of CI: installs what is missing,
# configures, builds with -j2 and runs every test (the lit suite, which also
# runs the GoogleTest unit tests). Exits non-zero on any failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${HGQ_BUILD_DIR:-$root/build}
lit=/usr/lib/llvm-22/bin/lit

"$root/tools/setup/install-deps.sh"

cmake -G Ninja -S "$root" -B "$build" \
  -DCMAKE_BUILD_TYPE=Release \
  -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir >/dev/null
ninja -C "$build" -j2 all mlir-doc

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
"$lit" -sv "$build/test" "$build/test/unit" 2>&1 | tee "$log" || status=$?

# One plain closing line: how many passed and how many did not.
passed=$(sed -n 's/^ *Passed *: *\([0-9]*\).*/\1/p' "$log" | tail -1)
failed=0
for kind in Failed Unresolved Timed\ Out "Unexpectedly Passed"; do
  count=$(sed -n "s/^ *$kind *: *\([0-9]*\).*/\1/p" "$log" | tail -1)
  failed=$((failed + ${count:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # lit itself failed (configuration error): never report success
fi
echo "tests: ${passed:-0} passed, $failed failed"
exit "$status"
