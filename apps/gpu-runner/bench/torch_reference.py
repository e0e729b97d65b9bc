"""PyTorch eager reference for `npm run bench:runner`: the same 8 x 256 guided generation (top-k 32,
top-k and guidance from the manifest) with the model lab's own modules and KV cache, then VQ decoding and
CLIP ranking. Loads the lab's trained models from its work dir (the bundle only ships ONNX). Prints one JSON line:
{"ms": wall time of the best of 2 runs} or {"error": "..."}.

Run through the lab's venv with the repo root on PYTHONPATH (bench/torch-reference.ts does this).
"""
import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "ml"))


def find_checkpoint(bundle: Path, explicit: str | None) -> Path | None:
    """The lab work dir (vq.pt, prior.pt, clip.pt, tokenizer.json) of the bundle's training run."""
    candidates = [Path(explicit)] if explicit else [ROOT / "ml/runs/sticker"]
    return next((p for p in candidates if (p / "prior.pt").is_file()), None)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--prompt", required=True)
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--checkpoint", default=None)
    args = ap.parse_args()
    bundle = Path(args.bundle)
    ck = find_checkpoint(bundle, args.checkpoint)
    if ck is None:
        print(json.dumps({"error": "no lab work dir with prior.pt (ml/runs/sticker); run npm run train to produce one"}))
        return

    import torch
    import torch.nn.functional as F
    from tessera_lab import config as C
    from tessera_lab import export
    from tessera_lab import tokenizer as tk
    from tessera_lab.clip import CLIP

    torch.set_num_threads(2)
    manifest = json.loads((bundle / "manifest.json").read_text())
    g = float(manifest["sampling"]["guidanceScale"])
    top_k = int(manifest["sampling"]["topK"])
    models = export.load_models(ck, C.full())
    prior, vq, clip, tok = models["prior"], models["vq"], models["clip"], models["tok"]
    text_ids = tk.encode(tok, args.prompt)
    empty = tk.encode(tok, "")

    @torch.no_grad()
    def generate(seed: int) -> None:
        gen = torch.Generator().manual_seed(seed)
        n = args.n
        ids = torch.tensor([text_ids] * n + [empty] * n)  # conditional rows, then unconditional rows
        B, T = ids.shape
        h, past = prior(ids, torch.ones_like(ids), torch.arange(T)[None].repeat(B, 1))
        out = torch.zeros(n, C.GRID * C.GRID, dtype=torch.long)
        for k in range(C.GRID * C.GRID):
            lg = prior.logits(h[:, -1])
            lg = lg[n:] + g * (lg[:n] - lg[n:])
            if top_k:
                kth = lg.topk(top_k, dim=-1).values[:, -1:]
                lg = lg.masked_fill(lg < kth, float("-inf"))
            out[:, k] = torch.multinomial(F.softmax(lg, -1), 1, generator=gen)[:, 0]
            if k == C.GRID * C.GRID - 1:
                break
            step = (out[:, k] + prior.text_vocab).repeat(2)[:, None]
            h, past = prior(step, torch.ones(B, T + k + 1, dtype=torch.long), torch.full((B, 1), T + k), past)
        images = vq.decode(out.view(n, C.GRID, C.GRID))
        t = torch.tensor([text_ids])
        te = F.normalize(clip.text(t, (t != 0).long()), dim=-1)
        ie = F.normalize(clip.vision(CLIP.normalise_pixels(images)), dim=-1)
        (ie @ te.t()).squeeze(1).argsort(descending=True)

    generate(0)  # warm-up
    times = []
    for seed in (1, 2):
        t0 = time.perf_counter()
        generate(seed)
        times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"ms": round(min(times), 1), "checkpoint": str(ck)}))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # report, don't crash the bench: e.g. a checkpoint from an older lab revision
        print(json.dumps({"error": f"{type(e).__name__}: {str(e).splitlines()[0]}"}))
