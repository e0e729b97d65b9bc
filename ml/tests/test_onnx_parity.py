"""ONNX (onnxruntime) vs PyTorch, max abs diff <= 1e-4, including the KV cache and a left-padded row."""
import json

import numpy as np
import onnxruntime as ort
import torch

from tessera_lab import config as C
from tessera_lab import tokenizer
from tessera_lab.clip import CLIP
from tessera_lab.evaluate import Bundle

TOL = 1e-4


def sess(out, name):
    return ort.InferenceSession(str(out / name), providers=["CPUExecutionProvider"])


def run_prior(s, n_layers, ids, mask, pos, past):
    feed = {"input_ids": ids, "attention_mask": mask, "position_ids": pos}
    for i in range(n_layers):
        feed[f"past_key_values.{i}.key"], feed[f"past_key_values.{i}.value"] = past[2 * i], past[2 * i + 1]
    return s.run(None, feed)


def test_prior_kv_cache_and_left_padding(smoke_bundle):
    prior, out = smoke_bundle["models"]["prior"], smoke_bundle["out"]
    s = sess(out, "prior.onnx")
    n, kvh, hd = len(prior.blocks), prior.cfg.kv_heads, prior.cfg.d_model // prior.cfg.heads
    V, T = prior.text_vocab, C.TEXT_LEN
    g = torch.Generator().manual_seed(0)
    text = torch.tensor([tokenizer.encode(tokenizer.build(), "a big red star in the top left corner")[0]] * 2)
    img = torch.randint(0, prior.codebook, (2, 6), generator=g) + V
    seq = torch.cat([text, img], 1)  # (2, 38)
    # 1) prefill 32 text tokens, 2) a 5-token chunk with past, 3) one token with past.
    empty = [np.zeros((2, kvh, 0, hd), np.float32) for _ in range(2 * n)]
    past_t, past_o = None, empty
    for a, b in ((0, T), (T, T + 5), (T + 5, T + 6)):
        ids, pos, mask = seq[:, a:b], torch.arange(a, b)[None].repeat(2, 1), torch.ones(2, b, dtype=torch.long)
        with torch.no_grad():
            h, past_t = prior(ids, mask, pos, past_t)
            ref = prior.logits(h[:, -1:]).numpy()
        o = run_prior(s, n, ids.numpy(), mask.numpy(), pos.numpy(), past_o)
        assert o[0].shape == (2, 1, prior.codebook)
        assert o[1].shape == (2, kvh, b, hd)
        assert np.abs(o[0] - ref).max() <= TOL
        past_o = o[1:]
    # Left padding: 3 junk slots with mask 0 in front of row 1 must not change its logits.
    pad = np.random.default_rng(0).standard_normal((2, kvh, 3, hd)).astype(np.float32)
    padded = [np.concatenate([pad, p], 2) for p in past_o]
    ids = (seq[:, -1:]).numpy()
    mask = np.ones((2, 3 + T + 7), np.int64)
    mask[1, :3] = 0
    mask[0, :3] = 1  # row 0 attends to the junk: must differ, proving the mask is what protects row 1
    o_pad = run_prior(s, n, ids, mask, np.full((2, 1), T + 6, np.int64), padded)
    o_ref = run_prior(s, n, ids, np.ones((2, T + 7), np.int64), np.full((2, 1), T + 6, np.int64), past_o)
    assert np.abs(o_pad[0][1] - o_ref[0][1]).max() <= TOL
    assert np.abs(o_pad[0][0] - o_ref[0][0]).max() > TOL


def test_vq_and_clip_match_pytorch(smoke_bundle):
    m, out = smoke_bundle["models"], smoke_bundle["out"]
    x = torch.rand(3, 3, C.IMAGE_SIZE, C.IMAGE_SIZE, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        codes = m["vq"].encode(x)
        assert (sess(out, "vq_encoder.onnx").run(None, {"images": x.numpy()})[0] == codes.numpy()).mean() > 0.99
        dec = sess(out, "vq_decoder.onnx").run(None, {"codes": codes.numpy()})[0]
        assert np.abs(dec - m["vq"].decode(codes).numpy()).max() <= TOL
        ids = torch.tensor(tokenizer.encode_batch(tokenizer.build(), ["red star", "a small blue ring above a yellow square"]))
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
        ids = np.array([f["textIds"], tokenizer.encode(b.tok, "")[0]], np.int64)
        logits, past = b.step(ids, np.ones((2, 32), np.int64), np.tile(np.arange(32), (2, 1)), b.empty_past(2))
        toks = []
        for k in range(256):
            nxt = int((logits[1] + g * (logits[0] - logits[1])).argmax())
            toks.append(nxt)
            if k < 255:
                logits, past = b.step(np.full((2, 1), b.vocab + nxt, np.int64), np.ones((2, 33 + k), np.int64),
                                      np.full((2, 1), 32 + k, np.int64), past)
        agree = np.mean(np.array(toks) == np.array(f["tokens"]))
        assert agree >= 0.98, agree  # near-ties in argmax may flip in the last float bits
