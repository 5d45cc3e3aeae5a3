#!/usr/bin/env bash
# Testing on a Slurm cluster: [GPUS=8] bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args]
# Environment: GPUS (total, 8), GPUS_PER_NODE (8), CPUS_PER_TASK (5), SRUN_ARGS (extra srun options).
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/launch.sh" slurm "$1" "$2" test.py "$3" "$4" --launcher slurm "${@:5}"
