import hashlib
import json

from tessera_lab import data, judge

BUNDLE_FILES = {"prior.onnx", "vq_encoder.onnx", "vq_decoder.onnx", "clip_text.onnx", "clip_vision.onnx",
                "tokenizer.json", "fixtures.json", "MODEL_CARD.md", "manifest.json"}


def test_smoke_writes_a_complete_bundle(smoke_bundle):
    out, m = smoke_bundle["out"], smoke_bundle["manifest"]
    assert BUNDLE_FILES <= {p.name for p in out.iterdir()}
    for name, f in m["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == f["sha256"], name
    assert m["prior"]["logitsSize"] == m["codebookSize"] and m["prior"]["textLength"] == m["text"]["maxTokens"] == 32
    assert m["prior"]["imageTokenOffset"] == m["text"]["vocabSize"]
    assert 0 <= m["vq"]["fillerCode"] < m["codebookSize"]
    assert {"fidelity", "vq", "clip", "latency", "judge_accuracy_on_ground_truth"} <= set(m["metrics"])
    assert "| prompts | guidance |" in (out / "MODEL_CARD.md").read_text()


def test_data_is_deterministic_and_holds_out_pairs():
    a, b = data.make_scenes(300, 5), data.make_scenes(300, 5)
    assert a == b and (data.render_all(a[:4]) == data.render_all(b[:4])).all()
    assert all((o["shape"], o["colour"]) not in data.HELDOUT for s in a for o in s["objects"])
    assert len(data.HELDOUT) >= 0.1 * len(data.SHAPES) * len(data.COLOURS)


def test_judge_reads_ground_truth():
    scenes = data.make_scenes(150, 11, "any")
    acc = sum(judge.exact(x, s) for x, s in zip(data.render_all(scenes), scenes)) / len(scenes)
    assert acc >= 0.98, acc


def test_fixtures_shape(smoke_bundle):
    fx = json.loads((smoke_bundle["out"] / "fixtures.json").read_text())
    assert 4 <= len(fx["generations"]) <= 6
    for g in fx["generations"]:
        assert len(g["textIds"]) == 32 and len(g["tokens"]) == 256 and len(g["imageSha256"]) == 64
    assert any(t["unknownWords"] for t in fx["tokenizer"])
