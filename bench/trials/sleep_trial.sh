#!/usr/bin/env bash
# A command trial that only sleeps: each budget unit takes SLEEP_TRIAL_STEP_SECONDS
# (default 1) and ends with a metric line, so a benchmark measures the runtime's
# overhead around real processes, not anyone's training. Resumes from its checkpoint.
# Usage (from a config): [bash, bench/trials/sleep_trial.sh, "{x}"]
set -euo pipefail
x=$1
start=0
if [[ -n "${MPITUNE_RESTORE_FROM:-}" && -f "$MPITUNE_RESTORE_FROM/step" ]]; then
  start=$(<"$MPITUNE_RESTORE_FROM/step")
fi
budget=${MPITUNE_BUDGET%.*}
for ((step = start + 1; step <= budget; step++)); do
  sleep "${SLEEP_TRIAL_STEP_SECONDS:-1}"
  echo "$step" >"$MPITUNE_CHECKPOINT_DIR/step"
  awk -v x="$x" -v s="$step" 'BEGIN { printf "mpitune: step=%d loss=%.6f\n", s, (x - 0.3) ^ 2 + 1 / s }'
done
