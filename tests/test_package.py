"""The installed package: every module imports on its own (no import hidden in a notebook-only cell),
the top level exposes the components, and the console script answers."""
import importlib, json, pkgutil, re, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent


def exported_modules() -> list[str]:
    "The modules the notebooks export (their `#| default_exp`), without the `latentseek.` prefix: the package's source of truth."
    names = []
    for nb in sorted((ROOT / 'nbs').rglob('*.ipynb')):
        if '.ipynb_checkpoints' in nb.parts: continue
        for cell in json.loads(nb.read_text())['cells']:
            m = re.search(r'^#\|\s*default_exp\s+(\S+)', ''.join(cell['source']), re.M)
            if cell['cell_type'] == 'code' and m: names.append(m.group(1))
    return names


MODULES = [m for m in exported_modules() if m != '__main__']  # `import latentseek.__main__` would run the CLI


def test_every_module_comes_from_a_notebook():
    "Each notebook exports its own module (two with one `default_exp` overwrite each other), and every module of the package is one of them or hand-written on purpose."
    exported = exported_modules()
    assert len(exported) == len(set(exported)), sorted(m for m in exported if exported.count(m) > 1)
    import latentseek
    on_disk = {m.name.removeprefix('latentseek.') for m in pkgutil.walk_packages(latentseek.__path__, 'latentseek.') if not m.ispkg}
    assert on_disk - {'_modidx'} == set(exported), (on_disk ^ set(exported)) - {'_modidx'}
    from latentseek._modidx import d
    assert {m.removeprefix('latentseek.') for m in d['syms']} <= set(exported)  # nbdev's index knows no other module
    assert len(MODULES) > 30 and 'methods.gradcuit' in MODULES and 'config' in MODULES


def test_index_lists_every_module():
    "The home page's chapter table (and README.md, made from it by `make readme`) names every exported module: a new chapter is listed there."
    cells = json.loads((ROOT / 'nbs' / 'index.ipynb').read_text())['cells']
    chapters = next(''.join(c['source']) for c in cells if ''.join(c['source']).startswith('## The chapters'))
    readme = (ROOT / 'README.md').read_text()
    for where, text in (('nbs/index.ipynb', chapters), ('README.md', readme)):
        missing = [m for m in exported_modules() if f'`latentseek.{m}`' not in text]
        assert not missing, f"{where}'s chapter table lacks {missing}: add a row (then `make readme`)"


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
