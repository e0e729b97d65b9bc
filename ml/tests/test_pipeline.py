import hashlib
import json
import random
import tempfile
from pathlib import Path

import numpy as np
import torch

from tessera_lab import captions, judge, scenes, train
from tessera_lab import config as C

BUNDLE_FILES = {"prior.onnx", "vq_encoder.onnx", "vq_decoder.onnx", "clip_text.onnx", "clip_vision.onnx",
                "tokenizer.json", "fixtures.json", "MODEL_CARD.md", "manifest.json", "concepts.json",
                "concepts.png", "vocabulary.json"}


def test_smoke_writes_a_complete_bundle(smoke_bundle):
    out, m = smoke_bundle["out"], smoke_bundle["manifest"]
    assert BUNDLE_FILES <= {p.name for p in out.iterdir()}
    for name, f in m["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == f["sha256"], name
    assert m["image"]["size"] == 128 and m["grid"] == {"rows": 16, "cols": 16}
    assert m["prior"]["logitsSize"] == m["codebookSize"] and m["prior"]["textLength"] == m["text"]["maxTokens"] == 40
    assert m["prior"]["imageTokenOffset"] == m["text"]["vocabSize"]
    assert 0 <= m["vq"]["fillerCode"] < m["codebookSize"]
    assert {"fidelity", "vq", "clip", "latency", "judge_calibration", "guidance_sweep"} <= set(m["metrics"])
    assert "### Against the targets" in (out / "MODEL_CARD.md").read_text()
    concepts = json.loads((out / "concepts.json").read_text())
    assert len(concepts["concepts"]) >= 400 and {"label", "zh", "emoji", "synonyms"} <= set(concepts["concepts"][0])


def test_an_interrupted_run_resumes_bit_for_bit(smoke_bundle):
    """Killed after a checkpoint and resumed, training ends with exactly the weights of the unbroken run."""
    work = Path(tempfile.mkdtemp(prefix="tessera-resume-"))
    args = ["--smoke", "--out", str(work / "out"), "--work", str(work), "--stop-after", "prior"]
    try:
        train.main([*args, "--interrupt-at", "prior:10"])
        raise AssertionError("the run was not interrupted")
    except SystemExit as e:
        assert "interrupted at step 10" in str(e)
    assert (work / "prior.ckpt").exists() and not (work / "prior.pt").exists()
    train.main([*args, "--resume"])
    for name in ("vq", "clip", "prior"):
        a = torch.load(smoke_bundle["work"] / f"{name}.pt", weights_only=False)["model"]
        b = torch.load(work / f"{name}.pt", weights_only=False)["model"]
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), name


def test_scenes_are_deterministic_and_hold_out_pairs_and_tints():
    sampler = scenes.Sampler("train")
    mix = scenes.curriculum(1.0)
    a = [sampler.scene(random.Random(5), mix) for _ in range(3)]
    b = [sampler.scene(random.Random(5), mix) for _ in range(3)]
    assert a == b and (scenes.render_all(a) == scenes.render_all(b)).all()
    rng = random.Random(1)
    h_tints, h_pairs = scenes.heldout_tints(), scenes.heldout_pairs()
    for _ in range(600):
        s = sampler.scene(rng, mix)
        assert sampler.allowed(s)
        assert sampler.allowed(sampler.twin(s, rng))
        assert all((o["concept"], o.get("tint")) not in h_tints for o in s["objects"])
        ids = [o["concept"] for o in s["objects"]]
        assert all(frozenset((x, y)) not in h_pairs for x in ids for y in ids if x != y)
        assert not any(scenes.overlaps(x, y) for i, x in enumerate(s["objects"]) for y in s["objects"][i + 1:])
    assert len(h_tints) >= 40 and len(h_pairs) == scenes.HELDOUT_PAIR_COUNT


def test_captions_state_what_is_drawn_and_keep_the_heldout_family_out():
    rng = random.Random(3)
    sampler = scenes.Sampler("train")
    caps = [captions.caption(sampler.scene(rng, scenes.curriculum(1.0)), rng) for _ in range(2000)]
    zh = sum(any("\u4e00" <= ch <= "\u9fff" for ch in c) for c in caps) / len(caps)
    assert zh >= 0.2, zh
    assert not any(" you can see " in c or " sits " in c or c.startswith("we see") for c in caps)
    s = {"kind": "single", "bg": "white", "objects": [{"concept": 1, "size": "large", "cell": 0, "tint": "blue"}]}
    for _ in range(20):
        assert "blue" in captions.caption(s, rng, "en")  # a tint is always stated
    pos = captions.caption(s, rng, "en", captions.HELDOUT_FAMILY, {"pos": True, "size": False, "bg": False})
    assert any(p in pos for p in captions.POS_EN[0])


def test_judge_reads_ground_truth_scenes():
    acc = judge.calibrate(200, 11)
    assert all(v >= 0.97 for v in acc.values()), acc


def test_judge_reads_a_blue_banana_in_the_top_left():
    banana = next(i for i, c in enumerate(scenes.K.load()) if c.label == "banana")
    s = {"kind": "single", "bg": "white", "objects": [{"concept": banana, "size": "medium", "cell": 0, "tint": "blue"}]}
    r = judge.read(scenes.render(s))
    assert r["bg"] == "white" and r["objects"][0] | {"err": 0} == {**s["objects"][0], "err": 0}
    assert judge.faithful(scenes.render(s), s, {"pos": True})
    assert not judge.faithful(scenes.render(s), dict(s, objects=[dict(s["objects"][0], tint=None)]), {"pos": True})
    assert not np.array_equal(scenes.render(s), scenes.render(dict(s, objects=[dict(s["objects"][0], tint=None)])))


def test_smoke_config_is_small():
    c = C.smoke()
    assert c.prior.steps <= 50 and c.vq.steps <= 50 and c.clip.steps <= 50
