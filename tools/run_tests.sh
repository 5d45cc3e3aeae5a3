#!/usr/bin/env bash
# Set up (or reuse) .venv, lint, build the docs, then run the test suite: bash tools/run_tests.sh [pytest args]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${MMPPML_VENV:-$ROOT/.venv}/bin/python"
bash "$ROOT/tools/setup_env.sh"
bash "$ROOT/tools/get_fashion_mnist.sh"  # the frontier and attack tests read it
bash "$ROOT/tools/lint.sh"
cd "$ROOT"
# The docs (docs/en, with the API pages from the docstrings), warnings as errors, into a throw-away folder.
docs_out="$(mktemp -d)"
trap 'rm -rf "$docs_out"' EXIT
"$PY" -m sphinx -W --keep-going -q -b html docs/en "$docs_out"
rm -rf "$docs_out"
trap - EXIT
echo "[docs] sphinx -W: clean" >&2
exec "$PY" -m pytest -q "$@"
