#!/usr/bin/env bash
# Configures the sanitized build: clang-22, AddressSanitizer and
# UndefinedBehaviorSanitizer (float-cast-overflow included) on every target
# of the project, libFuzzer coverage and the fuzz/ targets; -O1, and NDEBUG
# as in the release build (LLVM's headers must agree with its libraries).
#   configure-sanitized.sh [BUILD_DIR]      (default build-fuzz)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build-fuzz}
cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g1 -DNDEBUG" \
  -DCMAKE_C_FLAGS_RELEASE="-O1 -g1 -DNDEBUG" \
  -DCMAKE_CXX_COMPILER=clang++-22 -DCMAKE_C_COMPILER=clang-22 \
  -DHGQ_SANITIZE="address;undefined" -DHGQ_FUZZ=ON \
  -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir >/dev/null
