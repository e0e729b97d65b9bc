import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tessera_lab import tokenizer as tk

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tok(smoke_bundle):
    return tk.load(smoke_bundle["out"] / "tokenizer.json")


def test_no_input_is_ever_unknown(tok):
    for text in ["zebra café ☃ 🐱", "\u0000\u200b\ufeff", "ＡＢＣ", "x" * 500, "🙂" * 40, "Ω≈ç√∫"]:
        ids = tk.encode(tok, text)
        assert tk.UNK not in ids and len(ids) == 40 and ids[0] == tk.BOS


def test_chinese_is_read_character_by_character(tok):
    """Every CJK character is its own pre-token: a word's tokens are its characters' tokens, in order."""
    for word in ["猫", "左上角", "红色的苹果", "一只狗在中间"]:
        whole = tok.encode(word, add_special_tokens=False).ids
        parts = [i for ch in word for i in tok.encode(ch, add_special_tokens=False).ids]
        assert whole == parts, word


def test_overlong_prompt_is_truncated_with_eos(tok):
    ids = tk.encode(tok, "red apple " * 100)
    assert len(ids) == 40 and ids[-1] == tk.EOS
    assert tk.encode(tok, "")[:3] == [tk.BOS, tk.EOS, tk.PAD]


def test_fixtures_match_saved_tokenizer(smoke_bundle, tok):
    for t in json.loads((smoke_bundle["out"] / "fixtures.json").read_text())["tokenizer"]:
        assert tk.encode(tok, t["text"]) == t["ids"]


@pytest.mark.skipif(not (ROOT / "node_modules/@huggingface/tokenizers").exists() or not shutil.which("node"),
                    reason="node_modules not installed")
def test_typescript_tokenizer_agrees(smoke_bundle):
    """English, Chinese, emoji and junk: the runner's tokenizer gives the lab's ids."""
    fx = json.loads((smoke_bundle["out"] / "fixtures.json").read_text())["tokenizer"]
    texts = [t["text"] for t in fx] + ["a kitten next to a 🐶", "两只小猫在左上角", "x\u0000y", "é\u0301", "\ud83d"[:0] + "end"]
    script = ROOT / "ml" / "tests" / "_tok_parity.mjs"
    r = subprocess.run(["node", str(script), str(smoke_bundle["out"] / "tokenizer.json")], input=json.dumps(texts),
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 0, r.stderr
    tok = tk.load(smoke_bundle["out"] / "tokenizer.json")
    for text, ids in zip(texts, json.loads(r.stdout)):
        assert ids == tok.encode(text, add_special_tokens=False).ids, text
