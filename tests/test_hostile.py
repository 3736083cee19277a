"""Hostile but fair inputs (issue 33), through the `latentseek` command in this process: a question longer than the
model's context, a gold the judge cannot read, absurd flags and crafted run folders stop with one line that names
file, row or line and what to do, never with a traceback or a stall."""
import json, os, sys
from pathlib import Path
import pytest
from latentseek.cli import main

NORMAL = [{'question': f'What is {a} + {b}?', 'answer': f'{a} + {b} = {a + b}\n#### {a + b}'} for a, b in ((1, 2), (3, 4))]


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    from latentseek.testing import tiny_model, tiny_tokenizer
    root = tmp_path_factory.mktemp('hostile')
    model = tiny_model(eos_boost=0.2)
    model.config.max_position_embeddings = 400  # a small context: the tokenizer reads one token per character
    model.save_pretrained(root / 'model')
    tiny_tokenizer().save_pretrained(root / 'model')
    rows = [NORMAL[0], {'question': 'How many? ' * 200, 'answer': '#### 1'}, NORMAL[1]]  # row 1: 2,000 tokens
    (root / 'long.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in rows))
    return root


def run(capsys, *argv) -> tuple[int, str]:
    "(exit code, stderr) of `latentseek *argv`."
    try:
        main([str(a) for a in argv])
        code = 0
    except SystemExit as e: code = e.code
    return code, capsys.readouterr().err


def eval_args(root, out, *more):
    return ['eval', '--model', root / 'model', '--dtype', 'float32', '--dataset', root / 'long.jsonl', '--method', 'cot',
            '--max-new-tokens', 16, '--no-progress', '--output-dir', out, *more]


def test_a_question_longer_than_the_context_is_named_and_can_be_skipped(root, capsys):
    code, err = run(capsys, *eval_args(root, root / 'refused'))
    assert code == 2, err
    assert 'long.jsonl row 1' in err and '--skip-long' in err and '400' in err, err
    assert not (root / 'refused').exists()  # nothing ran, nothing left behind
    code, err = run(capsys, *eval_args(root, root / 'skipped', '--skip-long'))
    assert code == 0, err
    assert 'long.jsonl row 1' in err, err  # the warning names the skipped row
    records = [json.loads(l) for l in (root / 'skipped' / 'results.jsonl').read_text().splitlines()]
    assert sorted(r['index'] for r in records) == [0, 2]


def test_an_answer_cap_past_the_context_is_refused(root, capsys):
    code, err = run(capsys, *eval_args(root, root / 'cap')[:-2], '--max-new-tokens', 100_000_000_000)
    assert code == 2 and 'max_new_tokens=100000000000' in err, err
    code, err = run(capsys, *eval_args(root, root / 'cap2', '--skip-long')[:-3], '--max-new-tokens', 390, '--output-dir', root / 'cap2', '--skip-long')
    assert code == 2 and '--max-new-tokens' in err, err  # no problem fits: the answer cap alone nearly fills the context


def test_a_gold_the_judge_cannot_read_is_refused_when_problems_load(root, capsys):
    data = root / 'huge.jsonl'
    data.write_text(json.dumps(NORMAL[0]) + '\n' + json.dumps({'question': 'q', 'answer': '#### ' + '7' * 5000}) + '\n')
    code, err = run(capsys, 'eval', '--model', root / 'model', '--dtype', 'float32', '--dataset', data, '--method', 'cot',
                    '--max-new-tokens', 8, '--no-progress', '--output-dir', root / 'huge')
    assert code == 2 and 'huge.jsonl row 1' in err and '5,000 digits' in err, err


@pytest.fixture(scope='module')
def good(root):
    "A real run folder of the two normal problems (CoT), and its first record."
    data = root / 'normal.jsonl'
    data.write_text(''.join(json.dumps(r) + '\n' for r in NORMAL))
    out = root / 'good'
    main(['eval', '--model', str(root / 'model'), '--dtype', 'float32', '--dataset', str(data), '--method', 'cot',
          '--max-new-tokens', '8', '--no-progress', '--output-dir', str(out)])
    return data, out, json.loads((out / 'results.jsonl').read_text().splitlines()[0])


CRAFTED = {  # what a hand-edited or foreign record holds -> what the refusal must say
    'final is a string': (lambda r: {**r, 'final': 'yes'}, "'final' is a string, not an object"),
    'final is null': (lambda r: {**r, 'final': None}, "'final' is null, not an object"),
    'id is a list': (lambda r: {**r, 'id': [1]}, "'id' is a list, not a string"),
    'trace is a string': (lambda r: {**r, 'trace': 'abc'}, "'trace' is a string, not a list"),
    'an iterate without step': (lambda r: {**r, 'trace': [{k: v for k, v in it.items() if k != 'step'} for it in r['trace']]}, "'trace' item 0 lacks 'step'"),
}


@pytest.mark.parametrize('case', list(CRAFTED))
def test_a_crafted_record_is_refused_by_eval_regrade_and_report(root, good, capsys, tmp_path, case):
    data, out, rec = good
    change, says = CRAFTED[case]
    crafted = tmp_path / 'run'
    crafted.mkdir()
    (crafted / 'config.json').write_text((out / 'config.json').read_text())
    (crafted / 'results.jsonl').write_text(json.dumps(rec) + '\n' + json.dumps(change(rec)) + '\n')
    where = f"{crafted / 'results.jsonl'}:2 is not a latentseek record: {says}"
    for argv in (['eval', '--model', root / 'model', '--dtype', 'float32', '--dataset', data, '--method', 'cot', '--max-new-tokens', 8,
                  '--no-progress', '--output-dir', crafted], ['regrade', crafted], ['report', crafted, '--out', tmp_path / 'report']):
        code, err = run(capsys, *argv)
        assert code == 2 and where in err, (argv[0], err)


def test_a_line_nested_too_deep_and_a_config_that_is_a_list_are_refused(root, good, capsys, tmp_path):
    data, out, rec = good
    deep = tmp_path / 'deep'
    deep.mkdir()
    (deep / 'config.json').write_text((out / 'config.json').read_text())
    (deep / 'results.jsonl').write_text(json.dumps(rec) + '\n' + '[' * 100_000 + ']' * 100_000 + '\n' + json.dumps(rec) + '\n')
    for argv in (['eval', '--model', root / 'model', '--dtype', 'float32', '--dataset', data, '--method', 'cot', '--max-new-tokens', 8,
                  '--no-progress', '--output-dir', deep], ['regrade', deep], ['report', deep, '--out', tmp_path / 'report']):
        code, err = run(capsys, *argv)
        assert code == 2 and f"{deep / 'results.jsonl'}:2 is nested too deep" in err, (argv[0], err)
    listed = tmp_path / 'listed'
    listed.mkdir()
    (listed / 'results.jsonl').write_text(json.dumps(rec) + '\n')
    (listed / 'config.json').write_text('[1, 2]')
    code, err = run(capsys, 'report', listed, '--out', tmp_path / 'report')
    assert code == 2 and f"{listed / 'config.json'} is not a latentseek config" in err, err
