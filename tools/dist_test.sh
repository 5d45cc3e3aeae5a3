#!/usr/bin/env bash
# Multi-process testing with torchrun: bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args]
# Several nodes: run it on each with NNODES, NODE_RANK, MASTER_ADDR and PORT set alike.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/launch.sh" torchrun "$3" test.py "$1" "$2" --launcher pytorch "${@:4}"
