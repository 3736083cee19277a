"""Runs that cannot lie or lock, tried as a user would, through the `latentseek` command: a run killed with SIGKILL at
random points and resumed each time ends with exactly the records of an uninterrupted run (fp32, tiny model); a second
process on a live run's folder is refused, and the lock a killed run leaves behind is taken over."""
import json, math, os, random, signal, subprocess, sys, time
from pathlib import Path
import pytest

SCRIPT = Path(sys.executable).with_name('latentseek')
ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONWARNINGS': 'ignore'}
VOLATILE = ('seconds', 'versions')  # timings and package versions: the only fields a rerun may change


def same(a, b) -> bool:
    "Equal, but floats to 1e-5 relative: a resumed run batches problems differently, and fp32 sums of another batch shape round differently in the last digits (the losses; every token is the same)."
    if isinstance(a, float) and isinstance(b, float): return math.isclose(a, b, rel_tol=1e-5)
    if isinstance(a, dict) and isinstance(b, dict): return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list): return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    from latentseek.testing import tiny_model, tiny_tokenizer
    root = tmp_path_factory.mktemp('faults')
    tiny_model(eos_boost=0.2).save_pretrained(root / 'model')
    tiny_tokenizer().save_pretrained(root / 'model')
    rows = [{'question': f'What is {a} + {b}?', 'answer': f'{a} + {b} = {a + b}\n#### {a + b}'} for a, b in zip(range(10), range(5, 15))]
    (root / 'gsm8k.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in rows))
    return root


def command(root: Path, out: Path) -> list[str]:
    return [str(SCRIPT), 'eval', '--model', str(root / 'model'), '--dtype', 'float32', '--dataset', str(root / 'gsm8k.jsonl'),
            '--method', 'latentseek', '--reward', 'psrm', '--rho', '0.5', '--lr', '0.5', '--max-steps', '3', '--max-new-tokens', '32',
            '--batch-size', '2', '--no-progress', '--output-dir', str(out)]


def stable(path: Path) -> dict:
    "Records by id, without the fields a rerun may change."
    def strip(x):
        if isinstance(x, dict): return {k: strip(v) for k, v in x.items() if k not in VOLATILE}
        if isinstance(x, list): return [strip(v) for v in x]
        return x
    return {r['id']: strip(r) for r in map(json.loads, path.read_text().splitlines())}


def count(path: Path) -> int:
    return path.read_text().count('\n') if path.exists() else 0


def test_kill_and_resume_gives_the_uninterrupted_records(root):
    ref = root / 'reference'
    done = subprocess.run(command(root, ref), env=ENV, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    expected = stable(ref / 'results.jsonl')
    assert len(expected) == 10
    out, rng, kills, mid_run = root / 'killed', random.Random(0), 0, 0
    results = out / 'results.jsonl'
    for attempt in range(20):
        proc = subprocess.Popen(command(root, out), env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        before = count(results)
        # The kills are planned from what is on disk, not from a clock, so that a slow or a fast machine sees the same
        # story: one kill while the model loads (a failed start), then kills as soon as new records land until two
        # have hit a run with some but not all records on disk, then a run left to finish.
        if attempt == 0: target = None
        elif mid_run < 2 and before < 8: target = before + 1
        else: target = 11
        t0 = time.time()
        while proc.poll() is None and time.time() - t0 < 300:
            if target is None and (time.time() - t0 > 0.3 + 0.5 * rng.random() or count(results) > 0): break
            if target is not None and count(results) >= target:
                time.sleep(0.02 * rng.random())
                break
            time.sleep(0.01)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            kills += 1
            mid_run += 0 < count(results) < 10
            continue
        assert proc.returncode == 0, proc.stderr.read()
        break
    print(f"kills {kills}, mid-run {mid_run}, attempts {attempt + 1}")
    assert kills >= 3 and mid_run >= 2, (kills, mid_run)
    got = stable(results)
    assert same(got, expected), [k for k in expected if not same(got.get(k), expected[k])]
    assert sorted(p.name for p in out.iterdir()) == ['config.json', 'results.jsonl']  # no lock or temporary file left by the last run


def test_a_second_writer_is_refused_and_a_stale_lock_taken_over(root):
    out = root / 'locked'
    slow = command(root, out) + ['--max-steps', '10', '--max-new-tokens', '400']  # long enough to outlast the second's start
    first = subprocess.Popen(slow, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        t0 = time.time()
        while not (out / '.lock').exists() and first.poll() is None and time.time() - t0 < 60: time.sleep(0.02)
        assert first.poll() is None, 'the first run ended before the second could start'
        second = subprocess.run(slow, env=ENV, capture_output=True, text=True)
        assert second.returncode == 2
        assert f'is being written by latentseek pid {first.pid}' in second.stderr, second.stderr
        assert second.stderr.count('\n') == 1  # one line, no traceback
    finally:
        first.kill()
        first.wait()
    assert (out / '.lock').exists()  # left behind by the killed run ...
    third = subprocess.run(slow + ['--limit', '1'], env=ENV, capture_output=True, text=True)
    assert third.returncode == 0, third.stderr  # ... and stale: the next run takes it over
    assert 'gsm8k-0' in (out / 'results.jsonl').read_text()


def test_sigterm_and_ctrl_c_leave_a_clean_folder(root):
    "`kill` (SIGTERM) or Ctrl-C (SIGINT): one line, no traceback, the lock released, finished records kept; a run stopped before its first record leaves no folder, parents included."
    out = root / 'termed'
    proc = subprocess.Popen(command(root, out), env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    t0 = time.time()
    while count(out / 'results.jsonl') < 1 and proc.poll() is None and time.time() - t0 < 300: time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 143, err
    assert err.strip().splitlines()[-1] == 'latentseek eval: interrupted (SIGTERM): every finished problem is on disk; rerun the same command to resume', err
    assert 'Traceback' not in err
    assert sorted(p.name for p in out.iterdir()) == ['config.json', 'results.jsonl']
    early = root / 'new' / 'nested' / 'run'
    default_int = lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)  # a shell's background job ignores SIGINT; a terminal's does not
    proc = subprocess.Popen(command(root, early), env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, preexec_fn=default_int)
    while not early.exists() and proc.poll() is None: time.sleep(0.01)  # the folder is made before the model loads
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 130, err
    assert 'Traceback' not in err and 'interrupted (Ctrl-C)' in err, err
    assert not (root / 'new').exists()
