#!/usr/bin/env bash
# heed overlay vs the Spark job (local[2], and a two-worker standalone cluster on loopback) on the same N images:
#   benchmarks/spark/throughput.sh [N] [method]      (after: mvn -B -DskipTests -pl spark -am package)
# Prints one line per run: wall seconds of the whole command (JVM starts included) and images/s. The images are the
# bundled Fashion-MNIST samples copied under N distinct names. Every run writes to its own folder; the Spark outputs
# are checked byte for byte against the CLI's (summaries aside).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${1:-1000}
METHOD=${2:-gradcam}
WORK=$(mktemp -d /tmp/heed-spark-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
export OMP_WAIT_POLICY=passive OMP_NUM_THREADS=1
SPARK_CP=$(cat "$ROOT/spark/runtime/target/spark-classpath.txt")
JOB="$ROOT/spark/target/heed-spark.jar"
OPENS="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false"

mkdir -p "$WORK/in"
mapfile -t SAMPLES < <(ls "$ROOT"/toolkit/samples/fashion-mnist/*.png)
for ((i = 0; i < N; i++)); do
  cp "${SAMPLES[$((i % ${#SAMPLES[@]}))]}" "$WORK/in/$(printf 'img-%05d' "$i").png"
done
ARGS=(--model "$ROOT/toolkit/models/fashion-cnn.zip" --method "$METHOD" --backend cpu --batch-size 16 --seed 0 --threads 1 --input "$WORK/in")

timed() { # name, then the command
  local name=$1; shift
  local t0 t1; t0=$(date +%s.%N)
  "$@" > "$WORK/$name.log" 2>&1 || { echo "$name: exit $?"; tail -5 "$WORK/$name.log"; }
  t1=$(date +%s.%N)
  awk -v n="$N" -v a="$t0" -v b="$t1" -v name="$name" 'BEGIN { printf "%-22s %7.1f s  %6.2f images/s\n", name, b - a, n / (b - a) }'
}
same() {
  diff -rq -x 'summary.*' -x '_heed-staging' "$WORK/cli" "$WORK/$1" >/dev/null && echo "  $1: outputs identical to the CLI's" \
    || echo "  $1: OUTPUTS DIFFER from the CLI's"
}

timed cli java -Xmx2g -jar "$ROOT/toolkit/target/heed.jar" overlay "${ARGS[@]}" --output "$WORK/cli" --progress lines
timed spark-local2 java -Xmx2g $OPENS -cp "$SPARK_CP" org.apache.spark.deploy.SparkSubmit --master 'local[2]' \
  --class dev.heed.spark.OverlayJob "$JOB" "${ARGS[@]}" --output "$WORK/local2"
same local2

# A standalone cluster: Spark's Master and two Workers (1 core, 1.5 GB each), from a Spark home laid out as a distribution's.
mkdir -p "$WORK/spark-home/jars"
echo "Spark 3.5.7" > "$WORK/spark-home/RELEASE"
tr ':' '\n' <<< "$SPARK_CP" | while read -r jar; do ln -sf "$jar" "$WORK/spark-home/jars/"; done
export SPARK_HOME="$WORK/spark-home" SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
java -Xmx256m $OPENS -cp "$SPARK_CP" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$PORT" --webui-port 0 > "$WORK/master.log" 2>&1 &
for w in 1 2; do
  java -Xmx256m $OPENS -cp "$SPARK_CP" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 --memory 1500m --webui-port 0 \
    --work-dir "$WORK/worker$w" "spark://127.0.0.1:$PORT" > "$WORK/worker$w.log" 2>&1 &
done
sleep 8
timed spark-standalone-2w java -Xmx1g $OPENS -cp "$SPARK_CP" org.apache.spark.deploy.SparkSubmit --master "spark://127.0.0.1:$PORT" \
  --conf spark.driver.host=127.0.0.1 --executor-memory 1g --class dev.heed.spark.OverlayJob "$JOB" "${ARGS[@]}" --output "$WORK/cluster"
same cluster
grep -h "image(s) done" "$WORK"/cli.log "$WORK"/spark-local2.log "$WORK"/spark-standalone-2w.log
