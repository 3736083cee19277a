#!/usr/bin/env bash
# Fetch, here, the wheels the GPU machine's image lacks (benchmarks/gpu/wheels.txt: latentseek's pure-Python
# dependencies that are not in that image, at the versions .ci/constraints.txt pins) into .whl/ (git-ignored), for
# the device run to carry: run(command='benchmarks/gpu/run.sh "$OUT"', carry=['.whl']). That image's python3 is 3.12.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp --abi cp312 --abi none \
    --platform manylinux2014_x86_64 --platform any -d .whl $(cat benchmarks/gpu/wheels.txt)
ls -la .whl
du -sh .whl
