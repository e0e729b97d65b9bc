"""Export the trained models to the bundle: ONNX graphs, tokenizer.json, what the model knows (concepts.json,
concepts.png, vocabulary.json), parity fixtures, MODEL_CARD.md and manifest.json (validated by the shared zod
schema before it is final)."""
import datetime
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from . import captions, scenes
from . import concepts as K
from . import config as C
from . import sprites as S
from . import tokenizer as tk
from .clip import CLIP, MEAN, STD
from .prior import Prior, PriorExport, PriorStaticCacheExport, static_cache_length
from .vq import VQ, VQDecoderExport, VQEncoderExport

ROOT = Path(__file__).resolve().parents[2]
OPSET = 17
NAME, VERSION = "tessera-sticker", "1.0.0"
# Guidance: the shipped default is chosen by the evaluation (MODEL_CARD.md); see evaluate.GUIDANCE_SWEEP.
SAMPLING = {"n": 8, "temperature": 1.0, "topK": 64, "topP": 1.0, "guidanceScale": 3.0}
FIXTURE_GUIDANCE = 3.0  # the parity fixtures exercise the guided (conditional + unconditional) path
FIXTURE_PROMPTS = ["a red apple in the top left corner", "一只猫在右下角", "two bananas",
                   "a dog to the left of a cat", "a blue heart in the center on a white background"]
TOKENIZER_FIXTURES = ["A BIG Red Apple, upper-left!", "一只猫在左上角", "两只小狗在中间", "zebra café ☃ 🐱 reds",
                      "  Tiny   GREEN\tcircle... at the CENTRE  ", "ＡＢＣ，你好", "x\u0000y\u200b\ufeffz", "🙂" * 50,
                      " ".join(["a big red star in the top left corner"] * 6), ""]
SPRITE_PX = 32


def _export(module, args, path, inputs, outputs, dynamic):
    torch.onnx.export(module, args, str(path), input_names=inputs, output_names=outputs, dynamic_axes=dynamic,
                      opset_version=OPSET, dynamo=False, do_constant_folding=True)


def export_prior(prior: Prior, path: Path, static: bool = True) -> None:
    """static (the default): a preallocated cache of static_cache_length(prior) slots; present.* return only
    the new tokens' K/V. Otherwise the Optimum-style concat graph (present = past + new, any past length)."""
    n, kvh, hd = len(prior.blocks), prior.cfg.kv_heads, prior.cfg.d_model // prior.cfg.heads
    B, T = 2, 3
    P = static_cache_length(prior) if static else 5
    past = [torch.randn(B, kvh, P, hd) for _ in range(2 * n)]
    ids = torch.randint(0, prior.text_vocab, (B, T))
    args = (ids, torch.ones(B, P + T, dtype=torch.long), torch.arange(P, P + T)[None].repeat(B, 1) % P, *past)
    past_names = [f"past_key_values.{i}.{kv}" for i in range(n) for kv in ("key", "value")]
    present_names = [f"present.{i}.{kv}" for i in range(n) for kv in ("key", "value")]
    dyn = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "total"},
           "position_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch"}}
    if static:
        dyn |= {p: {0: "batch"} for p in past_names} | {p: {0: "batch", 2: "seq"} for p in present_names}
    else:
        dyn |= {p: {0: "batch", 2: "past"} for p in past_names} | {p: {0: "batch", 2: "total"} for p in present_names}
    wrapper = PriorStaticCacheExport(prior) if static else PriorExport(prior)
    _export(wrapper, args, path, ["input_ids", "attention_mask", "position_ids", *past_names],
            ["logits", *present_names], dyn)


def kv_cache_layout(prior_onnx: Path) -> dict:
    """The manifest's prior.kvCache, read off the exported graph: a fixed past length means a static cache."""
    import onnxruntime as ort
    sess = ort.InferenceSession(str(prior_onnx), providers=["CPUExecutionProvider"])
    past = next(i for i in sess.get_inputs() if i.name.startswith("past_key_values"))
    return {"kind": "static", "length": past.shape[2]} if isinstance(past.shape[2], int) else {"kind": "concat"}


def export_graphs(models: dict, out: Path) -> None:
    vq, prior, clip, tok = models["vq"], models["prior"], models["clip"], models["tok"]
    Sz = C.IMAGE_SIZE
    with torch.no_grad():
        export_prior(prior, out / "prior.onnx")
        _export(VQEncoderExport(vq), (torch.rand(2, 3, Sz, Sz),), out / "vq_encoder.onnx", ["images"], ["codes"],
                {"images": {0: "batch"}, "codes": {0: "batch"}})
        _export(VQDecoderExport(vq), (torch.randint(0, 8, (2, C.GRID, C.GRID)),), out / "vq_decoder.onnx",
                ["codes"], ["images"], {"codes": {0: "batch"}, "images": {0: "batch"}})
        ids = torch.tensor(tk.encode_batch(tok, FIXTURE_PROMPTS[:2]))
        _export(clip.text, (ids, (ids != 0).long()), out / "clip_text.onnx", ["input_ids", "attention_mask"],
                ["text_embeds"], {"input_ids": {0: "batch"}, "attention_mask": {0: "batch"}, "text_embeds": {0: "batch"}})
        _export(clip.vision, (torch.randn(2, 3, Sz, Sz),), out / "clip_vision.onnx", ["pixel_values"], ["image_embeds"],
                {"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}})


def write_world(out: Path) -> None:
    """What the web needs for honest hints: the concept list (+ one sprite each) and the words it was trained on."""
    cs = K.load()
    cols = 32
    rows = (len(cs) + cols - 1) // cols
    sheet = np.zeros((rows * SPRITE_PX, cols * SPRITE_PX, 4), np.uint8)
    for c in cs:
        r, k = divmod(c.index, cols)
        icon = Image.fromarray(S.atlas()["small"][c.index], "RGBA").resize((SPRITE_PX, SPRITE_PX), Image.Resampling.LANCZOS)
        sheet[r * SPRITE_PX:(r + 1) * SPRITE_PX, k * SPRITE_PX:(k + 1) * SPRITE_PX] = np.asarray(icon)
    Image.fromarray(sheet, "RGBA").save(out / "concepts.png", optimize=True)
    held = sorted(scenes.heldout_tints())
    doc = {"spriteSize": SPRITE_PX, "spriteColumns": cols, "spritesFile": "concepts.png",
           "colours": list(S.TINTS), "backgrounds": list(scenes.BACKGROUNDS),
           "heldOutTints": [{"concept": c, "tint": t} for c, t in held],
           "concepts": [c.to_json() for c in cs]}
    (out / "concepts.json").write_text(json.dumps(doc, ensure_ascii=False, indent=0) + "\n")
    (out / "vocabulary.json").write_text(json.dumps(captions.vocabulary(), ensure_ascii=False, indent=0) + "\n")


def export_bundle(models: dict, state: dict, out: Path, validate: bool = True) -> None:
    export_graphs(models, out)
    shutil.copyfile(models["tok_path"], out / "tokenizer.json")
    write_world(out)
    (out / "fixtures.json").write_text(json.dumps(make_fixtures(models, out / "tokenizer.json"), indent=1,
                                                  ensure_ascii=False) + "\n")
    write_manifest(out, state, {}, validate=False)


@torch.no_grad()
def greedy_tokens(prior: Prior, text_ids: list[int], empty: list[int], g: float) -> list[int]:
    """Greedy decode with the KV cache, guided logits uncond + g*(cond-uncond), exactly as the runner does."""
    ids = torch.tensor([text_ids, empty])  # row 0 conditional, row 1 unconditional
    T = ids.shape[1]
    h, past = prior(ids, torch.ones_like(ids), torch.arange(T)[None].repeat(2, 1))
    out = []
    for k in range(C.GRID * C.GRID):
        lg = prior.logits(h[:, -1])  # (2,K)
        nxt = int((lg[1] + g * (lg[0] - lg[1])).argmax())
        out.append(nxt)
        if k == C.GRID * C.GRID - 1:
            break
        L = T + k + 1
        step = torch.full((2, 1), prior.text_vocab + nxt)
        h, past = prior(step, torch.ones(2, L, dtype=torch.long), torch.full((2, 1), T + k), past)
    return out


def image_sha(img: torch.Tensor) -> tuple[str, float, np.ndarray]:
    """img (3,S,S) float -> sha256 of uint8 HWC bytes (round(clamp*255)), mean of those bytes / 255."""
    u8 = torch.round(img.clamp(0, 1) * 255).to(torch.uint8).permute(1, 2, 0).contiguous().numpy()
    return hashlib.sha256(u8.tobytes()).hexdigest(), float(u8.mean() / 255.0), u8


@torch.no_grad()
def clip_score(clip: CLIP, text_ids: list[int], img: torch.Tensor) -> float:
    t = torch.tensor([text_ids])
    te = clip.text(t, (t != 0).long())
    ie = clip.vision(CLIP.normalise_pixels(img[None]))
    return float(torch.nn.functional.cosine_similarity(te, ie).item())


def make_fixtures(models: dict, tok_path: Path) -> dict:
    tok = tk.load(tok_path)
    tks = [{"text": t, "ids": tk.encode(tok, t)} for t in TOKENIZER_FIXTURES]
    empty = tk.encode(tok, "")
    gens = []
    for p in FIXTURE_PROMPTS:
        ids = tk.encode(tok, p)
        toks = greedy_tokens(models["prior"], ids, empty, FIXTURE_GUIDANCE)
        img = models["vq"].decode(torch.tensor(toks).view(1, C.GRID, C.GRID))[0]
        sha, mean, _ = image_sha(img)
        gens.append({"prompt": p, "textIds": ids, "guidanceScale": FIXTURE_GUIDANCE, "tokens": toks,
                     "imageSha256": sha, "imageMean": mean, "clipScore": clip_score(models["clip"], ids, img)})
    return {"tokenizer": tks, "generations": gens}


def filler_code(out: Path) -> int:
    """The code of a flat light-grey patch: what not-yet-generated grid positions show in previews."""
    import onnxruntime as ort
    sess = ort.InferenceSession(str(out / "vq_encoder.onnx"), providers=["CPUExecutionProvider"])
    grey = np.full((1, 3, C.IMAGE_SIZE, C.IMAGE_SIZE), 200 / 255, np.float32)
    codes = sess.run(None, {"images": grey})[0].ravel()
    return int(np.bincount(codes).argmax())


def sha256_file(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def write_manifest(out: Path, state: dict, metrics: dict, validate: bool) -> dict:
    cfg = state["cfg"]
    pc, cc = cfg["prior"], cfg["clip"]
    tok = tk.load(out / "tokenizer.json")
    files = sorted(p.name for p in out.iterdir() if p.is_file() and p.name != "manifest.json")
    if "logit_scale" in state:  # re-evaluating a shipped bundle: its manifest already holds the learned scale
        scale = float(state["logit_scale"])
    else:
        clip_state = torch.load(Path(state["work"]) / "clip.pt", weights_only=False)["model"]
        scale = float(np.exp(clip_state["logit_scale"].item()))
    m = {
        "schemaVersion": 1, "name": NAME, "version": VERSION,
        "createdAt": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "image": {"size": C.IMAGE_SIZE, "channels": 3}, "grid": {"rows": C.GRID, "cols": C.GRID},
        "codebookSize": cfg["vq"]["codebook_size"],
        "text": {"tokenizerFile": "tokenizer.json", "vocabSize": tk.vocab_size(tok), "maxTokens": C.TEXT_LEN,
                 "specialTokens": {"pad": tk.PAD, "unk": tk.UNK, "bos": tk.BOS, "eos": tk.EOS},
                 "vocabularyFile": "vocabulary.json"},
        "prior": {"file": "prior.onnx", "layers": pc["layers"], "heads": pc["heads"], "kvHeads": pc["kv_heads"],
                  "headDim": pc["d_model"] // pc["heads"], "embedDim": pc["d_model"], "textLength": C.TEXT_LEN,
                  "logitsSize": cfg["vq"]["codebook_size"], "imageTokenOffset": tk.vocab_size(tok),
                  "logitsLastOnly": True, "kvCache": kv_cache_layout(out / "prior.onnx")},
        "vq": {"encoderFile": "vq_encoder.onnx", "decoderFile": "vq_decoder.onnx", "fillerCode": filler_code(out)},
        "clip": {"textFile": "clip_text.onnx", "visionFile": "clip_vision.onnx", "embedDim": cc["embed_dim"],
                 "textLength": C.TEXT_LEN, "imageSize": C.IMAGE_SIZE, "mean": list(MEAN), "std": list(STD),
                 "logitScale": round(scale, 4)},
        "concepts": {"file": "concepts.json", "spritesFile": "concepts.png"},
        "sampling": metrics.get("sampling", SAMPLING),
        "files": {f: {"sha256": sha256_file(out / f), "bytes": (out / f).stat().st_size} for f in files},
        "fixturesFile": "fixtures.json",
        "training": {"config": cfg, "trainSeconds": state.get("train_seconds"), "stageSeconds": state.get("times"),
                     "stages": state["metrics"], "torch": torch.__version__,
                     "heldoutTints": sorted(f"{t} {K.load()[c].label}" for c, t in scenes.heldout_tints()),
                     "heldoutPairs": sorted(" + ".join(sorted(K.load()[i].label for i in p)) for p in scenes.heldout_pairs()),
                     "heldoutTemplateFamily": captions.HELDOUT_FAMILY},
        "metrics": metrics,
    }
    path = out / "manifest.json"
    path.write_text(json.dumps(m, indent=1, ensure_ascii=False) + "\n")
    if validate:
        validate_manifest(path)
    return m


def validate_manifest(path: Path) -> None:
    """The zod schema in packages/shared is the one source of truth; a bundle that fails it is not written."""
    r = subprocess.run(["npx", "tsx", "packages/shared/scripts/validate-manifest.ts", str(Path(path).resolve())], cwd=ROOT,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"manifest failed the shared schema:\n{r.stdout}{r.stderr}")


def finalise(out: Path, state: dict, metrics: dict, validate: bool) -> None:
    from .card import write_card

    write_card(out, state, metrics)
    write_manifest(out, state, metrics, validate)


def load_models(work: Path, cfg: C.LabConfig) -> dict:
    """The trained models of a run (its work dir's final checkpoints), for export and tests."""
    tok = tk.load(work / "tokenizer.json")
    vocab = tk.vocab_size(tok)
    vq, prior, clip = VQ(cfg.vq), Prior(cfg.prior, vocab, cfg.vq.codebook_size), CLIP(cfg.clip, vocab)
    for name, model in (("vq", vq), ("prior", prior), ("clip", clip)):
        model.load_state_dict(torch.load(work / f"{name}.pt", weights_only=False)["model"])
        model.eval()
    return {"vq": vq, "prior": prior, "clip": clip, "tok": tok, "tok_path": work / "tokenizer.json"}
