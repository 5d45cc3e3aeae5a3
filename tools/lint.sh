#!/usr/bin/env bash
# Lint the tree with the settings in setup.cfg (as .pre-commit-config.yaml does): bash tools/lint.sh
# Needs flake8, isort and yapf (the `tests` extra); changes nothing, exits non-zero on any finding.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${MMPPML_VENV:-$ROOT/.venv}/bin/python"
cd "$ROOT"
paths=(mmppml configs projects tests tools)
"$PY" -m flake8 "${paths[@]}"
"$PY" -m isort --check-only --diff "${paths[@]}"
"$PY" -m yapf --diff --recursive "${paths[@]}"
echo "[lint] flake8, isort and yapf: clean" >&2
