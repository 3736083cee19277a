"""The command line from a shell (issue 38): `latentseek --help` answers without importing torch, the top-level names
load on first use, and the CPU's default dtype follows its bf16 support."""
import subprocess, sys, time
from unittest import mock
import torch
from latentseek.config import Config
from latentseek.cli import run_notes

MODULES = "'torch' in sys.modules, 'transformers' in sys.modules, 'datasets' in sys.modules"


def _run(code: str) -> list[str]:
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_top_level_help_imports_no_torch():
    lines = _run(f"import sys\nfrom latentseek.cli import main\ntry: main(['--help'])\nexcept SystemExit: pass\nprint({MODULES})")
    assert any(l.strip().startswith('eval ') for l in lines) and any(l.strip().startswith('solve ') for l in lines)
    assert lines[-1] == 'False False False'


def test_top_level_help_is_fast():
    t0 = time.time()
    out = subprocess.run([sys.executable, '-m', 'latentseek', '--help'], capture_output=True, text=True)
    assert out.returncode == 0 and 'regrade' in out.stdout, out.stderr
    assert time.time() - t0 < 3, f'latentseek --help took {time.time() - t0:.1f} s'


def test_import_latentseek_is_lazy():
    assert _run(f"import sys, latentseek\nprint({MODULES})") == ['False False False']
    assert _run("import sys, latentseek\nprint(latentseek.Config().rho, latentseek.evaluate.evaluate.__name__, 'torch' in sys.modules)") == ['0.2 evaluate True']
    assert _run("from latentseek import judge, Seeker\nprint(judge('so \\\\boxed{18}', '18', 'gsm8k'), Seeker.__name__)") == ['True Seeker']


def test_cpu_default_dtype_follows_the_cpus_bf16_support():
    for native, want, why in ((True, 'bfloat16', 'natively'), (False, 'float32', 'no native bf16')):
        with mock.patch.object(torch.ops.mkldnn, '_is_mkldnn_bf16_supported', lambda: native):
            cfg = Config(device='cpu')
            assert cfg.dtype == 'auto' and cfg.concrete().dtype == want
            assert cfg.fingerprint() == Config(device='cpu', dtype=want).fingerprint()  # a run stores and fingerprints the concrete dtype
            run, notes = run_notes(cfg)
            assert run.dtype == want and notes.startswith(f'dtype {want} (auto: ') and why in notes, notes
    assert Config(device='cpu', dtype='float16').concrete().dtype == 'float16'  # asked for: kept


def test_solve_and_eval_flags():
    from latentseek.cli import parser, config_from_args
    args = parser('eval').parse_args(['eval', '--first-problem', '5', '--start-index', '2'])
    assert (args.start, config_from_args(args).start_index) == (5, 2)
    args = parser('solve').parse_args(['solve', 'What is 2+3?', '--kind', 'math'])
    assert not hasattr(args, 'dataset') and not hasattr(args, 'batch_size') and not hasattr(args, 'vllm_max_model_len')
    assert config_from_args(args).backend == 'hf'
