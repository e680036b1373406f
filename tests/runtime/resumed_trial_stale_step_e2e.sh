#!/usr/bin/env bash
# Regression (issue 9, item 4): a resumed trial was ranked on a step older than its
# checkpoint. A promoted trial writes its checkpoint for step 3 and the whole study is
# killed (SIGKILL, from inside the trial, so the moment is exact) before the trial
# prints step 3's metric. The same `mpitune run` then goes on with the study: the trial
# is resumed with MPITUNE_RESUME_STEP=1 (its pause) and finds a checkpoint at step 3.
#   careless: restores step 3, has nothing left to train and exits without a report.
#             It must fail, saying why, never be ranked on step 2's value.
#   contract: re-reports step 3 (its checkpoint is ahead of MPITUNE_RESUME_STEP), as
#             the README asks: ranked on step 3's value.
# Usage: resumed_trial_stale_step_e2e.sh MPITUNE_BINARY SOURCE_DIR
set -u
binary=$1
python=/usr/bin/python3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mpitune_stale_step.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "resumed_trial_stale_step_e2e: FAIL: $*" >&2
  exit 1
}

# loss = 10 * x - step: x = 1 is the best at rung 0 and is promoted to budget 3; its
# values at steps 1, 2, 3 are 9, 8, 7, so the value it is ranked on names the step.
cat >"$tmp/train.sh" <<'SCRIPT'
#!/bin/sh
mode=$1
x=$2
marker=$3
step=0
if [ -n "$MPITUNE_RESTORE_FROM" ]; then
  step=$(cat "$MPITUNE_RESTORE_FROM/step")
  if [ "$mode" = contract ] && [ "$step" -gt "${MPITUNE_RESUME_STEP:-0}" ]; then
    echo "mpitune: step=$step loss=$((10 * x - step))"
  fi
fi
while [ "$step" -lt "$MPITUNE_BUDGET" ]; do
  step=$((step + 1))
  echo "$step" >"$MPITUNE_CHECKPOINT_DIR/step.tmp" && mv "$MPITUNE_CHECKPOINT_DIR/step.tmp" "$MPITUNE_CHECKPOINT_DIR/step"
  if [ "$step" -eq 3 ] && [ ! -e "$marker" ]; then
    : >"$marker"
    sleep 0.2           # step 2's report reaches the study file first
    kill -9 "$PPID"     # the machine goes down: mpitune (and this trial) at once
    kill -9 $$
  fi
  echo "mpitune: step=$step loss=$((10 * x - step))"
done
SCRIPT

run_case() {
  local mode=$1
  local dir="$tmp/$mode"
  mkdir "$dir"
  cat >"$dir/study.yaml" <<YAML
study: {name: stale-$mode}
space:
  x: {type: choice, values: [1, 2, 3]}
scheduler: {type: asha, max_trials: 3, min_budget: 1, max_budget: 3, eta: 3, sampler: grid}
trial:
  command: [/bin/sh, $tmp/train.sh, $mode, "{x}", $dir/killed]
resources: {gpus_per_trial: 0}
YAML
  (cd "$dir" && timeout 60 "$binary" run study.yaml >"$dir/first.out" 2>&1)
  local code=$?
  [[ $code -eq 137 ]] || { cat "$dir/first.out"; fail "$mode: the first run ended with $code, expected SIGKILL (137)"; }
  [[ -e "$dir/killed" ]] || fail "$mode: the trial never reached its kill"
  (cd "$dir" && timeout 60 "$binary" run study.yaml >"$dir/second.out" 2>&1)
  code=$?
  cat "$dir/second.out"
  "$binary" status "$dir/stale-$mode.h5" --json --history >"$dir/status.json" || fail "$mode: status failed"
  "$python" - "$mode" "$dir/status.json" "$code" <<'PY' || fail "$mode: see above"
import json, sys
mode, path, code = sys.argv[1], sys.argv[2], int(sys.argv[3])
status = json.load(open(path))
trials = status["history"]["trials"]
best = [t for t in trials if t["params"]["x"] == 1]
assert len(best) == 1, trials
trial = best[0]
value_at_3 = trial["rung_values"][1]
print(f"{mode}: x=1 state {trial['state']}, value at budget 3: {value_at_3}, exit {code}")
if mode == "careless":
    assert value_at_3 not in (8, 9), f"ranked on a step older than its checkpoint ({value_at_3})"
    assert trial["state"] == "failed", trial
    failures = [f for f in status["recent_failures"] if f["trial"] == trial["trial"]]
    assert failures and "MPITUNE_RESUME_STEP" in failures[0]["message"], status["recent_failures"]
    print("message:", failures[0]["message"])
else:
    assert value_at_3 == 7, f"expected step 3's value 7, got {value_at_3}"
    assert trial["state"] == "completed", trial
    assert code == 0, code
PY
}

run_case careless
run_case contract
echo "resumed_trial_stale_step_e2e: OK"
