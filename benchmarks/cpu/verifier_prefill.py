"""Verifier prefill on Qwen2.5-Coder-1.5B-Instruct (bf16, CPU): the 12 verifier prompts of a BoN problem (3 samples x 4
verifiers) prefilled as before commit 734ea59 (one padded batch), by length (`Engine.prefill`), and with each sample's
question and solution shared (`Engine.prefill(..., share=4)`, what the self-reward does). Prints one JSON line per problem.
Usage: .venv/bin/python benchmarks/cpu/verifier_prefill.py > benchmarks/cpu/verifier_prefill.jsonl"""
import json, time, torch
from transformers import DynamicCache
from latentseek.models import load_model
from latentseek.generation import Engine, PromptCache
from latentseek.prompts import verifier_messages, chat_ids, VERIFIER_WEIGHTS
torch.set_num_threads(2)
model, tok = load_model('qwen2.5-coder-1.5b-instruct', dtype='bfloat16')
e = Engine(model, tok)
def old_prefill(self, prompts):
    out = []
    for s in range(0, len(prompts), self.prefill_batch):
        chunk = prompts[s:s + self.prefill_batch]
        B, P = len(chunk), max(map(len, chunk))
        ids = torch.full((B, P), self.pad_id, dtype=torch.long); mask = torch.zeros((B, P), dtype=torch.long)
        for b, p in enumerate(chunk): ids[b, P - len(p):] = torch.tensor(p); mask[b, P - len(p):] = 1
        pos = (mask.cumsum(-1) - 1).clamp(min=0); cache = DynamicCache()
        with torch.no_grad(): h = self._forward(ids, mask, pos, cache)
        for b, p in enumerate(chunk):
            out.append(PromptCache(list(p), [(l.keys[b:b+1, :, P-len(p):].clone(), l.values[b:b+1, :, P-len(p):].clone()) for l in cache.layers], h[b, -1].clone()))
    return out
recs = [json.loads(l) for l in open('experiments/qwen2.5-coder-1.5b/gsm8k-p0-bon/results.jsonl')][:2]
for r in recs:
    prompts = [chat_ids(tok, verifier_messages(n, r['question'], it['text'])) for it in r['trace'] for n in VERIFIER_WEIGHTS]
    t = time.time(); a = old_prefill(e, prompts); t_old = time.time() - t
    t = time.time(); b = e.prefill(prompts, share=4); t_new = time.time() - t
    t = time.time(); c = e.prefill(prompts); t_sorted = time.time() - t
    greedy = lambda caches: [g.tokens for g in e.generate(caches[:4], max_new_tokens=24)]
    same = greedy(a) == greedy(b)
    print(json.dumps({'problem': r['index'], 'prompts': len(prompts), 'prompt_tokens': sum(map(len, prompts)), 'old_s': round(t_old, 1),
                      'length_batched_s': round(t_sorted, 1), 'shared_s': round(t_new, 1), 'speedup': round(t_old / t_new, 2),
                      'max_z_diff': max(float((x.z.float() - y.z.float()).abs().max()) for x, y in zip(a, b)), 'same_24_tokens_x4': same}))
