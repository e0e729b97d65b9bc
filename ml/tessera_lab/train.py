"""The whole pipeline: data -> tokenizer -> VQ -> prior -> CLIP -> export -> evaluate.

    python -m tessera_lab.train            # full run, writes models/tessera-tiny
    python -m tessera_lab.train --smoke    # every stage in < 2 min, writes a temp dir
Each trainer stops at min(steps, wall-clock budget); the LR follows max(step, time) progress so a
budget-stopped run still ends with a fully decayed learning rate.
"""
import argparse
import json
import math
import random
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from . import config as C
from . import data, tokenizer
from .clip import CLIP
from .prior import Prior
from .vq import VQ, psnr

ROOT = Path(__file__).resolve().parents[2]


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


class Schedule:
    def __init__(self, opt, lr, steps, budget_s, warmup=50):
        self.opt, self.lr, self.steps, self.budget, self.warmup = opt, lr, steps, budget_s, warmup
        self.t0, self.step = time.time(), 0

    def progress(self):
        return max(self.step / self.steps, (time.time() - self.t0) / self.budget)

    def next(self) -> bool:
        """Set the LR for the next step; False once the step count or time budget is used up."""
        p = self.progress()
        if p >= 1:
            return False
        lr = self.lr * min(1.0, (self.step + 1) / self.warmup) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * p)))
        for g in self.opt.param_groups:
            g["lr"] = lr
        self.step += 1
        return True


def to_tensor(imgs: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(imgs).permute(0, 3, 1, 2).float() / 255.0  # (B,3,64,64) in [0,1]


def train_vq(cfg: C.LabConfig, images: np.ndarray, val: np.ndarray) -> tuple[VQ, dict]:
    vc = cfg.vq
    vq = VQ(vc)
    # Initialise the codebook from real encodings (k-means++-lite) so training starts with live codes.
    with torch.no_grad():
        z = vq.encode_latent(to_tensor(images[:64])).permute(0, 2, 3, 1).reshape(-1, vc.code_dim)
        vq.codebook.copy_(z[torch.randperm(len(z))[: vc.codebook_size]])
        vq.ema_sum.copy_(vq.codebook)
    opt = torch.optim.AdamW(vq.parameters(), lr=vc.lr, weight_decay=0.0)
    sched, g = Schedule(opt, vc.lr, vc.steps, vc.budget_s), torch.Generator().manual_seed(cfg.seed)
    vq.train()
    while sched.next():
        idx = torch.randint(0, len(images), (vc.batch,), generator=g).numpy()
        x = to_tensor(images[idx])
        _, loss, _ = vq(x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if sched.step % 200 == 0:
            log(f"vq step {sched.step} loss {loss.item():.5f}")
    vq.eval()
    with torch.no_grad():
        xv = to_tensor(val)
        codes = torch.cat([vq.encode(xv[i:i + 256]) for i in range(0, len(xv), 256)])
        rec = torch.cat([vq.decode(codes[i:i + 256]) for i in range(0, len(xv), 256)])
    m = {"psnr_db": round(psnr(rec, xv), 2), "codebook_usage": round(len(codes.unique()) / vc.codebook_size, 3),
         "steps": sched.step, "seconds": round(time.time() - sched.t0, 1)}
    log("vq", m)
    return vq, m


def encode_all(vq: VQ, images: np.ndarray) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([vq.encode(to_tensor(images[i:i + 512])) for i in range(0, len(images), 512)]).view(len(images), -1)


def train_prior(cfg, tok, scenes, codes, vocab: int) -> tuple[Prior, dict]:
    pc = cfg.prior
    prior = Prior(pc, vocab, cfg.vq.codebook_size)
    opt = torch.optim.AdamW(prior.parameters(), lr=pc.lr, weight_decay=0.05, betas=(0.9, 0.95))
    sched, rng = Schedule(opt, pc.lr, pc.steps, pc.budget_s, warmup=100), random.Random(cfg.seed + 1)
    empty = tokenizer.encode(tok, "")[0]
    prior.train()
    ema = None
    while sched.next():
        idx = [rng.randrange(len(scenes)) for _ in range(pc.batch)]
        caps = [data.caption(scenes[i], rng) for i in idx]
        text = torch.tensor(tokenizer.encode_batch(tok, caps))
        drop = torch.rand(pc.batch) < pc.caption_dropout  # classifier-free guidance needs an unconditional model
        text[drop] = torch.tensor(empty)
        # Half the rows hide the text [PAD] slots, so either runner convention (mask 1 or 0 on them) works.
        hide = (torch.rand(pc.batch, 1) < 0.5) & (text == tokenizer.PAD)
        loss = prior.train_loss(text, codes[idx], (~hide).long())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(prior.parameters(), 1.0)
        opt.step()
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if sched.step % 100 == 0:
            log(f"prior step {sched.step} loss {ema:.4f} progress {sched.progress():.2f}")
    prior.eval()
    m = {"final_train_loss": round(ema, 4), "steps": sched.step, "seconds": round(time.time() - sched.t0, 1),
         "params": sum(p.numel() for p in prior.parameters())}
    log("prior", m)
    return prior, m


def hard_negative(scene, rng):
    while True:  # never let a held-out (shape, colour) pair appear, even in text
        s = data.perturb(scene, rng)
        if all((o["shape"], o["colour"]) not in data.HELDOUT for o in s["objects"]):
            return s


def train_clip(cfg, tok, scenes, images, vocab: int) -> tuple[CLIP, dict]:
    cc = cfg.clip
    clip = CLIP(cc, vocab)
    opt = torch.optim.AdamW(clip.parameters(), lr=cc.lr, weight_decay=0.05)
    sched, rng = Schedule(opt, cc.lr, cc.steps, cc.budget_s), random.Random(cfg.seed + 2)
    clip.train()
    while sched.next():
        idx = [rng.randrange(len(scenes)) for _ in range(cc.batch)]
        text = torch.tensor(tokenizer.encode_batch(tok, [data.caption(scenes[i], rng) for i in idx]))
        neg = torch.tensor(tokenizer.encode_batch(tok, [data.caption(hard_negative(scenes[i], rng), rng) for i in idx]))
        loss = clip.loss(to_tensor(images[idx]), text, neg)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if sched.step % 100 == 0:
            log(f"clip step {sched.step} loss {loss.item():.4f} scale {clip.logit_scale.exp().item():.1f}")
    clip.eval()
    m = {"steps": sched.step, "seconds": round(time.time() - sched.t0, 1),
         "params": sum(p.numel() for p in clip.parameters()), "logit_scale": round(clip.logit_scale.exp().item(), 3)}
    log("clip", m)
    return clip, m


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--out", type=Path, default=None, help="bundle dir (default models/tessera-tiny; smoke: temp)")
    ap.add_argument("--work", type=Path, default=None, help="checkpoints/logs (default ml/runs/<name>)")
    ap.add_argument("--skip-train", action="store_true", help="export+evaluate from the checkpoints in --work")
    ap.add_argument("--retrain-clip", action="store_true",
                    help="train only CLIP into --work/clip_retrain.pt; a later --skip-train swaps it in")
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args(argv)
    cfg = C.smoke(args.seed) if args.smoke else C.full(args.seed)
    out = args.out or (Path(tempfile.mkdtemp(prefix="tessera-smoke-")) if args.smoke else ROOT / "models/tessera-tiny")
    work = args.work or (out / "_work" if args.smoke else ROOT / "ml/runs/full")
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    cfg.threads = args.threads or cfg.threads
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    t_all = time.time()
    tok = tokenizer.build()
    vocab = tokenizer.vocab_size(tok)
    ck = work / "checkpoint.pt"
    if args.retrain_clip:
        scenes = data.make_scenes(cfg.train_scenes, cfg.seed, "train")
        clip, m_clip = train_clip(cfg, tok, scenes, data.render_all(scenes), vocab)
        torch.save({"clip": clip.state_dict(), "metrics": m_clip}, work / "clip_retrain.pt")
        return out
    if args.skip_train:
        state = torch.load(ck, weights_only=False)
        if (work / "clip_retrain.pt").exists():  # a CLIP-only retrain replaces the checkpoint's CLIP
            re = torch.load(work / "clip_retrain.pt", weights_only=False)
            state["clip"], state["metrics"]["clip"] = re["clip"], dict(re["metrics"], retrained=True)
            torch.save(state, ck)
            (work / "clip_retrain.pt").rename(work / "clip_retrain.merged.pt")
    else:
        t = time.time()
        scenes = data.make_scenes(cfg.train_scenes, cfg.seed, "train")
        images = data.render_all(scenes)
        val = data.render_all(data.make_scenes(512 if not cfg.smoke else 64, cfg.seed + 100, "any"))
        log(f"data: {len(scenes)} scenes in {time.time() - t:.1f}s")
        vq, m_vq = train_vq(cfg, images, val)
        codes = encode_all(vq, images)
        clip, m_clip = train_clip(cfg, tok, scenes, images, vocab)
        prior, m_prior = train_prior(cfg, tok, scenes, codes, vocab)
        state = {"cfg": cfg.to_dict(), "vq": vq.state_dict(), "prior": prior.state_dict(), "clip": clip.state_dict(),
                 "metrics": {"vq": m_vq, "prior": m_prior, "clip": m_clip}, "train_seconds": round(time.time() - t_all, 1)}
        torch.save(state, ck)
        log(f"training done in {state['train_seconds']}s")
    from . import evaluate, export  # late import keeps --help fast

    models = export.load_models(state, vocab)
    t = time.time()
    export.export_bundle(models, state, out, validate=not cfg.smoke)
    log(f"export done in {time.time() - t:.1f}s -> {out}")
    t = time.time()
    metrics = evaluate.run(cfg, out, work)
    metrics["seconds"] = round(time.time() - t, 1)
    export.finalise(out, state, metrics, validate=not cfg.smoke)
    (work / "metrics.json").write_text(json.dumps(metrics, indent=1))
    log(f"all done in {time.time() - t_all:.1f}s -> {out}")
    return out


if __name__ == "__main__":
    main()
