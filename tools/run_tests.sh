#!/usr/bin/env bash
# Set up (or reuse) .venv, lint, then run the test suite: bash tools/run_tests.sh [pytest args]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/setup_env.sh"
bash "$ROOT/tools/get_fashion_mnist.sh"  # the frontier and attack tests read it
bash "$ROOT/tools/lint.sh"
cd "$ROOT"
exec "${MMPPML_VENV:-$ROOT/.venv}/bin/python" -m pytest -q "$@"
