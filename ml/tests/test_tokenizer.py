import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tessera_lab import tokenizer

ROOT = Path(__file__).resolve().parents[2]


def test_unknown_words_map_to_unk_and_are_reported():
    tok = tokenizer.build()
    ids, unk = tokenizer.encode(tok, "A BIG Red zebra, upper-left café!")
    assert ids[0] == tokenizer.BOS and len(ids) == 32
    assert unk == ["zebra", "café", "!"]
    assert ids.count(tokenizer.UNK) == 3
    assert tokenizer.encode(tok, "")[0][:3] == [tokenizer.BOS, tokenizer.EOS, tokenizer.PAD]


def test_overlong_prompt_is_truncated_with_eos():
    ids, _ = tokenizer.encode(tokenizer.build(), "red " * 100)
    assert len(ids) == 32 and ids[-1] == tokenizer.EOS


def test_fixtures_match_saved_tokenizer(smoke_bundle):
    tok = tokenizer.load(smoke_bundle["out"] / "tokenizer.json")
    for t in json.loads((smoke_bundle["out"] / "fixtures.json").read_text())["tokenizer"]:
        assert tokenizer.encode(tok, t["text"]) == (t["ids"], t["unknownWords"])


@pytest.mark.skipif(not (ROOT / "node_modules/@huggingface/tokenizers").exists() or not shutil.which("node"),
                    reason="node_modules not installed")
def test_typescript_tokenizer_agrees(smoke_bundle, tmp_path):
    fx = json.loads((smoke_bundle["out"] / "fixtures.json").read_text())["tokenizer"]
    script = ROOT / "ml" / "tests" / "_tok_parity.mjs"
    r = subprocess.run(["node", str(script), str(smoke_bundle["out"] / "tokenizer.json")], input=json.dumps([t["text"] for t in fx]),
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 0, r.stderr
    for t, ids in zip(fx, json.loads(r.stdout)):
        body = t["ids"][1:t["ids"].index(tokenizer.EOS)]
        assert ids[:len(body)] == body, t["text"]
