#!/usr/bin/env bash
# Spark's GPU discovery script for heed-spark (spark.executor.resource.gpu.discoveryScript and, on standalone workers,
# spark.worker.resource.gpu.discoveryScript): prints the node's GPUs as Spark's ResourceInformation JSON,
# {"name":"gpu","addresses":["0","1",...]}. No GPU, or no nvidia-smi, gives an empty list: the job then runs on the CPU.
set -euo pipefail
addresses=""
if command -v nvidia-smi >/dev/null 2>&1; then
  addresses=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null | sed -e 's/^ *//' -e 's/.*/"&"/' | paste -sd, - || true)
fi
echo "{\"name\":\"gpu\",\"addresses\":[${addresses}]}"
