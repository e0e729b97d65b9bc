"""ONNX (onnxruntime) vs PyTorch, max abs diff <= 1e-4: the static-cache prior graph (prefill, chunks, single
steps, unused slots holding junk), the concat graph, VQ and CLIP, and greedy decoding through onnxruntime."""
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from tessera_lab import config as C
from tessera_lab import export
from tessera_lab import tokenizer as tk
from tessera_lab.clip import CLIP
from tessera_lab.evaluate import Bundle, KvCache
from tessera_lab.prior import Prior, static_cache_length

TOL = 1e-4


def sess(out, name):
    return ort.InferenceSession(str(out / name), providers=["CPUExecutionProvider"])


def run_prior(s, n_layers, ids, mask, pos, past):
    feed = {"input_ids": ids, "attention_mask": mask, "position_ids": pos}
    for i in range(n_layers):
        feed[f"past_key_values.{i}.key"], feed[f"past_key_values.{i}.value"] = past[2 * i], past[2 * i + 1]
    return s.run(None, feed)


def random_prior() -> Prior:
    """A small untrained prior with weights large enough that attention is peaked (std 0.02 makes it uniform,
    which would hide a wrong mask)."""
    torch.manual_seed(0)
    prior = Prior(C.PriorConfig(d_model=32, layers=2, heads=4, kv_heads=2), 40, 64)
    with torch.no_grad():
        for prm in prior.parameters():
            prm.normal_(0, 0.3)
    return prior.eval()


def _chunks_match_pytorch(prior: Prior, s, seq: torch.Tensor, static: bool) -> None:
    """Prefill the text tokens, then a 5-token chunk, then one token, each through ONNX with its cache layout and
    through PyTorch's concat cache; logits within TOL and the presents are the new (static) or all tokens."""
    n, kvh, hd = len(prior.blocks), prior.cfg.kv_heads, prior.cfg.d_model // prior.cfg.heads
    B, T = seq.shape[0], C.TEXT_LEN
    S = static_cache_length(prior)
    cache = [np.zeros((B, kvh, S if static else 0, hd), np.float32) for _ in range(2 * n)]
    if static:  # unused slots hold junk: only the mask may keep it out
        cache = [np.random.default_rng(i).standard_normal(c.shape).astype(np.float32) * 5 for i, c in enumerate(cache)]
    past_t = None
    for a, b in ((0, T), (T, T + 5), (T + 5, T + 6)):
        ids, pos = seq[:, a:b], torch.arange(a, b)[None].repeat(B, 1)
        with torch.no_grad():
            h, past_t = prior(ids, torch.ones(B, b, dtype=torch.long), pos, past_t)
            ref = prior.logits(h[:, -1:]).numpy()
        if static:
            mask = np.zeros((B, S + b - a), np.int64)
            mask[:, :a] = 1  # slots 0..a-1 hold the tokens so far
            mask[:, S:] = 1
        else:
            mask = np.ones((B, b), np.int64)
        o = run_prior(s, n, ids.numpy(), mask, pos.numpy(), cache)
        assert o[0].shape == (B, 1, prior.codebook)
        assert o[1].shape == (B, kvh, b - a if static else b, hd)
        assert np.abs(o[0] - ref).max() <= TOL, np.abs(o[0] - ref).max()
        for got, (k, _) in zip(o[1::2], past_t):
            want = k[:, :, a:b] if static else k
            assert np.abs(got - want.numpy()).max() <= TOL
        if static:
            for c, new in zip(cache, o[1:]):
                c[:, :, a:b] = new
        else:
            cache = o[1:]


def test_static_cache_prior_matches_pytorch(tmp_path: Path):
    prior = random_prior()
    export.export_prior(prior, tmp_path / "prior.onnx", static=True)
    assert export.kv_cache_layout(tmp_path / "prior.onnx") == {"kind": "static", "length": static_cache_length(prior)}
    seq = torch.cat([torch.randint(0, 40, (3, C.TEXT_LEN)), torch.randint(40, 104, (3, 6))], 1)
    _chunks_match_pytorch(prior, sess(tmp_path, "prior.onnx"), seq, static=True)


def test_concat_prior_still_exports_and_matches_pytorch(tmp_path: Path):
    prior = random_prior()
    export.export_prior(prior, tmp_path / "prior.onnx", static=False)
    assert export.kv_cache_layout(tmp_path / "prior.onnx") == {"kind": "concat"}
    seq = torch.cat([torch.randint(0, 40, (2, C.TEXT_LEN)), torch.randint(40, 104, (2, 6))], 1)
    _chunks_match_pytorch(prior, sess(tmp_path, "prior.onnx"), seq, static=False)


def test_static_cache_masks_unused_slots(smoke_bundle):
    """The trained prior as shipped: logits through the static graph match PyTorch with junk in unused slots, and
    a row that is allowed to see the junk does change (so the mask is what protects the others)."""
    prior, out = smoke_bundle["models"]["prior"], smoke_bundle["out"]
    assert smoke_bundle["manifest"]["prior"]["kvCache"] == {"kind": "static", "length": static_cache_length(prior)}
    s = sess(out, "prior.onnx")
    V, T = prior.text_vocab, C.TEXT_LEN
    g = torch.Generator().manual_seed(0)
    T = C.TEXT_LEN
    text = torch.tensor([tk.encode(smoke_bundle["models"]["tok"], "a big red star in the top left corner")] * 2)
    seq = torch.cat([text, torch.randint(0, prior.codebook, (2, 6), generator=g) + V], 1)  # (2, T+6)
    _chunks_match_pytorch(prior, s, seq, static=True)
    n, kvh, hd, S = len(prior.blocks), prior.cfg.kv_heads, prior.cfg.d_model // prior.cfg.heads, static_cache_length(prior)
    b = Bundle(out)
    cache = KvCache(2, b.n_layers, b.kvh, b.hd, b.static_len)
    P = T + 5
    b.step(seq[:, :P].numpy(), np.tile(np.arange(P), (2, 1)), cache)
    junk = [np.random.default_rng(i).standard_normal((2, kvh, S, hd)).astype(np.float32) for i in range(2 * n)]
    for c, j in zip(cache.kv, junk):
        c[:, :, P:] = j[:, :, P:]
    mask = np.zeros((2, S + 1), np.int64)
    mask[:, :P], mask[:, S:] = 1, 1
    mask[0, P:P + 3] = 1  # row 0 attends to three junk slots
    o = run_prior(s, n, seq[:, P:].numpy(), mask, np.full((2, 1), P, np.int64), cache.kv)
    with torch.no_grad():
        h, _ = prior(seq, torch.ones(2, P + 1, dtype=torch.long), torch.arange(P + 1)[None].repeat(2, 1))
        ref = prior.logits(h[:, -1]).numpy()
    assert np.abs(o[0][1, 0] - ref[1]).max() <= TOL
    assert np.abs(o[0][0, 0] - ref[0]).max() > TOL


def test_vq_and_clip_match_pytorch(smoke_bundle):
    m, out = smoke_bundle["models"], smoke_bundle["out"]
    x = torch.rand(3, 3, C.IMAGE_SIZE, C.IMAGE_SIZE, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        codes = m["vq"].encode(x)
        assert (sess(out, "vq_encoder.onnx").run(None, {"images": x.numpy()})[0] == codes.numpy()).mean() > 0.99
        dec = sess(out, "vq_decoder.onnx").run(None, {"codes": codes.numpy()})[0]
        assert np.abs(dec - m["vq"].decode(codes).numpy()).max() <= TOL
        ids = torch.tensor(tk.encode_batch(m["tok"], ["red star", "一只猫在左上角"]))
        te = sess(out, "clip_text.onnx").run(None, {"input_ids": ids.numpy(), "attention_mask": (ids != 0).long().numpy()})[0]
        assert np.abs(te - m["clip"].text(ids, (ids != 0).long()).numpy()).max() <= TOL
        px = CLIP.normalise_pixels(x)
        ie = sess(out, "clip_vision.onnx").run(None, {"pixel_values": px.numpy()})[0]
        assert np.abs(ie - m["clip"].vision(px).numpy()).max() <= TOL


def test_onnxruntime_reproduces_greedy_fixtures(smoke_bundle):
    """What the TypeScript runner must do: greedy guided decode via ORT reproduces PyTorch's tokens."""
    out = smoke_bundle["out"]
    b = Bundle(out)
    fx = json.loads((out / "fixtures.json").read_text())["generations"][:2]
    for f in fx:
        g = f["guidanceScale"]
        cache = KvCache(2, b.n_layers, b.kvh, b.hd, b.static_len)
        T = C.TEXT_LEN
        ids = np.array([f["textIds"], tk.encode(b.tok, "")], np.int64)
        logits = b.step(ids, np.tile(np.arange(T), (2, 1)), cache)
        toks = []
        for k in range(256):
            nxt = int((logits[1] + g * (logits[0] - logits[1])).argmax())
            toks.append(nxt)
            if k < 255:
                logits = b.step(np.full((2, 1), b.vocab + nxt, np.int64), np.full((2, 1), T + k, np.int64), cache)
        agree = np.mean(np.array(toks) == np.array(f["tokens"]))
        assert agree >= 0.98, agree  # near-ties in argmax may flip in the last float bits
