#!/usr/bin/env bash
# The launcher behind dist_train.sh, dist_test.sh, slurm_train.sh and slurm_test.sh:
#   bash tools/launch.sh torchrun GPUS SCRIPT [SCRIPT args]           # NNODES, NODE_RANK, MASTER_ADDR, PORT
#   bash tools/launch.sh slurm PARTITION JOB_NAME SCRIPT [SCRIPT args] # GPUS, GPUS_PER_NODE, CPUS_PER_TASK, SRUN_ARGS
# SCRIPT is a file name in tools/ (train.py or test.py); PYTHON picks the interpreter.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON=${PYTHON:-python}
export PYTHONPATH="$ROOT:${PYTHONPATH:-}"

case "${1:-}" in
  torchrun)
    GPUS=$2
    SCRIPT=$3
    exec "$PYTHON" -m torch.distributed.run \
        --nnodes="${NNODES:-1}" \
        --node_rank="${NODE_RANK:-0}" \
        --master_addr="${MASTER_ADDR:-127.0.0.1}" \
        --nproc_per_node="$GPUS" \
        --master_port="${PORT:-29500}" \
        "$ROOT/tools/$SCRIPT" "${@:4}"
    ;;
  slurm)
    PARTITION=$2
    JOB_NAME=$3
    SCRIPT=$4
    GPUS=${GPUS:-8}
    GPUS_PER_NODE=${GPUS_PER_NODE:-8}
    # shellcheck disable=SC2086  # SRUN_ARGS holds several options
    exec srun -p "$PARTITION" \
        --job-name="$JOB_NAME" \
        --gres=gpu:"$GPUS_PER_NODE" \
        --ntasks="$GPUS" \
        --ntasks-per-node="$GPUS_PER_NODE" \
        --cpus-per-task="${CPUS_PER_TASK:-5}" \
        --kill-on-bad-exit=1 \
        ${SRUN_ARGS:-} \
        "$PYTHON" -u "$ROOT/tools/$SCRIPT" "${@:5}"
    ;;
  *)
    echo "usage: bash tools/launch.sh torchrun GPUS SCRIPT [args] | slurm PARTITION JOB_NAME SCRIPT [args]" >&2
    exit 2
    ;;
esac
