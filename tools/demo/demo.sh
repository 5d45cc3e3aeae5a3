#!/usr/bin/env bash
# Set up (or reuse) .venv and the Fashion-MNIST data, then run the demo: bash tools/demo/demo.sh [demo args]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "$ROOT/tools/setup_env.sh"
if [[ " $* " != *" --data"* ]]; then
  bash "$ROOT/tools/get_fashion_mnist.sh"  # the demo's default data
fi
cd "$ROOT"
exec "${MMPPML_VENV:-$ROOT/.venv}/bin/python" tools/demo/demo.py "$@"
