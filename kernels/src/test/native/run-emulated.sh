#!/usr/bin/env bash
# Builds the CUDA kernels for the CPU emulator (cuda_emulator.h) and runs emulated_kernels_test.cpp against them.
# Exit code: the test's (0 all kernels agree with the references). Needs g++ with C++20 (<barrier>).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC="$HERE/../../main/cuda"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
# dynamic shared memory becomes the emulator's per-launch buffer; static __shared__ arrays become per-block statics
for f in map_ops attention select; do
  sed -E -e 's/extern __shared__ float ([a-z]+)\[\];/float* \1 = heed_emu_shared;/' -e 's/__shared__ /static /' \
    "$SRC/$f.cu" > "$OUT/$f.inc"
done
g++ -std=c++20 -O1 -pthread -I"$HERE" -I"$OUT" -o "$OUT/emulated" "$HERE/emulated_kernels_test.cpp"
"$OUT/emulated"
