"""The whole pipeline: tokenizer -> VQ -> CLIP -> prior -> export -> evaluate, resumable at every stage.

    python -m tessera_lab.train                  # full run, writes models/tessera-sticker
    python -m tessera_lab.train --resume         # continue an interrupted run from its last checkpoint
    python -m tessera_lab.train --smoke          # every stage in < 2 min, writes a temp dir
    python -m tessera_lab.train --skip-train     # export + evaluate the finished checkpoints again

Budgets are steps. Every batch is drawn from a generator seeded by (seed, stage, step), so a run resumed from
a checkpoint (model, optimiser, RNG state, step) continues exactly as the unbroken run would have.
"""
import argparse
import contextlib
import json
import math
import random
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from . import captions, scenes
from . import config as C
from . import tokenizer as tk
from .clip import CLIP
from .prior import Prior
from .vq import VQ, psnr

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "models/tessera-sticker"
INTERRUPT: dict[str, int] = {}  # stage -> step, from --interrupt-at (resume tests)


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def lr_at(step: int, steps: int, lr: float, warmup: int = 100) -> float:
    p = step / steps
    return lr * min(1.0, (step + 1) / warmup) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * p)))


def to_tensor(imgs: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(imgs).permute(0, 3, 1, 2).float() / 255.0  # (B,3,128,128) in [0,1]


def step_rng(cfg: C.LabConfig, stage: str, step: int) -> random.Random:
    return random.Random(f"{cfg.seed}:{stage}:{step}")


def native_bf16() -> bool:
    """Whether this CPU computes bf16 natively. With AMX / AVX512-BF16 bf16 autocast trains ~1.6-2x faster than
    fp32; without them (AVX2-only CPUs, e.g. the AMD EPYC hosts) PyTorch emulates it and a prior step took 57 s
    instead of 1.7 s in fp32, so `npm run train` would have run for days."""
    if torch.cuda.is_available():
        return torch.cuda.is_bf16_supported()
    return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())


def autocast(cfg: C.LabConfig):
    return torch.autocast("cpu", dtype=torch.bfloat16) if cfg.bf16 else contextlib.nullcontext()


class Stage:
    """One model's training loop with atomic checkpoints every cfg.checkpoint_every steps."""

    def __init__(self, cfg: C.LabConfig, name: str, work: Path, model: torch.nn.Module, opt, steps: int, lr: float):
        self.cfg, self.name, self.model, self.opt, self.steps, self.lr = cfg, name, model, opt, steps, lr
        self.ckpt, self.final = work / f"{name}.ckpt", work / f"{name}.pt"
        self.step, self.seconds, self.losses = 0, 0.0, []
        self.interrupt_at = None  # tests: stop right after the checkpoint at this step, as a killed run would

    def resume(self) -> None:
        if self.ckpt.exists():
            st = torch.load(self.ckpt, weights_only=False)
            self.model.load_state_dict(st["model"])
            self.opt.load_state_dict(st["opt"])
            torch.set_rng_state(st["torch_rng"])
            self.step, self.seconds, self.losses = st["step"], st["seconds"], st["losses"]
            log(f"{self.name}: resumed at step {self.step}")

    def _save(self, path: Path, extra: dict | None = None) -> None:
        tmp = path.with_suffix(".tmp")
        torch.save({"model": self.model.state_dict(), "opt": self.opt.state_dict(), "torch_rng": torch.get_rng_state(),
                    "step": self.step, "seconds": self.seconds, "losses": self.losses, **(extra or {})}, tmp)
        tmp.rename(path)

    def run(self, train_step) -> dict:
        self.model.train()
        t0 = time.time() - self.seconds
        while self.step < self.steps:
            for g in self.opt.param_groups:
                g["lr"] = lr_at(self.step, self.steps, self.lr)
            loss = train_step(self.step)
            self.losses.append(round(loss, 5))
            self.step += 1
            self.seconds = time.time() - t0
            if self.step % 100 == 0 or self.step == self.steps:
                recent = np.mean(self.losses[-100:])
                log(f"{self.name} step {self.step}/{self.steps} loss {recent:.4f} ({self.seconds / self.step:.2f} s/step)")
            if self.step % self.cfg.checkpoint_every == 0 and self.step < self.steps:
                self._save(self.ckpt)
                if self.interrupt_at == self.step:
                    raise SystemExit(f"{self.name}: interrupted at step {self.step} (--interrupt-at)")
        self.model.eval()
        m = {"steps": self.step, "seconds": round(self.seconds, 1), "final_loss": round(float(np.mean(self.losses[-100:])), 4),
             "params": sum(p.numel() for p in self.model.parameters())}
        self._save(self.final, {"metrics": m})
        self.ckpt.unlink(missing_ok=True)
        return m


def load_final(path: Path, model: torch.nn.Module) -> dict:
    st = torch.load(path, weights_only=False)
    model.load_state_dict(st["model"])
    model.eval()
    return st["metrics"]


def train_vq(cfg: C.LabConfig, work: Path, resume: bool) -> tuple[VQ, dict]:
    vc = cfg.vq
    torch.manual_seed(cfg.seed)
    vq = VQ(vc)
    sampler = scenes.Sampler("train")
    if (work / "vq.pt").exists():
        return vq, load_final(work / "vq.pt", vq)
    with torch.no_grad():  # codebook initialised from real encodings so training starts with live codes
        rng = step_rng(cfg, "vq-init", 0)
        x = to_tensor(scenes.render_all([sampler.scene(rng, scenes.curriculum(1.0)) for _ in range(64)]))
        z = vq.encode_latent(x).permute(0, 2, 3, 1).reshape(-1, vc.code_dim)
        vq.codebook.copy_(z[torch.randperm(len(z))[: vc.codebook_size]])
        vq.ema_sum.copy_(vq.codebook)
    opt = torch.optim.AdamW(vq.parameters(), lr=vc.lr, weight_decay=0.0)
    st = Stage(cfg, "vq", work, vq, opt, vc.steps, vc.lr)
    st.interrupt_at = INTERRUPT.get("vq")
    if resume:
        st.resume()

    def step(i: int) -> float:
        rng = step_rng(cfg, "vq", i)
        x = to_tensor(scenes.render_all([sampler.scene(rng, scenes.curriculum(1.0)) for _ in range(vc.batch)]))
        with autocast(cfg):
            _, loss, _ = vq(x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    m = st.run(step)
    with torch.no_grad():
        rng = step_rng(cfg, "vq-val", 0)
        xv = to_tensor(scenes.render_all([sampler.scene(rng, scenes.curriculum(1.0)) for _ in range(64)]))
        codes = vq.encode(xv)
        m |= {"psnr_db": round(psnr(vq.decode(codes), xv), 2)}
    log("vq", m)
    return vq, m


def encode_images(vq: VQ, cfg: C.LabConfig, imgs: np.ndarray) -> torch.Tensor:
    with torch.no_grad(), autocast(cfg):
        return vq.encode(to_tensor(imgs)).reshape(len(imgs), -1)


def train_clip(cfg: C.LabConfig, work: Path, tok, vq: VQ, resume: bool) -> tuple[CLIP, dict]:
    cc = cfg.clip
    torch.manual_seed(cfg.seed + 2)
    clip = CLIP(cc, tk.vocab_size(tok))
    if (work / "clip.pt").exists():
        return clip, load_final(work / "clip.pt", clip)
    sampler = scenes.Sampler("train")
    opt = torch.optim.AdamW(clip.parameters(), lr=cc.lr, weight_decay=0.05)
    st = Stage(cfg, "clip", work, clip, opt, cc.steps, cc.lr)
    st.interrupt_at = INTERRUPT.get("clip")
    if resume:
        st.resume()
    half = cc.batch // 2

    def step(i: int) -> float:
        rng = step_rng(cfg, "clip", i)
        base = [sampler.scene(rng, scenes.curriculum(1.0)) for _ in range(half)]
        twins = [sampler.twin(s, rng) for s in base]  # one thing changed: the hardest negatives
        batch = base + twins
        caps = [captions.caption(s, rng) for s in batch]
        imgs = scenes.render_all(batch)
        x = to_tensor(imgs)
        k = len(batch) // 3  # a third seen through the VQ, as CLIP sees generated images when it ranks
        with torch.no_grad(), autocast(cfg):
            x[:k] = vq.decode(vq.encode(x[:k])).float()
        text = torch.tensor(tk.encode_batch(tok, caps))
        with autocast(cfg):
            loss = clip.loss(x, text)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    m = st.run(step)
    m["logit_scale"] = round(clip.logit_scale.exp().item(), 3)
    log("clip", m)
    return clip, m


def train_prior(cfg: C.LabConfig, work: Path, tok, vq: VQ, resume: bool) -> tuple[Prior, dict]:
    pc = cfg.prior
    torch.manual_seed(cfg.seed + 1)
    prior = Prior(pc, tk.vocab_size(tok), cfg.vq.codebook_size)
    if (work / "prior.pt").exists():
        return prior, load_final(work / "prior.pt", prior)
    sampler = scenes.Sampler("train")
    decay = [p for n, p in prior.named_parameters() if p.dim() >= 2 and "emb" not in n]
    rest = [p for n, p in prior.named_parameters() if not (p.dim() >= 2 and "emb" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": rest, "weight_decay": 0.0}],
                            lr=pc.lr, betas=(0.9, 0.95))
    st = Stage(cfg, "prior", work, prior, opt, pc.steps, pc.lr)
    st.interrupt_at = INTERRUPT.get("prior")
    if resume:
        st.resume()
    empty = tk.encode(tok, "")

    def step(i: int) -> float:
        rng = step_rng(cfg, "prior", i)
        mix = scenes.curriculum(i / pc.steps)
        batch = [sampler.scene(rng, mix) for _ in range(pc.batch)]
        # Caption dropout: the empty caption teaches the unconditional model classifier-free guidance needs.
        caps = ["" if rng.random() < pc.caption_dropout else captions.caption(s, rng) for s in batch]
        text = torch.tensor([empty if c == "" else ids for c, ids in zip(caps, tk.encode_batch(tok, caps))])
        codes = encode_images(vq, cfg, scenes.render_all(batch))
        with autocast(cfg):
            loss = prior.train_loss(text, codes)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(prior.parameters(), 1.0)
        opt.step()
        return loss.item()

    m = st.run(step)
    log("prior", m)
    return prior, m


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--out", type=Path, default=None, help="bundle dir (default models/tessera-sticker; smoke: temp)")
    ap.add_argument("--work", type=Path, default=None, help="checkpoints/logs (default ml/runs/sticker)")
    ap.add_argument("--resume", action="store_true", help="continue from the checkpoints in --work")
    ap.add_argument("--skip-train", action="store_true", help="export + evaluate the finished models in --work")
    ap.add_argument("--skip-eval", action="store_true", help="export only (tests, quick iterations)")
    ap.add_argument("--card-only", action="store_true",
                    help="rewrite MODEL_CARD.md and manifest.json from the last evaluation (work/metrics.json)")
    ap.add_argument("--evaluate-bundle", action="store_true",
                    help="evaluate the bundle already in --out (its ONNX files, as shipped) and rewrite its card; "
                         "needs no checkpoints, takes the training record from the bundle's manifest")
    ap.add_argument("--stop-after", choices=["tokenizer", "vq", "clip", "prior"], default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto",
                    help="auto: bf16 autocast where the CPU has native bf16, else fp32")
    ap.add_argument("--interrupt-at", default=None, help="STAGE:STEP - exit after that checkpoint (tests)")
    args = ap.parse_args(argv)
    INTERRUPT.clear()
    if args.interrupt_at:
        stage, at = args.interrupt_at.split(":")
        INTERRUPT[stage] = int(at)
    cfg = C.smoke(args.seed) if args.smoke else C.full(args.seed)
    out = args.out or (Path(tempfile.mkdtemp(prefix="tessera-smoke-")) if args.smoke else BUNDLE)
    work = args.work or (out / "_work" if args.smoke else ROOT / "ml/runs/sticker")
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    cfg.threads = args.threads or cfg.threads
    cfg.bf16 = {"bf16": True, "fp32": False}.get(args.precision, native_bf16())
    log(f"precision: {'bf16 autocast' if cfg.bf16 else 'fp32'} ({args.precision})")
    torch.set_num_threads(cfg.threads)
    t_all = time.time()
    if args.evaluate_bundle:
        return evaluate_bundle(cfg, out, work, reuse=args.card_only)
    times = json.loads((work / "times.json").read_text()) if (work / "times.json").exists() else {}

    def timed(name, fn):
        t = time.time()
        r = fn()
        times.setdefault(name, round(time.time() - t, 1))
        (work / "times.json").write_text(json.dumps(times, indent=1))
        return r

    resume = args.resume or args.skip_train or args.card_only
    previous = [p.name for p in work.iterdir() if p.suffix in (".pt", ".ckpt") or p.name == "tokenizer.json"]
    if previous and not resume:
        raise SystemExit(f"{work} holds a previous run ({', '.join(sorted(previous))}): pass --resume to continue "
                         "it, or delete the directory to start over")
    tok_path = work / "tokenizer.json"
    if not tok_path.exists():
        timed("tokenizer", lambda: tk.save(tk.build(cfg), tok_path))
    tok = tk.load(tok_path)
    log(f"tokenizer: {tk.vocab_size(tok)} tokens")
    if args.stop_after == "tokenizer":
        return out
    vq, m_vq = timed("vq", lambda: train_vq(cfg, work, resume))
    if args.stop_after == "vq":
        return out
    clip, m_clip = timed("clip", lambda: train_clip(cfg, work, tok, vq, resume))
    if args.stop_after == "clip":
        return out
    prior, m_prior = timed("prior", lambda: train_prior(cfg, work, tok, vq, resume))
    if args.stop_after == "prior":
        return out
    state = {"cfg": cfg.to_dict(), "metrics": {"vq": m_vq, "clip": m_clip, "prior": m_prior}, "times": times,
             "train_seconds": round(sum(v for k, v in times.items() if k in ("tokenizer", "vq", "clip", "prior")), 1),
             "work": str(work)}
    from . import evaluate, export  # late import keeps --help fast

    if args.card_only:
        metrics = json.loads((work / "metrics.json").read_text())
        export.finalise(out, state, metrics, validate=True)
        log(f"card and manifest rewritten -> {out}")
        return out
    models = {"vq": vq, "prior": prior, "clip": clip, "tok": tok, "tok_path": tok_path}
    timed("export", lambda: export.export_bundle(models, state, out, validate=True))
    log(f"export -> {out}")
    if args.skip_eval:
        return out
    metrics = evaluate.run(cfg, out, work)
    times["evaluate"] = metrics["seconds"]
    state["times"] = times
    export.finalise(out, state, metrics, validate=True)
    (work / "metrics.json").write_text(json.dumps(metrics, indent=1, ensure_ascii=False))
    log(f"all done in {time.time() - t_all:.1f}s -> {out}")
    return out


def evaluate_bundle(cfg: C.LabConfig, out: Path, work: Path, reuse: bool = False) -> Path:
    """Re-run the lab's evaluation on an exported bundle. The evaluation only ever reads the ONNX files, so the
    numbers are the shipped model's whether or not this machine still has the run's checkpoints. With `reuse`
    (--card-only) the last evaluation in work/metrics.json is written again instead."""
    from . import evaluate, export

    shipped = json.loads((out / "manifest.json").read_text())
    tr = shipped["training"]
    state = {"cfg": tr["config"], "metrics": tr["stages"], "times": tr["stageSeconds"],
             "train_seconds": tr["trainSeconds"], "logit_scale": shipped["clip"]["logitScale"]}
    t_all_start = time.time()
    if reuse:
        metrics = json.loads((work / "metrics.json").read_text())
        metrics.setdefault("vocab_size", shipped["text"]["vocabSize"])
    else:
        metrics = evaluate.run(cfg, out, work)
    state["times"] = dict(state["times"], evaluate=metrics["seconds"])
    export.finalise(out, state, metrics, validate=True)
    (work / "metrics.json").write_text(json.dumps(metrics, indent=1, ensure_ascii=False))
    log(f"evaluated {out} in {time.time() - t_all_start:.1f}s")
    return out


if __name__ == "__main__":
    main()
