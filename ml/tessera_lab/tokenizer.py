"""Caption tokenizer in Hugging Face `tokenizers` format, shared byte-for-byte with the TypeScript runner.

Why WordPiece with whole words only: it behaves like WordLevel, but unknown words map to [UNK] in both
`tokenizers` (Python) and `@huggingface/tokenizers` 0.2.0 (WordLevel gave `undefined` ids there).
No post-processor: the caller builds [BOS] + ids[:TEXT_LEN-2] + [EOS] + [PAD]... (see `encode`).
"""
import json
from pathlib import Path

from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

from .config import TEXT_LEN
from .data import vocabulary

SPECIALS = ["[PAD]", "[UNK]", "[BOS]", "[EOS]"]
PAD, UNK, BOS, EOS = 0, 1, 2, 3


def build() -> Tokenizer:
    vocab = {t: i for i, t in enumerate(SPECIALS + vocabulary())}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    # NFKC folds compatibility forms, Lowercase handles "Red"; BertPreTokenizer splits on whitespace+punctuation.
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    return tok


def save(path: Path) -> None:
    build().save(str(path))
    # Re-serialise with sorted, stable formatting so the file's sha256 is reproducible.
    obj = json.loads(Path(path).read_text())
    Path(path).write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n")


def load(path: Path | None = None) -> Tokenizer:
    return Tokenizer.from_file(str(path)) if path else build()


def encode(tok: Tokenizer, text: str, text_len: int = TEXT_LEN) -> tuple[list[int], list[str]]:
    """-> (exactly text_len ids: [BOS] ids [EOS] [PAD]..., unknown words in order of appearance)."""
    enc = tok.encode(text, add_special_tokens=False)
    unknown = [text[a:b] for i, (a, b) in zip(enc.ids, enc.offsets) if i == UNK]
    ids = [BOS] + enc.ids[: text_len - 2] + [EOS]
    return ids + [PAD] * (text_len - len(ids)), unknown


def encode_batch(tok: Tokenizer, texts: list[str], text_len: int = TEXT_LEN) -> list[list[int]]:
    out = []
    for enc in tok.encode_batch(texts, add_special_tokens=False):
        ids = [BOS] + enc.ids[: text_len - 2] + [EOS]
        out.append(ids + [PAD] * (text_len - len(ids)))
    return out


def vocab_size(tok: Tokenizer) -> int:
    return tok.get_vocab_size()
