#!/usr/bin/env bash
# Create or reuse .venv at the repository root and install mmppml with the OpenMMLab stack.
#
#   bash tools/setup_env.sh            # idempotent: a second run only checks and returns
#
# mmcv 2.1.0 (with ops) has no wheel for torch 2.14, so it is built once from its sdist and the wheel
# is cached in $MMPPML_WHEEL_CACHE (default ~/.cache/mmppml/wheels); later runs install that wheel.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MMPPML_VENV:-$ROOT/.venv}"
WHEELS="${MMPPML_WHEEL_CACHE:-$HOME/.cache/mmppml/wheels}"
PY_BASE="${PYTHON:-python3.11}"
MMCV_VERSION=2.1.0
STAMP="$VENV/.mmppml-setup"

log() { printf '[setup] %s\n' "$*" >&2; }

# The stamp records what was installed; it changes whenever this script or pyproject.toml changes.
want_stamp="$(cat "$ROOT/tools/setup_env.sh" "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want_stamp" ]] && "$VENV/bin/python" -c 'import mmcv.ops, mmdet, mmpretrain, mmppml' 2>/dev/null; then
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

if ! "$PY" -c 'import mmcv.ops' 2>/dev/null; then
  mkdir -p "$WHEELS"
  wheel="$(ls "$WHEELS"/mmcv-$MMCV_VERSION-*.whl 2>/dev/null | head -n 1 || true)"
  if [[ -z "$wheel" ]]; then
    log "building mmcv $MMCV_VERSION with ops from source (once; about 10 minutes on 2 cores)"
    pip_install 'setuptools<70'  # mmcv's setup.py needs pkg_resources and an older setuptools
    src="$(mktemp -d)"
    trap 'rm -rf "$src"' EXIT
    "$PY" -m pip download --disable-pip-version-check -q --no-deps --no-binary :all: --no-build-isolation \
      "mmcv==$MMCV_VERSION" -d "$src"
    tar -xzf "$src"/mmcv-$MMCV_VERSION.tar.gz -C "$src"
    # torch 2.14 headers need C++20; mmcv's setup.py hard-codes C++17.
    sed -i 's/-std=c++17/-std=c++20/g' "$src/mmcv-$MMCV_VERSION/setup.py"
    MMCV_WITH_OPS=1 MAX_JOBS="$(nproc)" "$PY" -m pip wheel --disable-pip-version-check -q \
      --no-build-isolation --no-deps -w "$WHEELS" "$src/mmcv-$MMCV_VERSION"
    wheel="$(ls "$WHEELS"/mmcv-$MMCV_VERSION-*.whl | head -n 1)"
  else
    log "reusing cached $wheel"
  fi
  pip_install "$wheel"
fi

# torch 2.14 needs setuptools >= 77.0.3; mmengine still imports pkg_resources (gone in 82).
pip_install 'setuptools>=77.0.3,<82'
log "installing mmdet, mmpretrain and mmppml (editable, with its training and test extras)"
pip_install -e "$ROOT[train,tests]"

"$PY" -c 'import mmcv.ops, mmdet, mmpretrain, mmppml' 
echo "$want_stamp" > "$STAMP"
log "ready: $VENV"
