#!/usr/bin/env bash
# Set up (or reuse) .venv and the Fashion-MNIST data, then run the demo: bash tools/demo/demo.sh [demo args]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "$ROOT/tools/setup_env.sh"
if [[ " $* " != *" --data"* ]] && ! dpkg -s dataset-fashion-mnist >/dev/null 2>&1; then
  echo "[demo] installing the Debian package dataset-fashion-mnist (the demo's default data)" >&2
  sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq && "${sudo_cmd[@]}" apt-get install -y -qq dataset-fashion-mnist
fi
cd "$ROOT"
exec "${MMPPML_VENV:-$ROOT/.venv}/bin/python" tools/demo/demo.py "$@"
