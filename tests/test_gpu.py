"""The CUDA path (issue 21), run where a GPU is: the fast path equals the paper's loop in fp32, batched equals
unbatched, latents and Adam state stay on the device, the decode loop syncs with the host no more often than
`sync_every` allows, and peak memory is reported. Skipped without CUDA; `LATENTSEEK_TEST_DEVICE=cpu` runs them on
the CPU to rehearse the device check (the checks that only mean something on a GPU are skipped there)."""
import os, warnings
import pytest
import torch
from latentseek.config import Config
from latentseek.data import Problem
from latentseek.generation import Engine, reference_generate
from latentseek.methods.latentseek import Latents, latent_step, latent_heads, reference_latent_seek
from latentseek.prompts import chat_ids, solver_messages
from latentseek.seek import Seeker
from latentseek.testing import tiny_model, tiny_tokenizer

DEVICE = torch.device(os.environ.get('LATENTSEEK_TEST_DEVICE', 'cuda'))
ON_GPU = DEVICE.type == 'cuda'
pytestmark = [pytest.mark.gpu, pytest.mark.skipif(ON_GPU and not torch.cuda.is_available(),
                                                  reason='no CUDA device (LATENTSEEK_TEST_DEVICE=cpu rehearses these on the CPU)')]
QUESTIONS = ['What is 2+3?', 'Half of 10?', 'Name a prime.', 'What is 7 times 6?']


def wants_digit(digit):
    return lambda qs, ans, golds: [0.0 if digit in a else -1.0 for a in ans]


@pytest.fixture(scope='module')
def tiny():
    torch.manual_seed(0)
    return tiny_model(eos_boost=0.2).to(DEVICE), tiny_tokenizer()


@pytest.fixture(scope='module')
def prompts(tiny):
    return [chat_ids(tiny[1], solver_messages(q, 'gsm8k')) for q in QUESTIONS]


def test_fast_decode_equals_the_paper_loop_fp32(tiny, prompts):
    model, tok = tiny
    engine = Engine(model, tok)
    fast = engine.generate(engine.prefill(prompts), max_new_tokens=32, capture_hidden=True)
    for p, f in zip(prompts, fast):
        ref = reference_generate(model, tok, p, max_new_tokens=32, stop_ids=engine.stop_ids)
        assert (f.tokens, f.stop) == (ref.tokens, ref.stop)
        assert f.hidden.device.type == DEVICE.type
        torch.testing.assert_close(f.hidden, ref.hidden, rtol=1e-4, atol=1e-4)


def test_batched_equals_unbatched_fp32(tiny, prompts):
    model, tok = tiny
    engine = Engine(model, tok)
    together = engine.generate(engine.prefill(prompts), max_new_tokens=32)
    alone = [engine.generate(engine.prefill([p]), max_new_tokens=32)[0] for p in prompts]
    assert [g.tokens for g in together] == [g.tokens for g in alone]


def test_latentseek_fast_equals_the_paper_loop_fp32(tiny):
    model, tok = tiny
    problems = [Problem(f'demo-{i}', q, None, 'gsm8k', 'test', i) for i, q in enumerate(QUESTIONS)]
    cfg = Config(rho=0.5, lr=0.5, max_steps=3, max_new_tokens=24, batch_size=3, device=str(DEVICE))
    fast = {r.problem.id: r for r in Seeker(Engine(model, tok), wants_digit('7'), cfg).run(problems)}
    for p in problems:
        ref = reference_latent_seek(p, model, tok, wants_digit('7'), cfg)
        assert [(it.text, it.reward, it.changed, it.stop) for it in fast[p.id].trace] == [(it.text, it.reward, it.changed, it.stop) for it in ref.trace]
        assert [round(it.loss or 0, 3) for it in fast[p.id].trace] == [round(it.loss or 0, 3) for it in ref.trace]
    assert any(r.iterations > 0 for r in fast.values())


def test_latents_and_adam_state_stay_on_the_device(tiny, prompts):
    model, tok = tiny
    engine = Engine(model, tok)
    gen = engine.generate(engine.prefill(prompts[:1]), max_new_tokens=16, capture_hidden=True)[0]
    latents = Latents(gen.hidden, 0, 8, lr=0.5)
    head, step_head = latent_heads(model, True)
    latent_step([latents], [-1.0], step_head, model.dtype)
    latent_step([latents], [-1.0], step_head, model.dtype)
    state = latents.opt.state[latents.z]
    assert {latents.z.device.type, state['exp_avg'].device.type, state['exp_avg_sq'].device.type} == {DEVICE.type}
    assert latents.z.dtype == torch.float32 and len(latents.tokens(head, model.dtype)) == 8


@pytest.mark.skipif(not ON_GPU, reason='host syncs are a GPU matter')
def test_decode_syncs_with_the_host_at_most_every_sync_every_tokens(tiny, prompts):
    model, tok = tiny
    engine = Engine(model, tok, stop_ids=[])  # no stop: every row runs all its tokens
    tokens = 128
    caches = engine.prefill(prompts)
    engine.generate(caches, max_new_tokens=2)  # warm-up
    torch.cuda.set_sync_debug_mode('warn')
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            engine.generate(caches, max_new_tokens=tokens)
    finally: torch.cuda.set_sync_debug_mode('default')
    syncs = sum('synchroniz' in str(w.message).lower() for w in caught)
    print(f'{syncs} host syncs over {tokens} decode steps (sync_every={engine.sync_every})')
    assert syncs <= tokens // engine.sync_every + 8, syncs  # the check every sync_every steps, plus setup and the final read-out


def test_peak_memory_is_reported(tiny, prompts):
    from latentseek.bench import _peak_memory_gb
    model, tok = tiny
    if ON_GPU: torch.cuda.reset_peak_memory_stats(DEVICE)
    engine = Engine(model, tok)
    engine.generate(engine.prefill(prompts), max_new_tokens=16)
    peak = _peak_memory_gb(DEVICE)
    print(f'peak memory: {peak:.4f} GB on {DEVICE}')
    assert peak * 1e9 >= sum(p.numel() * p.element_size() for p in model.parameters())  # the weights are in it (GPU: allocated; CPU: resident)
