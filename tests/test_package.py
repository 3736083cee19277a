"""The installed package: every module imports on its own (no import hidden in a notebook-only cell),
the top level exposes the components, and the console script answers."""
import importlib, subprocess, sys
from pathlib import Path
import pytest

MODULES = ['config', 'testing', 'kinds', 'prompts', 'data', 'answers', 'verify_worker', 'paper_reader', 'models', 'handle', 'backend', 'generation', 'vllm_backend', 'vllm_bias', 'reward', 'single_verifier', 'seek', 'methods.cot', 'methods.bon',
           'methods.sc', 'methods.oracle', 'methods.latentseek', 'methods.slot', 'methods.ltpo', 'methods.gradcuit', 'records', 'evaluate', 'parallel', 'regrade', 'cli', 'bench', 'report', 'stats', 'plots', 'lm_eval_model']


@pytest.mark.parametrize('name', MODULES)
def test_module_imports_alone(name):
    code = f'import latentseek.{name} as m; print(len(m.__all__))'
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) > 0


def test_top_level_exposes_components():
    import latentseek as ls
    for name in ['Config', 'DatasetSpec', 'KINDS', 'get_kind', 'load_problems', 'Problem', 'solver_messages', 'verifier_messages', 'extract_answer', 'judge',
                 'load_model', 'Engine', 'generate', 'PSRM', 'SelfReward', 'make_reward', 'Seeker', 'latent_step',
                 'update_length', 'summarize', 'regrade', 'Scheduler', 'TokenBackend', 'ModelHandle', 'Method', 'get_method', 'METHODS', 'REWARDS', '__version__']:
        assert hasattr(ls, name), name
    assert ls.judge('so \\boxed{18}', '18', 'gsm8k') is True
    assert ls.Config().rho == 0.2
    assert callable(ls.evaluate.evaluate)  # the module, not shadowed by its function
    assert callable(ls.regrade.regrade) and callable(ls.to_record) and callable(ls.summarize)


def test_console_script_help():
    script = Path(sys.executable).with_name('latentseek')
    out = subprocess.run([str(script) if script.exists() else 'latentseek', 'eval', '--help'], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert '--rho' in out.stdout and '--verifier-max-new-tokens' in out.stdout


def test_bundled_demo_problems_ship():
    from latentseek.data import load_problems
    ps = load_problems('demo')
    assert len(ps) == 8 and all(p.gold for p in ps) and ps[0].id == 'demo-0'


def test_exported_modules_and_clean_notebooks_are_in_sync(tmp_path):
    "nbdev is the source of truth: exporting and cleaning a copy of the notebooks changes nothing in latentseek/ or nbs/."
    import shutil, subprocess, sys
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    for name in ('settings.ini', 'setup.py'): shutil.copy(root / name, tmp_path / name)
    for name in ('nbs', 'latentseek'): shutil.copytree(root / name, tmp_path / name, symlinks=True)
    bindir = Path(sys.executable).parent
    for cmd in ('nbdev_export', 'nbdev_clean'):
        subprocess.run([str(bindir / cmd)], cwd=tmp_path, check=True, capture_output=True)
    changed = [str(p.relative_to(root)) for d in ('latentseek', 'nbs') for p in sorted((root / d).rglob('*'))
               if p.is_file() and p.suffix in ('.py', '.ipynb') and '.ipynb_checkpoints' not in p.parts
               and (tmp_path / p.relative_to(root)).read_bytes() != p.read_bytes()]
    new = [str(p.relative_to(tmp_path)) for p in sorted((tmp_path / 'latentseek').rglob('*.py')) if not (root / p.relative_to(tmp_path)).exists()]
    assert not changed and not new, f"run nbdev_export and nbdev_clean, then commit: changed {changed}, new {new}"
