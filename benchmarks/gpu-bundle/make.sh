#!/usr/bin/env bash
# Builds benchmarks/target/heed-gpu-bundle.tar.xz: everything a GPU machine with a driver but no JDK or Maven needs to
# run the CUDA parity check and the JMH suite (CPU against CUDA): a jlinked Java 17 runtime, the kernels jar (kernel
# images + JNI shim), JavaCPP, JMH and the Backend classes (no DL4J/ND4J: the bundle stays small).
#   run.sh test        parity of every Backend op, CUDA against the CPU reference, and the model pass on Heed's engine
#                      against the reference executor's golden outputs (exit 0 ok, 1 mismatch, 3 no device)
#   run.sh bench OUT   JMH (MapMathBenchmark, AttentionMathBenchmark for backend=cpu,cuda; CudaOverlayBenchmark:
#                      fused overlay kernels, transfers, end to end, streamed, the CPU overlay and a device copy at
#                      256 x 1024^2); JSON and text into OUT
#   run.sh peer OUT    torch and pytorch-grad-cam on the same GPU (peer_gpu.py): ResNet-50 forward, Grad-CAM pass,
#                      pytorch-grad-cam's GradCAM, TF32 and FP32, batches 1 to 256; JSON into OUT/peer.json
#   run.sh device OUT  test, bench with short iterations (the engine's ResNet-50 first), peer and report.py, for a
#                      lent GPU's short budget
# Build first: mvn -B -DskipTests -pl benchmarks -am install
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TARGET="$ROOT/benchmarks/target"
WORK="$TARGET/heed-gpu-bundle"
rm -rf "$WORK" && mkdir -p "$WORK/lib" "$WORK/classes"
M2="${M2_REPO:-$HOME/.m2/repository}"
cp "$ROOT/kernels/target/heed-kernels-0.1.0.jar" "$WORK/lib/"
cp "$M2/org/bytedeco/javacpp/1.5.7/javacpp-1.5.7.jar" "$WORK/lib/"
cp "$M2/org/openjdk/jmh/jmh-core/1.37/jmh-core-1.37.jar" "$M2/net/sf/jopt-simple/jopt-simple/5.0.4/jopt-simple-5.0.4.jar" \
   "$M2/org/apache/commons/commons-math3/3.6.1/commons-math3-3.6.1.jar" "$WORK/lib/"
# the Backend SPI, the CPU reference, the CUDA backend, the parity check (package parity) and the colormaps, from the toolkit build;
# the explanation plan, its reference executor and its CUDA executor (not the DL4J compiler or the ND4J adapters)
(cd "$ROOT/toolkit/target/classes" && cp --parents -r dev/heed/toolkit/backend dev/heed/toolkit/parity META-INF/services/dev.heed.toolkit.backend.BackendProvider \
   dev/heed/toolkit/render/colormaps dev/heed/toolkit/engine/plan dev/heed/toolkit/engine/cpu dev/heed/toolkit/engine/cuda "$WORK/classes/" \
   && cp --parents dev/heed/toolkit/render/Colormap*.class dev/heed/toolkit/engine/*.class "$WORK/classes/")
# the two benchmarks, JMH's generated classes for them, and a benchmark list naming only them
(cd "$ROOT/benchmarks/target/classes" && cp --parents dev/heed/benchmarks/GpuCheck.class dev/heed/benchmarks/ResidentOverlay*.class dev/heed/benchmarks/MapMathBenchmark*.class dev/heed/benchmarks/CudaOverlayBenchmark*.class \
   dev/heed/benchmarks/AttentionMathBenchmark*.class dev/heed/benchmarks/EnginePassBenchmark*.class dev/heed/benchmarks/ConvShapeBenchmark*.class dev/heed/benchmarks/TorchvisionResNet50Plan*.class \
   dev/heed/benchmarks/EngineGoldens*.class dev/heed/benchmarks/EngineGoldenCheck*.class \
   "$WORK/classes/" && cp --parents -r dev/heed/benchmarks/jmh_generated "$WORK/classes/")
find "$WORK/classes/dev/heed/benchmarks/jmh_generated" -type f ! -name 'MapMathBenchmark*' ! -name 'AttentionMathBenchmark*' ! -name 'CudaOverlayBenchmark*' \
  ! -name 'EnginePassBenchmark*' ! -name 'ConvShapeBenchmark*' -delete
mkdir -p "$WORK/classes/META-INF"
BUNDLED='MapMathBenchmark|AttentionMathBenchmark|CudaOverlayBenchmark|EnginePassBenchmark|ConvShapeBenchmark'
grep -E "$BUNDLED" "$ROOT/benchmarks/target/classes/META-INF/BenchmarkList" > "$WORK/classes/META-INF/BenchmarkList"
grep -E "$BUNDLED" "$ROOT/benchmarks/target/classes/META-INF/CompilerHints" > "$WORK/classes/META-INF/CompilerHints" || true
(cd "$WORK/classes" && jar cf "$WORK/lib/heed-gpu.jar" .) && rm -rf "$WORK/classes"
jlink --add-modules java.base,java.logging,jdk.unsupported,java.management --strip-debug --no-header-files --no-man-pages \
  --output "$WORK/jre"
cp "$HERE/report.py" "$HERE/peer_gpu.py" "$WORK/"
# golden outputs of the bundled CNN's and ViT's plans from the reference executor, for run.sh test to hold the GPU engine against
java -cp "$ROOT/benchmarks/target/benchmarks.jar" dev.heed.benchmarks.EngineGoldenWriter "$WORK/goldens" \
  "$ROOT/toolkit/models/fashion-cnn.zip" "$ROOT/toolkit/samples/fashion-mnist" "$ROOT/toolkit/models/fashion-vit.zip" >&2
# pytorch-grad-cam and ttach travel only as package folders a session fetched into the git-ignored peers/ (never committed)
for peer in pytorch-grad-cam:pytorch_grad_cam ttach:ttach; do
  if [[ -d "$HERE/peers/${peer%%:*}/${peer##*:}" ]]; then
    mkdir -p "$WORK/peers/${peer%%:*}" && cp -r "$HERE/peers/${peer%%:*}/${peer##*:}" "$WORK/peers/${peer%%:*}/"
  else
    echo "make.sh: $HERE/peers/${peer%%:*}/${peer##*:} missing; run.sh peer will time torch without pytorch-grad-cam" >&2
  fi
done
cat > "$WORK/run.sh" <<'RUN'
#!/usr/bin/env bash
# Heed's portable GPU bundle: run.sh test | run.sh bench OUTDIR [extra JMH options] | run.sh device OUTDIR
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
JAVA="$HERE/jre/bin/java"
CP="$HERE/lib/*"
case "${1:-}" in
  test)
    exec "$JAVA" -Dheed.goldens="$HERE/goldens" -cp "$CP" dev.heed.benchmarks.GpuCheck ;;
  bench)
    OUT="${2:?usage: run.sh bench OUTDIR}"; shift 2
    mkdir -p "$OUT"
    BACKENDS=cpu,cuda
    # exit 3: no usable device, benchmark the CPU only; exit 1 (a mismatch) is recorded in gpu-check.txt and the run
    # goes on. HEED_CHECK_STATUS (set by run.sh device) reuses a check that has just run.
    STATUS=${HEED_CHECK_STATUS:-}
    if [[ -z "$STATUS" ]]; then
      STATUS=0
      "$JAVA" -Dheed.goldens="$HERE/goldens" -cp "$CP" dev.heed.benchmarks.GpuCheck > "$OUT/gpu-check.txt" || STATUS=$?
    fi
    [[ $STATUS == 3 ]] && BACKENDS=cpu
    nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1 || true
    # one JMH run per file, most important first, so a run cut short still leaves the JSON of what finished
    # a failing run (-foe: JMH stops at its first error) is noted and the next one still runs
    jmh() { local name=$1; shift; "$JAVA" -Djmh.ignoreLock=true -cp "$CP" org.openjdk.jmh.Main "$@" -foe true -rf json \
      -rff "$OUT/$name.json" | tee "$OUT/$name.txt" || echo "$name: JMH failed (exit $?), see $name.txt" | tee -a "$OUT/failures.txt"; }
    if [[ "$BACKENDS" == cpu,cuda ]]; then
      # the model pass on Heed's engine, torchvision's ResNet-50 at 224: the work that is over 95% of an explanation
      jmh jmh-engine EnginePassBenchmark "$@"
      # each ResNet-50 convolution alone: TFLOP/s per shape against the GPU's peaks (run.sh device: forward only)
      jmh jmh-conv "${HEED_CONV_BENCHMARKS:-ConvShapeBenchmark}" "$@"
    fi
    jmh jmh-map MapMathBenchmark -p backend="$BACKENDS" "$@"
    if [[ "$BACKENDS" == cpu,cuda ]]; then
      jmh jmh-overlay CudaOverlayBenchmark "$@"
    fi
    jmh jmh-attention AttentionMathBenchmark -p backend="$BACKENDS" "$@"
    if [[ "$BACKENDS" == cpu,cuda ]]; then
      # the sizes only the GPU gets through in minutes: batches up to 1024, ViT-B/16 and BERT-512 attention
      jmh jmh-gpu-sizes "MapMathBenchmark|AttentionMathBenchmark" -p backend=cuda -p batch=1,32,256,1024 \
        -p workload=vitb16-32,bert-8x512 "$@"
    fi ;;
  device)
    # the one command for a lent GPU with a short budget: parity, then JMH with short iterations (about 6 minutes on
    # 16 cores), then the markdown report; every stage writes into OUT, so what finished comes back even if time runs out
    OUT="${2:?usage: run.sh device OUTDIR}"
    mkdir -p "$OUT"
    STATUS=0
    timeout "${HEED_TEST_TIMEOUT:-150}" "$0" test > "$OUT/test.txt" 2>&1 || STATUS=$?
    echo "run.sh test exit $STATUS" | tee -a "$OUT/test.txt"
    HEED_CHECK_STATUS=$STATUS HEED_CONV_BENCHMARKS=ConvShapeBenchmark.forward timeout "${HEED_BENCH_TIMEOUT:-390}" "$0" bench "$OUT" -wi 1 -w 500ms -i 3 -r 500ms > "$OUT/bench.log" 2>&1 \
      || echo "bench exit $?" >> "$OUT/bench.log"
    timeout "${HEED_PEER_TIMEOUT:-150}" "$0" peer "$OUT" > "$OUT/peer.log" 2>&1 || echo "peer exit $?" >> "$OUT/peer.log"
    python3 "$HERE/report.py" "$OUT" "$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)" > "$OUT/report.md" 2>&1 || true
    cat "$OUT/test.txt" "$OUT/report.md"
    exit $STATUS ;;
  peer)
    # torch and pytorch-grad-cam on the same GPU, the same ResNet-50 layout and batches (peer_gpu.py --help)
    OUT="${2:?usage: run.sh peer OUTDIR}"
    mkdir -p "$OUT"
    python3 "$HERE/peer_gpu.py" --pgc-dir "$HERE/peers/pytorch-grad-cam" --ttach-dir "$HERE/peers/ttach" --runs 3 > "$OUT/peer.json" ;;
  *)
    echo "usage: run.sh test | run.sh bench OUTDIR [JMH options] | run.sh peer OUTDIR | run.sh device OUTDIR" >&2; exit 2 ;;
esac
RUN
chmod +x "$WORK/run.sh"
tar -C "$TARGET" -cJf "$TARGET/heed-gpu-bundle.tar.xz" heed-gpu-bundle
echo "wrote $TARGET/heed-gpu-bundle.tar.xz ($(du -h "$TARGET/heed-gpu-bundle.tar.xz" | cut -f1))"
