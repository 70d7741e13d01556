#!/usr/bin/env bash
# Builds the portable GPU bundle and runs its parity check (run.sh test) under the emulated CUDA driver. The bundle is
# what a lent GPU runs, with minutes to spare and no JDK or Maven to mend it there: a class it lacks must fail here,
# in every ./heed test, not on the GPU. Needs the emulated driver that `mvn test` builds (toolkit/target).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
DRIVER="$ROOT/toolkit/target/emulated-cuda-driver/libcuda.so.1"
[[ -f "$DRIVER" ]] || { echo "check-emulated.sh: $DRIVER missing; run mvn test first" >&2; exit 2; }
echo "heed: building the GPU bundle and checking it under the emulated driver" >&2
mvn -B -q -DskipTests -pl benchmarks -am package
bash "$ROOT/benchmarks/gpu-bundle/make.sh" >&2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
tar xJf "$ROOT/benchmarks/target/heed-gpu-bundle.tar.xz" -C "$WORK"
JAVA_TOOL_OPTIONS="-Dheed.cuda.driver=$DRIVER" HEED_EMULATED_DEVICE_MEMORY=268435456 "$WORK/heed-gpu-bundle/run.sh" test
