#!/usr/bin/env bash
# The device check of issue 21, in one command: install latentseek beside what the GPU machine already has, run the
# CUDA tests, then benchmark decode speed (batch 1 to 64, against the HBM roofline), LatentSeek throughput (batch 1, 8,
# 32, a fixed token count) and peak memory on random-weight Qwen2.5-1.5B and -7B shapes. Everything lands in OUT.
#   On the device (from the repo root, with the wheels folder .whl carried):  benchmarks/gpu/run.sh "$OUT"
#   Rehearsal here, on the CPU with a tiny shape (about two minutes):          benchmarks/gpu/run.sh /tmp/gpu-rehearsal --rehearse
# .whl holds the pure-Python wheels the device image lacks (benchmarks/gpu/wheels.sh fetches them here).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:?usage: benchmarks/gpu/run.sh OUT_DIR [--rehearse]}
MODE=${2:-device}
mkdir -p "$OUT"
t0=$SECONDS
if [ "$MODE" = --rehearse ]; then
  PY=${PYTHON:-.venv/bin/python}
  DEVICE=cpu; SHAPES=qwen2.5-tiny; BATCHES=1,4; SEEK_BATCHES=1,4; TOKENS=16; SEEK_TOKENS=16; PROBLEMS=4
else
  PY=${PYTHON:-python3}
  DEVICE=cuda; SHAPES=qwen2.5-1.5b,qwen2.5-7b; BATCHES=1,2,4,8,16,32,64; SEEK_BATCHES=1,8,32; TOKENS=128; SEEK_TOKENS=128; PROBLEMS=32
  # latentseek and the few packages the image lacks, never replacing what it has (its torch and transformers stay)
  missing=$($PY - <<'PY'
import importlib.metadata as md
for line in open('benchmarks/gpu/wheels.txt'):
    name = line.split('==')[0].strip()
    try: md.version(name)
    except md.PackageNotFoundError: print(line.strip())
PY
)
  echo "installing from .whl: ${missing:-nothing}"
  [ -z "$missing" ] || $PY -m pip install -q --no-deps --no-index --find-links .whl $missing
  $PY -m pip install -q --no-deps --no-build-isolation --no-index -e . 2>&1 | tail -3
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
fi
$PY -c "import torch, transformers, latentseek; print('torch', torch.__version__, 'transformers', transformers.__version__, 'latentseek', latentseek.__version__)" | tee "$OUT/versions.txt"
echo "=== tests ($((SECONDS - t0)) s)"
set +e
LATENTSEEK_TEST_DEVICE=$DEVICE $PY -m pytest -q -s -p no:cacheprovider tests/test_gpu.py 2>&1 | tee "$OUT/tests.log"
tests=${PIPESTATUS[0]}
set -e
echo "=== bench ($((SECONDS - t0)) s)"
$PY -c "from latentseek.bench import main; main()" --device "$DEVICE" --models "" --random "$SHAPES" --batch-sizes "$BATCHES" --seek-batch-sizes "$SEEK_BATCHES" \
    --tokens "$TOKENS" --seek-tokens "$SEEK_TOKENS" --seek-problems "$PROBLEMS" --out "$OUT" 2>&1 | tail -60
echo "=== done in $((SECONDS - t0)) s; tests exit $tests"
exit "$tests"
