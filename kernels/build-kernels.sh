#!/usr/bin/env bash
# Compiles Heed's CUDA kernels into the images the jar carries: a fatbin with SASS for Turing to Hopper (sm_75, 80,
# 86, 89, 90) plus compute_90 PTX for newer GPUs, and compute_75 PTX on its own for drivers that JIT. Records the
# SHA-256 of the sources beside them, so KernelImagesTest can tell when the committed images are stale.
# Without nvcc (CI, most machines) it keeps the committed images and says so; the build still passes.
set -euo pipefail
cd "$(dirname "$0")"
SOURCES=(src/main/cuda/*.cu)   # name order; KernelImagesTest hashes them in the same order
OUT=src/main/resources/dev/heed/kernels
hash_sources() { cat "${SOURCES[@]}" | sha256sum | cut -d' ' -f1; }
if ! command -v nvcc >/dev/null 2>&1; then
  echo "heed kernels: nvcc not found; using the committed kernel images" >&2
  exit 0
fi
if [[ -f "$OUT/kernels.sha256" && "$(cat "$OUT/kernels.sha256")" == "$(hash_sources)" && "${1:-}" != "--force" ]]; then
  exit 0  # images are current
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cat "${SOURCES[@]}" > "$TMP/heed_kernels.cu"
nvcc -O3 -std=c++17 -fatbin -o "$TMP/heed_kernels.fatbin" \
  -gencode arch=compute_75,code=sm_75 -gencode arch=compute_80,code=sm_80 -gencode arch=compute_86,code=sm_86 \
  -gencode arch=compute_89,code=sm_89 -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90 \
  "$TMP/heed_kernels.cu"
nvcc -O3 -std=c++17 -ptx -arch=compute_75 -o "$TMP/heed_kernels.ptx" "$TMP/heed_kernels.cu"
mv "$TMP/heed_kernels.fatbin" "$OUT/heed_kernels.fatbin"
mv "$TMP/heed_kernels.ptx" "$OUT/heed_kernels.ptx"
hash_sources > "$OUT/kernels.sha256"
echo "heed kernels: rebuilt $OUT/heed_kernels.fatbin and .ptx with $(nvcc --version | tail -1)" >&2
