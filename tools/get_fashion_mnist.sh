#!/usr/bin/env bash
# Install Fashion-MNIST (Debian package dataset-fashion-mnist, offline-installable) if missing; idempotent.
set -euo pipefail
if ! dpkg -s dataset-fashion-mnist >/dev/null 2>&1; then
  echo "[data] installing the Debian package dataset-fashion-mnist" >&2
  sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq && "${sudo_cmd[@]}" apt-get install -y -qq dataset-fashion-mnist
fi
