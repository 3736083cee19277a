"""The prepared GPU device check (benchmarks/gpu/run.sh) rehearsed on the CPU with a tiny shape, so that the one
run on a lent GPU cannot fail on a typo: its tests run (on the CPU) and pass, and the benchmark writes its tables."""
import json, os, re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_gpu_check_rehearses_on_the_cpu(tmp_path):
    env = {**os.environ, 'PYTHON': sys.executable, 'OMP_NUM_THREADS': '1'}
    out = subprocess.run(['bash', str(ROOT / 'benchmarks/gpu/run.sh'), str(tmp_path), '--rehearse'], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    log = (tmp_path / 'tests.log').read_text()
    summary = re.search(r'(\d+) passed(?:, (\d+) skipped)?', log)
    assert summary and int(summary.group(1)) >= 5 and not re.search(r'\d+ (failed|error)', log), log[-2000:]  # skipped: the host-sync count needs CUDA
    res = json.loads((tmp_path / 'results.json').read_text())
    assert [r['batch'] for r in res['decode']] == [1, 4] and [r['batch_size'] for r in res['seek']] == [1, 4]
    assert all(r['latent_steps_per_s'] > 0 for r in res['seek'])  # peak memory on a CPU is the process's resident size: checked against the weights in tests/test_gpu.py
    assert '## LatentSeek throughput' in (tmp_path / 'results.md').read_text() and (tmp_path / 'decode.png').stat().st_size > 0
