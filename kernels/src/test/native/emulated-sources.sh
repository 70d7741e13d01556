#!/usr/bin/env bash
# Turns Heed's .cu files into C++ the CPU emulator (cuda_emulator.h) compiles: OUTDIR/<name>.inc for each. Dynamic
# shared memory becomes the emulator's per-launch buffer; static __shared__ arrays become per-block statics.
# Usage: emulated-sources.sh OUTDIR (sourced paths are relative to this script).
set -euo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../../main/cuda"
for f in map_ops attention select engine; do
  sed -E -e 's/extern __shared__ float ([a-z]+)\[\];/float* \1 = heed_emu_shared;/' -e 's/__shared__ /static /' \
    "$SRC/$f.cu" > "$1/$f.inc"
done
