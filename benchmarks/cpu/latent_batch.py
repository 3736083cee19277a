"""The CPU time of LatentSeek's latent steps for the problems of one round: one `latent_step` call per problem
(before the Seeker batched them) against one call for all of them (issue 29). Real heads: SmolLM2-135M-Instruct
(V = 49152, d = 576) and Qwen2.5-Coder-1.5B-Instruct's shapes (V = 151936, d = 1536, random weights), bf16 as
`latentseek eval` runs on CPU, latents in float32; L = 60 latents per problem (rho 0.2 of a 300-token answer).
Writes latent_batch.json and latent_batch.md beside this file. Usage: python benchmarks/cpu/latent_batch.py"""
import json, time
from pathlib import Path
import torch
from latentseek.methods.latentseek import Latents, latent_step
from latentseek.handle import output_head
from latentseek.models import load_model
from latentseek.bench import machine

def head_of(vocab: int, d: int, dtype):
    "A plain linear output head of the given shape (random weights), frozen."
    return torch.nn.Linear(d, vocab, bias=False, dtype=dtype).requires_grad_(False)

def time_round(head, d: int, dtype, batch: int, L: int = 60, repeats: int = 3) -> dict:
    "Seconds for one round's latent steps of `batch` problems: one call each, and one call for all (best of `repeats`)."
    torch.manual_seed(0)
    hidden = [torch.randn(L, d) for _ in range(batch)]
    out = {}
    for mode in ('one_by_one', 'batched'):
        best = float('inf')
        for _ in range(repeats):
            lat = [Latents(h, 0, L, 0.05) for h in hidden]
            t = time.perf_counter()
            if mode == 'batched': latent_step(lat, [-1.0] * batch, head, dtype)
            else:
                for l in lat: latent_step([l], [-1.0], head, dtype)
            best = min(best, time.perf_counter() - t)
        out[mode] = best
    return out

if __name__ == '__main__':
    torch.set_num_threads(2)
    model, _ = load_model('smollm2-135m-instruct', 'bfloat16', 'cpu')
    heads = [('SmolLM2-135M-Instruct', output_head(model), model.config.hidden_size, model.config.vocab_size),
             ('Qwen2.5-1.5B shapes (random)', head_of(151936, 1536, torch.bfloat16), 1536, 151936)]
    rows = []
    for name, head, d, V in heads:
        for batch in (1, 8):
            t = time_round(head, d, torch.bfloat16, batch)
            rows.append({'head': name, 'd': d, 'V': V, 'batch': batch, **t, 'speedup': t['one_by_one'] / t['batched']})
            print(rows[-1], flush=True)
    here = Path(__file__).parent
    info = machine()
    (here / 'latent_batch.json').write_text(json.dumps({'machine': info, 'rows': rows}, indent=1))
    md = [f"Latent steps of one round (L = 60 latents per problem, bf16 head, float32 latents); {info}\n",
          '| head | problems | one call each (s) | one call for all (s) | speed-up |', '|---|---|---|---|---|']
    md += [f"| {r['head']} | {r['batch']} | {r['one_by_one']:.3f} | {r['batched']:.3f} | {r['speedup']:.2f} |" for r in rows]
    (here / 'latent_batch.md').write_text('\n'.join(md) + '\n')
