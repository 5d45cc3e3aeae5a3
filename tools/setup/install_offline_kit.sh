#!/usr/bin/env bash
# Install mmppml from an offline kit on a machine without network, on top of its own Python and torch.
#
#   bash tools/setup/install_offline_kit.sh KIT [--venv DIR] [--python PY] [--jobs N] [--build-timeout S]
#                                               [--gpu-check DIR]
#
# KIT is a folder written by `python tools/setup/offline_kit.py make --python 3.X --out KIT` on a connected
# machine. The venv (default: .venv at the repository root) sees the machine's own packages (torch,
# torchvision, NumPy, SciPy, OpenCV, Pillow, scikit-image) and gets the kit's wheels, pip never reaching an
# index; mmcv-lite serves classification at once, then mmcv's ops are built from the kit's source for the
# local GPU only (CPU ops without one) and replace it. If that build fails or runs past --build-timeout
# (default 900 s), the classification half stays installed and the script says so (exit 3).
# --gpu-check DIR runs tools/analysis_tools/gpu_check.py: its classification half while mmcv builds (the
# build at low priority), its detection half after; the tables and JSON records land in DIR.
# Each step prints how long it took. Rerunning reuses the venv and the cached mmcv wheel.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2; }
[[ $# -ge 1 && "$1" != -* ]] || usage
KIT="$(cd "$1" && pwd)"; shift
VENV="$ROOT/.venv"; BASE_PY="${PYTHON:-python3}"; JOBS="$(nproc)"; BUILD_TIMEOUT=900; CHECK_DIR=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --venv) VENV="$2"; shift 2 ;;
    --python) BASE_PY="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    --build-timeout) BUILD_TIMEOUT="$2"; shift 2 ;;
    --gpu-check) CHECK_DIR="$2"; shift 2 ;;
    *) usage ;;
  esac
done
WHEELS="${MMPPML_WHEEL_CACHE:-$HOME/.cache/mmppml/wheels}"
# No index and no pip configuration: whatever is not in the kit fails here rather than being fetched.
export PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1
unset PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_FIND_LINKS

TIMES=()
now() { date +%s%N; }
seconds_since() { local ms=$(( ($(now) - $1) / 1000000 )); printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)); }
T0=$(now)
log() { printf '[kit] %s\n' "$*" >&2; }
record() {  # record LABEL START RC
  TIMES+=("$(printf '%-44s %7s s' "$1" "$(seconds_since "$2")")$([[ $3 == 0 ]] || echo "  (exit $3)")")
}
timed() {  # timed LABEL COMMAND...: run it, record and print its wall time
  local label="$1" start rc=0; shift
  start=$(now)
  "$@" || rc=$?
  record "$label" "$start" "$rc"
  log "$label: $(seconds_since "$start") s"
  return $rc
}
report() {
  printf '\n[kit] step times\n' >&2
  printf '  %s\n' "${TIMES[@]}" >&2
  printf '  %-44s %7s s\n' 'total' "$(seconds_since "$T0")" >&2
}
trap report EXIT

pip_offline() { "$PY" -m pip install --isolated --no-index --disable-pip-version-check -q "$@"; }

timed 'check the kit and this machine' "$BASE_PY" "$ROOT/tools/setup/offline_kit.py" check "$KIT"
if [[ ! -x "$VENV/bin/python" ]]; then
  timed 'create the venv (system site packages)' "$BASE_PY" -m venv --system-site-packages "$VENV"
fi
PY="$VENV/bin/python"
skip=()
if "$PY" "$ROOT/tools/setup/mmcv_build.py" --verify >/dev/null 2>&1; then
  skip=(--skip mmcv-lite)  # mmcv with ops is installed and right for this machine: mmcv-lite would overwrite it
fi
timed "install the kit's wheels" "$BASE_PY" "$ROOT/tools/setup/offline_kit.py" install "$KIT" --python "$PY" "${skip[@]}"
timed 'install mmppml (editable)' pip_offline --no-deps --no-build-isolation -e "$ROOT"
timed 'import check (classification)' "$PY" -c 'import mmengine, mmcv, mmpretrain.models, mmppml.models'

mmcv_build() {  # mmcv_build [--no-install]: mmcv's ops for this machine from the kit's source, or the cached wheel
  timeout "$BUILD_TIMEOUT" nice -n 10 "$PY" "$ROOT/tools/setup/mmcv_build.py" --offline --cache "$WHEELS" \
    --sdist "$KIT/sources/mmcv-2.1.0.tar.gz" --find-links "$KIT/wheels" --jobs "$JOBS" "$@"
}
gpu_check() {  # gpu_check PART
  "$PY" "$ROOT/tools/analysis_tools/gpu_check.py" --part "$1" --out "$CHECK_DIR/gpu_check_$1.json" \
    | tee "$CHECK_DIR/gpu_check_$1.md"
}

build_rc=0
if [[ -n "$CHECK_DIR" ]]; then
  mkdir -p "$CHECK_DIR"
  CHECK_DIR="$(cd "$CHECK_DIR" && pwd)"
  build_log="$CHECK_DIR/mmcv_build.log"
  log "building mmcv's ops in the background (log: $build_log) while the classification check runs"
  build_start=$(now)
  mmcv_build --no-install >"$build_log" 2>&1 &  # only built and cached: the running check keeps mmcv-lite
  build_pid=$!
  timed 'GPU check: classification half' gpu_check classification || true
  wait "$build_pid" || build_rc=$?
  record "build mmcv's ops (in the background)" "$build_start" "$build_rc"
  tail -n 5 "$build_log" >&2
  [[ $build_rc != 0 ]] || timed 'install mmcv with ops (the cached wheel)' mmcv_build || build_rc=$?
else
  timed "build and install mmcv's ops" mmcv_build || build_rc=$?
fi

if [[ $build_rc != 0 ]]; then
  [[ $build_rc == 124 ]] && why="ran past --build-timeout $BUILD_TIMEOUT s" || why="failed (exit $build_rc)"
  log "mmcv's ops: the build $why. Classification is installed (mmcv-lite); detection needs mmcv's ops:"
  log "rerun this script (the build starts again) or see the build log."
  exit 3
fi
timed 'import check (detection)' "$PY" -c 'import mmcv.ops, mmdet.models, mmppml.models'
if [[ -n "$CHECK_DIR" ]]; then
  timed 'GPU check: detection half' gpu_check detection || true
fi
log "ready: $VENV"
