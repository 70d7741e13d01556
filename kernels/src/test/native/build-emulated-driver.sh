#!/usr/bin/env bash
# Builds the emulated CUDA driver (emulated_driver.cpp: the driver API on the CPU, with Heed's kernels compiled from
# the same .cu sources under cuda_emulator.h) as OUTDIR/libcuda.so.1. The toolkit's emulated-GPU tests load it with
# -Dheed.cuda.driver=OUTDIR/libcuda.so.1. Needs g++ with C++20. Skips the build when the library is newer than
# every source.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC="$HERE/../../main/cuda"
OUTDIR=${1:?usage: build-emulated-driver.sh OUTDIR}
mkdir -p "$OUTDIR"
LIB="$OUTDIR/libcuda.so.1"
if [[ -f "$LIB" ]] && [[ -z "$(find "$SRC" "$HERE" -newer "$LIB" -type f \( -name '*.cu' -o -name '*.h' -o -name '*.cpp' \))" ]]; then
  exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
bash "$HERE/emulated-sources.sh" "$TMP"
g++ -std=c++20 -O2 -fPIC -shared -pthread -Wl,-soname,libcuda.so.1 -Wl,--no-undefined -I"$HERE" -I"$TMP" \
  -o "$TMP/libcuda.so.1" "$HERE/emulated_driver.cpp"
mv "$TMP/libcuda.so.1" "$LIB"
echo "heed: built the emulated CUDA driver $LIB" >&2
