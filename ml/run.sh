#!/usr/bin/env bash
# Entry point for `npm run train` / `npm run test:ml`: ensures the venv, then runs the lab.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
REQ="$ROOT/ml/requirements.txt"
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
HASH="$(sha256sum "$REQ" | cut -d' ' -f1)"
STAMP="$VENV/.tessera-requirements.sha256"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$HASH" ]; then
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQ"
  "$VENV/bin/python" -c "import torch, onnxruntime, tokenizers" # fail fast on a broken venv
  echo "$HASH" > "$STAMP"
fi
cd "$ROOT/ml"
cmd="${1:-}"; shift || true
case "$cmd" in
  train) exec "$VENV/bin/python" -m tessera_lab.train "$@" ;;
  test) exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests "$@" ;;
  *) echo "usage: ml/run.sh {train|test} [args]" >&2; exit 2 ;;
esac
