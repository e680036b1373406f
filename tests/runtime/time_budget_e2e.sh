#!/usr/bin/env bash
# End-to-end: a study with a time budget ends by its deadline, in one process and
# under mpirun, and a resumed study knows how much of it is used.
# Usage: time_budget_e2e.sh MPITUNE_BINARY SOURCE_DIR
# The checks read the study's own clock (`status --json`: time_used, every run's
# time) against the budget: exact, whatever the machine's load. Wall-clock limits are
# only loose backstops.
# (1) configs/default.yaml --time-budget 10s: done long before (60 quick trials), exit 0.
# (2) one process, sleeping command trials, 4 s: more work than fits; exit 0, "deadline
#     reached", time used <= 4 s.
# (3) resume with the same budget: nothing more runs, the time used stays.
# (4) mpirun -np 3 (2 workers), 8 s: the same.
# (5) the run's --time-budget is the study's: stored in its file, shown by status, kept
#     by a plain resume, replaced (and stored) by a resume that gives another.
# (6) no unit cost given (sha, command trials): max_trials is planned from the measured
#     cost once reports come in (down from the default 100), stored in the file.
# (7) study.expected_time_ratio, no unit cost given: the measured cost sets the budget
#     (8 full trainings of 9 units), which is stored and holds.
# (8) pbt (its trials go on from MPITUNE_RESUME_STEP), a unit cost given twice the
#     real one, no max_budget: the plan gives each member what the estimate allows, and
#     the measured cost raises it (stored).
set -u
binary=$1
source_dir=$2
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export OMPI_MCA_rmaps_base_oversubscribe=1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mpitune_time_budget_e2e.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

fail() {
  echo "time_budget_e2e: FAIL: $*" >&2
  exit 1
}

# A value of `status FILE --json`.
status_value() {
  "$binary" status "$1" --json | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"
}
time_used() { status_value "$1" time_used; }

# Runs "$@", setting output, code and wall (seconds), and prints the output.
timed() {
  local start
  start=$(date +%s.%N)
  output=$("$@" 2>&1)
  code=$?
  wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')
  printf '%s\n' "$output"
}

# awk compares the floats; exit status 0 when "$1 <= $2".
at_most() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

# A run of CONFIG into FILE with a budget of BUDGET s whose plan is re-made: exit 0,
# the line "time plan re-made from measured costs: CHANGE...", at most BUDGET s used
# (in $used).
run_replanned() {
  local what=$1 config=$2 file=$3 budget=$4 change=$5
  timed "$binary" run "$config" --storage "$file" -q
  [[ $code -eq 0 ]] || fail "$what: exit $code"
  grep -q "^time plan re-made from measured costs: $change" <<<"$output" ||
    fail "$what: no line 'time plan re-made from measured costs: $change...'"
  used=$(time_used "$file") || fail "$what: no status"
  at_most "$used" "$budget" || fail "$what: used $used s of $budget s"
}

# (1)
output=$("$binary" run "$source_dir/configs/default.yaml" --storage default.h5 --time-budget 10s -q 2>&1)
code=$?
[[ $code -eq 0 ]] || fail "default: exit $code: $output"
used=$(time_used default.h5) || fail "default: no status"
at_most "$used" 10 || fail "default: used $used s of 10 s"

# A trial: 0.1 s a budget unit, the loss falls with the budget.
cat >sleepy.yaml <<'YAML'
study:
  name: sleepy
  seed: 3
  time_budget: 4s
space:
  x: {type: uniform, low: 0, high: 1}
scheduler:
  type: asha
  min_budget: 1
  max_budget: 9
  eta: 3
trial:
  command: [/bin/sh, -c, "i=0; while [ $i -lt ${MPITUNE_BUDGET%.*} ]; do sleep 0.1; i=$((i+1)); echo \"mpitune: step=$i loss=$(awk -v x=$MPITUNE_PARAM_x -v i=$i 'BEGIN { print (x - 0.3)^2 + 1 / i }')\"; done"]
  stop_grace: 1
  unit_seconds: 0.1
resources:
  gpus_per_trial: 0
YAML

# (2)
timed "$binary" run sleepy.yaml --storage one.h5 -q
[[ $code -eq 0 ]] || fail "one process: exit $code"
grep -q '^deadline reached: ' <<<"$output" || fail "one process: no 'deadline reached' line"
grep -q '^best: trial ' <<<"$output" || fail "one process: no best trial"
used=$(time_used one.h5) || fail "one process: no status"
echo "one process: study time used $used s of 4 s, wall $wall s"
at_most "$used" 4 || fail "one process: used $used s of 4 s"
# The stop comes at 4 - 1 (grace) - 0.5 (margin) = 2.5 s; the study ends earlier when
# the next assignment (a promotion to 9 units) is not expected to end by then, which
# depends on the machine's load: only "it did work" is checked below the deadline.
at_most 0.5 "$used" || fail "one process: ended after $used s, before any work"
at_most "$wall" 10 || fail "one process: took $wall s of wall time for a 4 s budget"

# (3)
trials_before=$(status_value one.h5 trials)
output=$("$binary" resume one.h5 -q 2>&1)
code=$?
[[ $code -eq 0 ]] || fail "resume: exit $code: $output"
grep -q '^deadline reached: ' <<<"$output" || fail "resume: no 'deadline reached' line: $output"
trials_after=$(status_value one.h5 trials)
[[ $trials_after -eq $trials_before ]] || fail "resume: $trials_before trials became $trials_after with no time left"
used_after=$(time_used one.h5)
at_most "$used" "$used_after" || fail "resume: time used went from $used to $used_after"
"$binary" status one.h5 | grep -q '^time: .* used of 4.000 s' || fail "resume: status shows no time line"

# (4)
timed timeout 60 mpirun --oversubscribe --allow-run-as-root -np 3 "$binary" run sleepy.yaml --storage mpi.h5 \
  --time-budget 8s -q
[[ $code -eq 0 ]] || fail "mpirun: exit $code"
grep -q '^deadline reached: ' <<<"$output" || fail "mpirun: no 'deadline reached' line"
used=$(time_used mpi.h5) || fail "mpirun: no status"
echo "mpirun -np 3: study time used $used s of 8 s, wall $wall s (MPI start included)"
at_most "$used" 8 || fail "mpirun: used $used s of 8 s"
at_most 1 "$used" || fail "mpirun: ended after $used s, before any work"
at_most "$wall" 25 || fail "mpirun: took $wall s of wall time for an 8 s budget"

# (5)
budget_shown() { "$binary" status "$1" | grep -q "^time: .* used of $2 s"; }
budget_shown mpi.h5 8.000 || fail "stored budget: status does not show the run's 8 s: $("$binary" status mpi.h5)"
output=$("$binary" resume mpi.h5 -q 2>&1)
code=$?
[[ $code -eq 0 ]] || fail "stored budget: resume: exit $code: $output"
used=$(time_used mpi.h5)
at_most "$used" 8 || fail "stored budget: a plain resume went past the stored 8 s: $used s"
timed "$binary" resume mpi.h5 --time-budget 10s -q
[[ $code -eq 0 ]] || fail "new budget: exit $code"
grep -q '^deadline reached: ' <<<"$output" || fail "new budget: no 'deadline reached' line"
used_more=$(time_used mpi.h5)
at_most "$used_more" 10 || fail "new budget: used $used_more s of 10 s"
at_most "$used" "$used_more" || fail "new budget: time used went from $used to $used_more"
budget_shown mpi.h5 10.000 || fail "new budget: status does not show 10 s: $("$binary" status mpi.h5)"
echo "resume --time-budget 10s: study time used $used_more s of 10 s, wall $wall s"

# (6)
# sleepy.yaml at 0.05 s a unit, with no unit cost given, under sha.
sed -e 's/^  name: sleepy/  name: unknown_cost/' -e 's/^  time_budget: 4s/  time_budget: 5s/' -e 's/sleep 0.1;/sleep 0.05;/' \
  -e 's/^  type: asha/  type: sha/' -e '/^  unit_seconds: /d' sleepy.yaml >unknown_cost.yaml
run_replanned "unknown cost" unknown_cost.yaml unknown.h5 5 'max_trials 100 -> '
max_trials=$(status_value unknown.h5 max_trials)
at_most "$max_trials" 99 || fail "unknown cost: the study file keeps max_trials $max_trials, not the re-planned one"
echo "unknown cost: re-planned to max_trials $max_trials, study time used $used s of 5 s, wall $wall s"

# (7)
sed -e 's/^  name: unknown_cost/  name: ratio/' -e 's/^  time_budget: 5s/  expected_time_ratio: 8/' \
  -e 's/^  type: sha/  type: asha/' unknown_cost.yaml >ratio.yaml
grep -q 'sleep 0.05;' ratio.yaml && ! grep -q unit_seconds ratio.yaml || fail "ratio.yaml is not what the checks expect"
timed "$binary" run ratio.yaml --storage ratio.h5 -q
[[ $code -eq 0 ]] || fail "ratio: exit $code"
budget=$(sed -n 's/^time budget set from study.expected_time_ratio and the measured cost: \([0-9.]*\) s$/\1/p' <<<"$output")
[[ -n $budget ]] || fail "ratio: no line saying the budget the measured cost set"
# 8 x 9 units at 0.05 s (plus the start of a shell) a unit: 3.6 s and somewhat more.
at_most 3.6 "$budget" && at_most "$budget" 8 || fail "ratio: a budget of $budget s for 8 x 9 units of 0.05 s"
stored=$(status_value ratio.h5 time_budget)
awk -v a="$stored" -v b="$budget" 'BEGIN { exit !(a - b < 0.001 && b - a < 0.001) }' ||
  fail "ratio: the study file keeps a budget of $stored s, the run set $budget s"
used=$(time_used ratio.h5)
at_most "$used" "$budget" || fail "ratio: used $used s of its $budget s"
echo "expected_time_ratio 8: budget $budget s from the measured cost, study time used $used s, wall $wall s"

# (8)
sed -e 's/^  name: unknown_cost/  name: pbt_planned/' -e 's/^  time_budget: 5s/  time_budget: 6s/' \
  -e 's/^  type: sha/  type: pbt/' -e '/^  min_budget: /d' -e '/^  max_budget: /d' -e '/^  eta: /d' \
  -e 's/^  stop_grace: 1$/  stop_grace: 1\n  unit_seconds: 0.1/' -e 's/i=0;/i=${MPITUNE_RESUME_STEP%.*};/' \
  unknown_cost.yaml >pbt.yaml
grep -q 'sleep 0.05;' pbt.yaml && grep -q 'unit_seconds: 0.1' pbt.yaml && grep -q 'i=${MPITUNE_RESUME_STEP' pbt.yaml &&
  ! grep -q max_budget pbt.yaml ||
  fail "pbt.yaml is not what the checks expect"
planned=$("$binary" plan pbt.yaml --workers 1 | sed -n 's/.*max_budget \([0-9.]*\).*/\1/p' | head -1)
[[ -n $planned ]] || fail "pbt: the plan shows no max_budget: $("$binary" plan pbt.yaml --workers 1)"
run_replanned pbt pbt.yaml pbt.h5 6 "max_budget $planned -> "
max_budget=$(status_value pbt.h5 max_budget)
at_most "$planned" "$max_budget" && [[ $max_budget != "$planned" ]] ||
  fail "pbt: the study file keeps max_budget $max_budget, not the raised one (planned $planned)"
echo "pbt: max_budget $planned planned from the estimate, $max_budget from the measured cost; study time used $used s, wall $wall s"
echo "time_budget_e2e: OK"
