"""The vLLM backend against the HF backend, on the real SmolLM2-135M-Instruct in float32 and real GSM8K problems:
CoT answers, continuations after a forced prefix, verifier answers and whole LatentSeek traces are the same at batch 1
and batched. Needs vLLM: runs in the vLLM environment (`make test-vllm`); skipped elsewhere, and fails when
VLLM_TEST_REQUIRED=1 (CI) and vLLM cannot be imported."""
import json, os, re, subprocess, sys
from pathlib import Path
import pytest
import torch
from latentseek.vllm_backend import vllm_missing

_why = vllm_missing()
if _why and os.environ.get('VLLM_TEST_REQUIRED'): pytest.fail(f"VLLM_TEST_REQUIRED is set, but {_why}", pytrace=False)
if _why: pytest.skip(f"vLLM tests need vLLM (make install-vllm; then make test-vllm): {_why}", allow_module_level=True)
os.environ.setdefault('VLLM_CPU_KVCACHE_SPACE', '1')  # GiB of KV cache; plenty for these tests
os.environ.setdefault('VLLM_CPU_OMP_THREADS_BIND', f'0-{os.cpu_count() - 1}')  # every core (vLLM's default keeps one for its front end)

from latentseek.config import Config
from latentseek.data import load_problems
from latentseek.generation import Engine
from latentseek.backend import Request, Sampling, Scheduler
from latentseek.answers import extract_answer
from latentseek.data import Problem
from latentseek.models import model_folder
from latentseek.prompts import chat_ids, solver_messages
from latentseek.reward import SelfReward
from latentseek.seek import Seeker
from latentseek.vllm_backend import VLLMBackend, engine_args

TOKENS = 160


@pytest.fixture(scope='module')
def gsm8k(data_dir):
    return load_problems(str(data_dir / 'gsm8k' / 'test.jsonl'), limit=4)


@pytest.fixture(scope='module')
def backends(smollm2_fp32):
    model, tok = smollm2_fp32
    cfg = Config(model='smollm2-135m-instruct', dtype='float32', vllm_max_model_len=4096)
    v = VLLMBackend(model, tok, engine_args(cfg, model_folder(cfg.model), cpu=True))
    yield Engine(model, tok), v
    v.close()


def _prompts(tok, problems): return [chat_ids(tok, solver_messages(p.question, p.dataset)) for p in problems]


def _same(a, b):
    assert [g.tokens for g in a] == [g.tokens for g in b]
    assert [(g.stop, g.prefix_len, g.text) for g in a] == [(g.stop, g.prefix_len, g.text) for g in b]


def test_cot_equals_hf_at_batch_1_and_batched(backends, gsm8k):
    hf, v = backends
    prompts = _prompts(hf.tokenizer, gsm8k)
    ref = hf.run([Request(p, [], TOKENS, capture_hidden=True) for p in prompts])
    together = v.run([Request(p, [], TOKENS, capture_hidden=True) for p in prompts])
    alone = [v.run([Request(p, [], TOKENS, capture_hidden=True)])[0] for p in prompts]
    _same(ref, together)
    _same(ref, alone)
    assert sum(g.stop == 'eos' for g in ref) >= 1 and all(len(g.text) > 50 for g in ref)
    for r, g in zip(ref, together):  # the latents: one torch prefill against the HF backend's capture while decoding
        assert g.hidden.shape == r.hidden.shape
        assert torch.allclose(g.hidden, r.hidden, atol=1e-3, rtol=1e-4), (g.hidden - r.hidden).abs().max()


def test_continuation_after_a_forced_prefix_equals_hf(backends, gsm8k):
    hf, v = backends
    prompts = _prompts(hf.tokenizer, gsm8k)
    cots = hf.run([Request(p, [], 24) for p in prompts])
    # LatentSeek-like prefixes: the CoT's first tokens, one of them changed
    prefixes = [c.tokens[:12] + [c.tokens[12] + 1] for c in cots]
    reqs = lambda: [Request(p, x, 96, stop_ids=[hf.tokenizer.eos_token_id]) for p, x in zip(prompts, prefixes)]
    ref = hf.run(reqs())
    _same(ref, v.run(reqs()))
    _same(ref, [v.run([r])[0] for r in reqs()])
    assert all(g.prefix_len == 13 and g.new_tokens > 0 for g in ref)


def test_verifier_answers_equal_hf(backends, gsm8k):
    hf, v = backends
    cfg = Config(model='smollm2-135m-instruct', dtype='float32', verifier_max_new_tokens=96)
    answers = [g.text for g in hf.run([Request(p, [], 64) for p in _prompts(hf.tokenizer, gsm8k[:2])])]
    qs = [p.question for p in gsm8k[:2]]
    reqs = lambda b: SelfReward.from_config(cfg, b, 'gsm8k').requests(qs, answers, [0, 1], b)
    ref, got = hf.run(reqs(hf)), v.run(reqs(v))
    assert len(ref) == 8  # 4 verifiers per answer
    _same(ref, got)


@pytest.mark.parametrize('reward', ['psrm', 'self'])
def test_latentseek_trace_equals_hf(backends, gsm8k, reward):
    hf, v = backends
    cfg = Config(model='smollm2-135m-instruct', dtype='float32', reward=reward, max_steps=2, max_new_tokens=64, verifier_max_new_tokens=64)
    problems = gsm8k[:3]
    def trace(backend, batch):
        rs = Seeker(backend, None, Config(**{**cfg.to_dict(), 'batch_size': batch})).run(problems)
        return {r.problem.id: ([(it.step, it.text, it.tokens, it.reward, it.changed, round(it.loss or 0, 3)) for it in r.trace], r.stopped, r.update_length)
                for r in rs}
    ref = trace(hf, 3)
    assert trace(v, 3) == ref
    assert trace(v, 1) == ref
    assert any(len(t) > 1 for t, _, _ in ref.values())  # latent updates happened


def test_sampled_rows_reproduce_by_seed_at_any_batch(backends, gsm8k):
    hf, v = backends
    p = _prompts(hf.tokenizer, gsm8k[:1])[0]
    s = Sampling(temperature=0.7)
    alone = v.run([Request(p, [], 32, sampling=s, seed=5)])[0]
    batch = v.run([Request(p, [], 32, sampling=s, seed=k) for k in (4, 5, 6)])
    assert batch[1].tokens == alone.tokens
    assert len({tuple(g.tokens) for g in batch}) == 3  # other seeds, other draws


def test_abort_frees_its_row_and_the_others_decode_as_on_hf(backends, gsm8k):
    hf, v = backends
    prompts = _prompts(hf.tokenizer, gsm8k[:3])
    reqs = [Request(p, [], 48, stop_ids=[]) for p in prompts]
    sched = Scheduler(v, max_rows=3)
    sched.add(reqs)
    for _ in range(3): assert sched.step() == []
    assert sched.abort([reqs[1]]) == [reqs[1]]
    got = {}
    while not sched.idle: got.update((id(r), g) for r, g in sched.step())
    assert sorted(got) == sorted([id(reqs[0]), id(reqs[2])]) and v.rows == 0
    _same(hf.run([Request(p, [], 48, stop_ids=[]) for p in (prompts[0], prompts[2])]), [got[id(reqs[0])], got[id(reqs[2])]])


def test_oracle_stops_at_its_first_right_sample_on_vllm(backends, gsm8k):
    _, v = backends
    cfg = dict(model='smollm2-135m-instruct', dtype='float32', method='oracle', n_samples=4, temperature=1.0, max_new_tokens=96, batch_size=2)
    full = {r.problem.id: r for r in Seeker(v, None, Config(**cfg)).run(gsm8k[:2])}
    def early_gold(r):  # the answer of a sample shorter than the longest: right, it finishes while another decodes
        longest = max(it.new_tokens for it in r.trace)
        its = sorted((it for it in r.trace if it.new_tokens < longest and extract_answer(it.text, 'gsm8k')), key=lambda it: it.new_tokens)
        return extract_answer(its[0].text, 'gsm8k') if its else '999'
    problems = [Problem(p.id, p.question, early_gold(full[p.id]), p.dataset, p.source, p.index) for p in gsm8k[:2]]
    first = {r.problem.id: r for r in Seeker(v, None, Config(**cfg, oracle_stop='first')).run(problems)}
    for p in problems:
        kept, drawn = [it.text for it in first[p.id].trace], [it.text for it in full[p.id].trace]
        assert set(kept) <= set(drawn) and first[p.id].fields['samples_aborted'] == 4 - len(kept)
    assert sum(r.fields['samples_aborted'] for r in first.values()) > 0


def test_slot_as_a_logit_bias_equals_hf_alone_and_batched(backends, gsm8k):
    hf, v = backends
    cfg = Config(model='smollm2-135m-instruct', dtype='float32', method='slot', max_new_tokens=64)
    problems = gsm8k[:2]
    def run(backend, batch):
        rs = Seeker(backend, None, cfg.replace(batch_size=batch)).run(problems)
        return {r.problem.id: (r.final.text, r.fields['slot_losses'], r.fields['slot_delta_norm']) for r in rs}
    ref = run(hf, 2)
    assert run(v, 2) == ref
    assert run(v, 1) == ref
    assert len({f[2] for f in ref.values()}) == 2  # two problems, two deltas: none shared by its batch mate
    cot = {r.problem.id: r.final.text for r in Seeker(hf, None, cfg.replace(method='cot')).run(problems)}
    assert any(ref[k][0] != cot[k] for k in ref)  # the deltas changed at least one answer: the bias is applied


def test_ltpo_through_prompt_embeddings_equals_hf_alone_and_batched(backends, gsm8k):
    hf, v = backends
    assert v.supports('delta') and not v.supports('embeds')  # an engine built for another method takes no embeddings ...
    with pytest.raises(ValueError, match='needs a backend'):
        Seeker(v, None, Config(model='smollm2-135m-instruct', dtype='float32', method='ltpo', max_new_tokens=8)).run(gsm8k[:1])
    with pytest.raises(ValueError, match='a request needs a backend that takes prompts as input embeddings'):  # refused by the scheduler, before vLLM sees it
        v.run([Request([1, 2, 3], [], 4, embeds=(0, torch.zeros(1, v.handle.model.config.hidden_size)))])
    cfg = Config(model='smollm2-135m-instruct', dtype='float32', method='ltpo', max_new_tokens=64, ltpo_steps=2, vllm_max_model_len=4096)
    e = VLLMBackend(hf.handle.model, hf.tokenizer, engine_args(cfg, model_folder(cfg.model), cpu=True))  # ... one built for LTPO does
    try:
        assert e.supports('embeds')
        def run(backend, batch):
            rs = Seeker(backend, None, cfg.replace(batch_size=batch)).run(gsm8k[:2])
            return {r.problem.id: (r.final.text, r.fields['ltpo_rewards']) for r in rs}
        ref = run(hf, 2)
        assert run(e, 2) == ref
        assert run(e, 1) == ref
        assert all(len(t) > 20 for t, _ in ref.values())
    finally:
        e.close()


def test_cli_eval_with_backend_vllm_gives_the_hf_records(tmp_path, data_dir):
    cli = str(Path(sys.executable).with_name('latentseek'))
    common = ['eval', '--dataset', str(data_dir / 'gsm8k' / 'test.jsonl'), '--limit', '2', '--dtype', 'float32', '--reward', 'psrm',
              '--max-steps', '1', '--max-new-tokens', '48', '--batch-size', '2', '--no-progress', '--device', 'cpu']
    for backend in ('hf', 'vllm'):
        subprocess.run([cli, *common, '--backend', backend, '--output-dir', str(tmp_path / backend)], check=True, timeout=600)
    read = lambda b: {r['id']: [(it['text'], it['reward']) for it in r['trace']] for r in map(json.loads, (tmp_path / b / 'results.jsonl').read_text().splitlines())}
    assert read('vllm') == read('hf') and len(read('hf')) == 2
    assert json.loads((tmp_path / 'vllm' / 'config.json').read_text())['config']['backend'] == 'vllm'


def test_accelerate_launch_two_processes_one_engine_each_gives_the_one_process_records(tmp_path, data_dir):
    "`accelerate launch` with 2 CPU processes and --backend vllm: each process starts an engine of its own on its own core (the launch's variables hidden from vLLM) and the run's records equal one HF process's."
    from latentseek.records import read_run, shard_paths
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = str(s.getsockname()[1])
    bin_ = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if k != 'VLLM_CPU_OMP_THREADS_BIND'}  # each engine takes its share of the cores
    env.update(OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore', VLLM_CPU_KVCACHE_SPACE='1')
    common = ['eval', '--model', 'smollm2-135m-instruct', '--dataset', str(data_dir / 'gsm8k' / 'test.jsonl'), '--limit', '4', '--dtype', 'float32',
              '--method', 'latentseek', '--reward', 'psrm', '--max-steps', '1', '--max-new-tokens', '48', '--no-progress', '--device', 'cpu']
    one = subprocess.run([str(bin_ / 'latentseek'), *common, '--backend', 'hf', '--output-dir', str(tmp_path / 'one')], env=env,
                         capture_output=True, text=True, timeout=600)
    assert one.returncode == 0, one.stderr[-3000:]
    launch = [str(bin_ / 'accelerate'), 'launch', '--multi_gpu', '--num_processes', '2', '--num_machines', '1', '--mixed_precision', 'no',
              '--dynamo_backend', 'no', '--main_process_port', port, '-m', 'latentseek']
    two = subprocess.run([*launch, *common, '--backend', 'vllm', '--vllm-max-model-len', '2048', '--output-dir', str(tmp_path / 'two')], env=env,
                         capture_output=True, text=True, timeout=900)
    assert two.returncode == 0, two.stderr[-4000:]
    assert ', 2 processes, ' in two.stdout
    logs = two.stdout + two.stderr
    bound = [set(ids.split(', ')) for ids in re.findall(r'core ids=\[([0-9, ]+)\]', logs)]  # vLLM's binding log, one line per engine
    assert len(bound) == 2 and not bound[0] & bound[1], bound  # each engine on cores of its own
    assert [p.name for p in shard_paths(tmp_path / 'two')] == ['results.0-of-2.jsonl', 'results.1-of-2.jsonl']
    trace = lambda run: {r['id']: [(it['text'], it['reward'], it['tokens']) for it in r['trace']] for r in read_run(tmp_path / run)[0]}
    assert trace('two') == trace('one') and len(trace('one')) == 4
