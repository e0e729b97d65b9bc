"""One smoke run per pytest session (every stage: data, three models, export, mini-evaluation)."""
import json
import sys
import tempfile
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tessera_lab import export, tokenizer, train  # noqa: E402


@pytest.fixture(scope="session")
def smoke_bundle():
    out = Path(tempfile.mkdtemp(prefix="tessera-test-"))
    train.main(["--smoke", "--out", str(out), "--work", str(out / "_work")])
    state = torch.load(out / "_work" / "checkpoint.pt", weights_only=False)
    models = export.load_models(state, tokenizer.vocab_size(tokenizer.build()))
    return {"out": out, "state": state, "models": models, "manifest": json.loads((out / "manifest.json").read_text())}
