#!/usr/bin/env bash
# Multi-process training with torchrun: bash tools/dist_train.sh CONFIG GPUS [train.py args]
# Several nodes: run it on each with NNODES, NODE_RANK, MASTER_ADDR and PORT set alike.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/launch.sh" torchrun "$2" train.py "$1" --launcher pytorch "${@:3}"
