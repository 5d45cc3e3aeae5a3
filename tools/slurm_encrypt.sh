#!/usr/bin/env bash
# Offline encryption on a Slurm cluster: an array of SHARDS jobs (one shard each), then a merge job.
#   bash tools/slurm_encrypt.sh PARTITION JOB_NAME SHARDS SOURCE OUTPUT [encrypt_dataset.py args]
# e.g. bash tools/slurm_encrypt.sh cpu enc-in1k 64 data/imagenet/train data/imagenet_rs16/train --mode rs -P 16
# Environment: CPUS_PER_TASK (8, also each shard's --workers), PYTHON (python), SBATCH_ARGS (extra
# sbatch options). The merge starts when every shard has ended and refuses if one has not finished;
# resubmit the same command to resume (finished shards find their files done).
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
SHARDS=$3
SOURCE=$4
OUTPUT=$5
ARGS=("${@:6}")
CPUS_PER_TASK=${CPUS_PER_TASK:-8}
SBATCH_ARGS=${SBATCH_ARGS:-}
PYTHON=${PYTHON:-python}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! [[ "$SHARDS" =~ ^[1-9][0-9]*$ ]]; then
  echo "error: SHARDS must be a positive integer, got '$SHARDS'" >&2
  exit 2
fi

# The command every job runs, quoted for the shell of the job; the shard index is the array task's.
COMMAND="PYTHONPATH=$(printf '%q' "$ROOT")\${PYTHONPATH:+:\$PYTHONPATH} $(printf '%q ' "$PYTHON" -u \
  "$ROOT/tools/encrypt_dataset.py" "$SOURCE" "$OUTPUT" ${ARGS[@]+"${ARGS[@]}"} --workers "$CPUS_PER_TASK")"

# shellcheck disable=SC2086  # SBATCH_ARGS holds several options
ARRAY_JOB=$(sbatch --parsable -p "$PARTITION" --job-name="$JOB_NAME" --array="0-$((SHARDS - 1))" \
  --ntasks=1 --cpus-per-task="$CPUS_PER_TASK" $SBATCH_ARGS \
  --wrap="$COMMAND --shard \${SLURM_ARRAY_TASK_ID}/$SHARDS")
ARRAY_JOB=${ARRAY_JOB%%;*}  # --parsable prints 'id[;cluster]'
# shellcheck disable=SC2086
MERGE_JOB=$(sbatch --parsable -p "$PARTITION" --job-name="$JOB_NAME-merge" --dependency="afterany:$ARRAY_JOB" \
  --ntasks=1 --cpus-per-task="$CPUS_PER_TASK" $SBATCH_ARGS --wrap="$COMMAND --merge")
echo "shards: job $ARRAY_JOB (array 0-$((SHARDS - 1))); merge: job ${MERGE_JOB%%;*} (after all shards end)"
