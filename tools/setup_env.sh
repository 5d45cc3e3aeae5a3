#!/usr/bin/env bash
# Create or reuse .venv at the repository root and install mmppml with the OpenMMLab stack.
#
#   bash tools/setup_env.sh            # idempotent: a second run only checks and returns
#
# mmcv 2.1.0 (with ops) has no wheel for torch 2.14, so it is built once from its sdist and the wheel
# is cached in $MMPPML_WHEEL_CACHE (default ~/.cache/mmppml/wheels), one folder per Python, torch, CUDA
# version and GPU architectures; later runs install that wheel. On a GPU machine the ops are built with
# CUDA for the GPUs present (TORCH_CUDA_ARCH_LIST overrides; FORCE_CUDA=1 builds them without a GPU).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MMPPML_VENV:-$ROOT/.venv}"
WHEELS="${MMPPML_WHEEL_CACHE:-$HOME/.cache/mmppml/wheels}"
PY_BASE="${PYTHON:-python3.11}"
STAMP="$VENV/.mmppml-setup"

log() { printf '[setup] %s\n' "$*" >&2; }

# The stamp records what was installed; it changes whenever this script or pyproject.toml changes.
want_stamp="$(cat "$ROOT/tools/setup_env.sh" "$ROOT/tools/setup/mmcv_build.py" "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want_stamp" ]] && "$VENV/bin/python" -c 'import mmdet, mmpretrain, mmppml' 2>/dev/null \
  && "$VENV/bin/python" "$ROOT/tools/setup/mmcv_build.py" --verify >/dev/null 2>&1; then
  log "environment up to date: $VENV"
  exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  command -v "$PY_BASE" >/dev/null || { log "need $PY_BASE (set PYTHON=/path/to/python3.11)"; exit 1; }
  log "creating $VENV"
  "$PY_BASE" -m venv "$VENV"
fi
PY="$VENV/bin/python"
pip_install() { "$PY" -m pip install --disable-pip-version-check -q "$@"; }

log "installing torch, build tools and the pure-Python OpenMMLab dependencies"
pip_install 'pip>=23' wheel ninja
pip_install torch==2.14.1 torchvision==0.29.1
pip_install 'numpy<2' 'opencv-python<4.12' mmengine==0.10.7 pycocotools pytest

# mmcv with ops for this machine: CUDA ops for the local GPUs where torch is a CUDA build and a GPU is
# visible (or FORCE_CUDA=1 with TORCH_CUDA_ARCH_LIST), with nvcc of torch's CUDA version from PyPI where
# no such toolkit is installed; CPU ops otherwise. Wheels are cached by Python, torch, CUDA and GPU
# architectures; the ops are checked after install (see tools/setup/mmcv_build.py).
"$PY" "$ROOT/tools/setup/mmcv_build.py" --cache "$WHEELS"

# torch 2.14 needs setuptools >= 77.0.3; mmengine still imports pkg_resources (gone in 82).
pip_install 'setuptools>=77.0.3,<82'
log "installing mmdet, mmpretrain and mmppml (editable, with its training and test extras)"
pip_install -e "$ROOT[train,tests]"

"$PY" -c 'import mmcv.ops, mmdet, mmpretrain, mmppml' 
echo "$want_stamp" > "$STAMP"
log "ready: $VENV"
