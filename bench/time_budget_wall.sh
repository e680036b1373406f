#!/usr/bin/env bash
# The time budget on the wall clock, as the issue states it (tests/runtime/
# time_budget_e2e.sh checks the same rules in seconds, on the study's own clock):
#   (1) mpirun -np 3 (2 workers), sleeping command trials (0.5 s a budget unit, no
#       unit cost given, no max_trials: planned from the measured cost), --time-budget
#       60s: the wall time of the whole mpirun, MPI start and the final snapshot
#       included;
#   (2) configs/default.yaml --time-budget 10s in one process (a built-in objective
#       whose config gives max_trials: 60, so it is done long before).
# Prints one line per run: the budget, the study time used, the wall time, the exit
# code and the run's deadline line. Usage, from the repository root:
#   bash bench/time_budget_wall.sh [build-dir] [budget-seconds]
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
budget=${2:-60}
source_dir=$(pwd)
export OMPI_MCA_rmaps_base_oversubscribe=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

time_used() {
  "$build/mpitune" status "$1" --json | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["time_used"])'
}

# Runs "$@" and prints "<label>: ..." with its wall time.
measure() {
  local label=$1 file=$2 limit=$3
  shift 3
  local start output code wall
  start=$(date +%s.%N)
  output=$("$@" 2>&1)
  code=$?
  wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
  printf '%s: budget %s s, study time used %.2f s, wall %s s, exit %d; %s\n' "$label" "$limit" \
    "$(time_used "$file")" "$wall" "$code" \
    "$(grep -E '^(deadline reached|time plan re-made)' <<<"$output" | tr '\n' ' ')"
}

cat >sleepy.yaml <<'YAML'
study:
  name: sleepy
  seed: 11
space:
  x: {type: uniform, low: 0, high: 1}
scheduler:
  type: asha
  min_budget: 1
  max_budget: 9
  eta: 3
trial:
  command: [/bin/sh, -c, "i=0; while [ $i -lt ${MPITUNE_BUDGET%.*} ]; do sleep 0.5; i=$((i+1)); echo \"mpitune: step=$i loss=$(awk -v x=$MPITUNE_PARAM_x -v i=$i 'BEGIN { print (x - 0.3)^2 + 1 / i }')\"; done"]
  stop_grace: 2
resources:
  gpus_per_trial: 0
YAML

measure "mpirun -np 3, sleeping trials" mpi.h5 "$budget" \
  mpirun --oversubscribe --allow-run-as-root -np 3 "$build/mpitune" run sleepy.yaml --storage mpi.h5 \
  --time-budget "${budget}s" -q
measure "one process, configs/default.yaml" default.h5 10 \
  "$build/mpitune" run "$source_dir/configs/default.yaml" --storage default.h5 --time-budget 10s -q
