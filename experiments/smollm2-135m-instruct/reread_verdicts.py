"""Re-run the 4 verifiers on the CoT answers of the SmolLM2 self-reward run (gsm8k20-self) and read each text with
the verdict reader before and after the LaTeX fix (commit 2c46854). The run was scored before that fix and stored no
verifier texts, so this checks whether the fix would change its verdicts.

Usage (from the repository root): python experiments/smollm2-135m-instruct/reread_verdicts.py
Writes experiments/smollm2-135m-instruct/gsm8k20-self-reread.json and prints the counts."""
import collections, json, re
from pathlib import Path
import torch
from latentseek.models import load_model
from latentseek.generation import Engine
from latentseek.reward import SelfReward, VERDICT_MARKER

here = Path(__file__).parent
_STRIP = ' \t\n*`\'"[](){}:.'
def read_before_fix(text):
    "`read_verdict(text, 'last')` as it was before commit 2c46854: only spaces, bold, quotes and brackets skipped."
    for m in reversed(list(re.finditer(re.escape(VERDICT_MARKER), text, flags=re.I))):
        word = re.match(r'(true|false)\b', text[m.end():].lstrip(_STRIP), flags=re.I)
        if word: return word.group(1).lower() == 'true'
    return None

torch.manual_seed(0)
recs = [json.loads(l) for l in (here / 'gsm8k20-self/results.jsonl').read_text().splitlines()]
model, tok = load_model('smollm2-135m-instruct', 'bfloat16', 'cpu')
reward = SelfReward(Engine(model, tok), max_new_tokens=256, keep_texts=True)  # the run's --verifier-max-new-tokens
res = reward.score([r['question'] for r in recs], [r['trace'][0]['text'] for r in recs])
out, c = [], collections.Counter()
for r, d in zip(recs, res.details):
    before = {k: read_before_fix(t) for k, t in d['texts'].items()}
    out.append({'id': r['id'], 'stored': r['trace'][0]['verdicts'], 'before_fix': before, 'after_fix': d['verdicts'], 'texts': d['texts']})
    for k in d['verdicts']:
        c['verifier texts'] += 1
        c['with the marker'] += VERDICT_MARKER.lower() in d['texts'][k].lower()
        c['verdict read (before fix)'] += before[k] is not None
        c['verdict read (after fix)'] += d['verdicts'][k] is not None
        c['before fix == stored'] += before[k] == r['trace'][0]['verdicts'][k]
(here / 'gsm8k20-self-reread.json').write_text(json.dumps(out, indent=1))
print(dict(c))
