"""One smoke run per pytest session (every stage: tokenizer, three models, export, mini-evaluation)."""
import json
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tessera_lab import config as C  # noqa: E402
from tessera_lab import export, train  # noqa: E402


@pytest.fixture(scope="session")
def smoke_bundle():
    out = Path(tempfile.mkdtemp(prefix="tessera-test-"))
    work = out.parent / f"{out.name}-work"
    train.main(["--smoke", "--out", str(out), "--work", str(work)])
    return {"out": out, "work": work, "models": export.load_models(work, C.smoke()),
            "manifest": json.loads((out / "manifest.json").read_text())}
