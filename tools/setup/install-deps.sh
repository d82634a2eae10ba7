#!/usr/bin/env bash
# Installs the Debian packages hgq-mlir builds and tests with. Idempotent:
# when everything is already there it prints one line and touches nothing.
set -euo pipefail

packages=(
  cmake ninja-build ccache g++ make python3 python3-numpy
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  libgtest-dev libeigen3-dev
  libonnx-dev libprotobuf-dev protobuf-compiler python3-onnx python3-torch
  libonnx-testdata libhdf5-dev python3-h5py
  clang-format-22 clang-22 libclang-rt-22-dev
  chromium
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
