#!/usr/bin/env bash
# Training on a Slurm cluster: [GPUS=8] bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG [WORK_DIR] [train.py args]
# Environment: GPUS (total, 8), GPUS_PER_NODE (8), CPUS_PER_TASK (5), SRUN_ARGS (extra srun options).
set -euo pipefail
WORK_DIR=${4:-}
if [[ -n "$WORK_DIR" && "$WORK_DIR" != --* ]]; then
  EXTRA=(--work-dir "$WORK_DIR" "${@:5}")
else  # no WORK_DIR given: everything from the 4th argument on goes to train.py
  EXTRA=("${@:4}")
fi
exec bash "$(dirname "${BASH_SOURCE[0]}")/launch.sh" slurm "$1" "$2" train.py "$3" --launcher slurm "${EXTRA[@]}"
