#!/usr/bin/env bash
# Builds the CUDA kernels for the CPU emulator (cuda_emulator.h) and runs emulated_kernels_test.cpp (the map maths)
# and emulated_engine_test.cpp (the model pass) against them.
# Exit code: 0 when every kernel agrees with its reference. Needs g++ with C++20 on x86-64.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
bash "$HERE/emulated-sources.sh" "$OUT"
g++ -std=c++20 -O1 -pthread -I"$HERE" -I"$OUT" -o "$OUT/emulated" "$HERE/emulated_kernels_test.cpp"
g++ -std=c++20 -O1 -pthread -I"$HERE" -I"$OUT" -o "$OUT/emulated_engine" "$HERE/emulated_engine_test.cpp"
"$OUT/emulated"
"$OUT/emulated_engine"
