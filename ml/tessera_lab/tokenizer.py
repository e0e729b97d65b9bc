"""Caption tokenizer: byte-level BPE trained by Hugging Face `tokenizers` on the world's own captions.

Byte-level means no input is ever [UNK] (any text is bytes); every CJK character is split off on its own before
BPE, so Chinese works character by character and a new combination of known characters still reads. The same
`tokenizer.json` runs in the TypeScript runner (`@huggingface/tokenizers`); tests check parity.
No post-processor: the caller builds [BOS] + ids[:TEXT_LEN-2] + [EOS] + [PAD]... (see `encode`).
"""
import json
import random
from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

from .config import TEXT_LEN

SPECIALS = ["[PAD]", "[UNK]", "[BOS]", "[EOS]"]
PAD, UNK, BOS, EOS = 0, 1, 2, 3
CJK = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"


def _blank() -> Tokenizer:
    tok = Tokenizer(models.BPE(unk_token=None, byte_fallback=False))
    # NFKC folds full-width forms ("ＡＢＣ", "，"), Lowercase handles "Red".
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(CJK), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    return tok


def train(captions: list[str], vocab_size: int) -> Tokenizer:
    tok = _blank()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(captions, trainer=trainer)
    return tok


def build(cfg, n: int | None = None) -> Tokenizer:
    """Trains on captions of training scenes drawn from the seed (the held-out template family never appears)."""
    from . import captions, scenes
    rng = random.Random(cfg.seed + 11)
    sampler = scenes.Sampler("train")
    n = n or cfg.tokenizer_captions
    caps = [captions.caption(sampler.scene(rng, scenes.curriculum(1.0)), rng) for _ in range(n)]
    # Every concept name, synonym and Chinese label at least twice, so each is learned whatever the sample.
    from . import concepts
    for c in concepts.load():
        caps += [c.label, c.zh, *c.synonyms, *c.zh_synonyms] * 2
    return train(caps, cfg.vocab_size)


def save(tok: Tokenizer, path: Path) -> None:
    tok.save(str(path))
    obj = json.loads(Path(path).read_text())
    Path(path).write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n")


def load(path: Path) -> Tokenizer:
    return Tokenizer.from_file(str(path))


def encode(tok: Tokenizer, text: str, text_len: int = TEXT_LEN) -> list[int]:
    """-> exactly text_len ids: [BOS] ids [EOS] [PAD]..."""
    return encode_batch(tok, [text], text_len)[0]


def encode_batch(tok: Tokenizer, texts: list[str], text_len: int = TEXT_LEN) -> list[list[int]]:
    out = []
    for enc in tok.encode_batch(texts, add_special_tokens=False):
        ids = [BOS] + enc.ids[: text_len - 2] + [EOS]
        out.append(ids + [PAD] * (text_len - len(ids)))
    return out


def lengths(tok: Tokenizer, texts: list[str]) -> list[int]:
    return [len(e.ids) + 2 for e in tok.encode_batch(texts, add_special_tokens=False)]


def vocab_size(tok: Tokenizer) -> int:
    return tok.get_vocab_size()
