#!/usr/bin/env bash
# End-to-end: command trials under mpirun, rank 0 coordinating 3 worker ranks.
# Usage: mpirun_command_e2e.sh MPITUNE_BINARY SOURCE_DIR
# (1) configs/command-example.yaml (a real Python training script, ASHA with pauses
#     and resumes from checkpoints): exit 0, every trial accounted for, every worker
#     rank ran trials, every trial has its logs.
# (2) a /bin/sh trial that crashes, hangs past its timeout, or prints garbage before
#     a valid metric line: the study still completes, the first two count as failed.
# (3) SIGTERM to mpirun mid-study: the workers outlive it, rank 0 stops every trial,
#     exit 1 (mpirun's own code after a SIGTERM) saying where the study is saved, every trial accounted for, no trial process left.
# (4) a command that cannot run: rank 0 stops after trial.fail_fast failures, as a
#     single-process study does, and the job exits 3 saying why.
set -u
binary=$1
source_dir=$2
# See mpirun_e2e.sh: Open MPI's own allocations are not ours to leak-check.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export OMPI_MCA_rmaps_base_oversubscribe=1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mpitune_command_e2e.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "mpirun_command_e2e: FAIL: $*" >&2
  exit 1
}

run_mpi() {
  (cd "$tmp" && timeout 100 mpirun --oversubscribe --allow-run-as-root -np 4 "$binary" run "$@" 2>&1)
}

# (1) the example study, smaller.
trials=6
sed -e "s|jobs/examples/train_example.py|$source_dir/jobs/examples/train_example.py|" \
    -e "s|max_trials: 20|max_trials: $trials|" \
    "$source_dir/configs/command-example.yaml" >"$tmp/example.yaml"
mkdir "$tmp/store"
output=$(run_mpi example.yaml --storage "$tmp/store/example.h5")
code=$?
printf '%s\n' "$output"
[[ $code -eq 0 ]] || fail "example: exit code $code, expected 0"
counts=$(grep -E '^trials: [0-9]+' <<<"$output") || fail "example: no 'trials:' line"
grep -Eq "^trials: $trials \(" <<<"$counts" || fail "example: expected $trials trials: $counts"
grep -Eq 'running|pending|failed|lost' <<<"$counts" && fail "example: trials not accounted for: $counts"
runs_line=$(grep '^trial runs by rank:' <<<"$output") || fail "example: no 'trial runs by rank:' line"
for rank in 1 2 3; do
  grep -Eq "[:,] $rank \([^)]*\) [1-9][0-9]*" <<<"$runs_line" || fail "example: rank $rank ran no trials: $runs_line"
done
for ((id = 0; id < trials; ++id)); do
  dir="$tmp/store/command-example.trials/$id"
  for file in stdout.log stderr.log params.json; do
    [[ -f "$dir/$file" ]] || fail "example: no $dir/$file"
  done
  grep -q '^mpitune: step=' "$dir/stdout.log" || fail "example: trial $id printed no metric line"
done

# (2) crash / hang / garbage.
cat >"$tmp/trial.sh" <<'SCRIPT'
#!/bin/sh
case "$1" in
  crash) echo "about to crash" >&2; exit 3 ;;
  hang) exec sleep 59.75 ;;  # a duration no other test uses, for the pgrep below
  garbage)
    printf 'mpitune: step=x loss=\n\001\002\377 binary noise\nmpitune: step=1 loss=not-a-number\n'
    echo "mpitune: step=1 loss=0.5" ;;
esac
SCRIPT
cat >"$tmp/faults.yaml" <<YAML
study: {name: faults, seed: 3}
space:
  mode: {type: choice, values: [crash, hang, garbage]}
scheduler: {type: fifo, max_trials: 3, min_budget: 1, max_budget: 1, sampler: grid}
trial:
  command: [/bin/sh, $tmp/trial.sh, "{mode}"]
  timeout: 1
resources: {gpus_per_trial: 0}
YAML
output=$(run_mpi faults.yaml --storage "$tmp/store/faults.h5")
code=$?
printf '%s\n' "$output"
[[ $code -eq 0 ]] || fail "faults: exit code $code, expected 0"
grep -Eq '^trials: 3 \(completed 1, failed 2\)' <<<"$output" || fail "faults: expected 1 completed, 2 failed"
grep -q '^failures: 2 ' <<<"$output" || fail "faults: expected 'failures: 2'"
pgrep -f "$tmp/trial.sh" >/dev/null && fail "faults: a trial process was left behind"
pgrep -f "sleep 59.75" >/dev/null && fail "faults: the hanging trial's child was left behind"

# (3) SIGTERM to mpirun once every worker runs a trial.
mkdir "$tmp/long"
sed -e "s|max_trials: $trials|max_trials: 40|" "$tmp/example.yaml" >"$tmp/long.yaml"
(cd "$tmp" && exec timeout 100 mpirun --oversubscribe --allow-run-as-root -np 4 "$binary" run long.yaml \
  --storage "$tmp/long/long.h5" >"$tmp/long.out" 2>&1) &
launcher=$!
for ((i = 0; i < 600; ++i)); do
  [[ -f "$tmp/long/command-example.trials/2/params.json" ]] && break
  sleep 0.1
done
# `timeout` runs mpirun as its child: signal mpirun itself, as a batch system would.
mpirun_pid=$(pgrep -P "$launcher" -f mpirun || pgrep -f "mpirun.*$tmp/long/long.h5")
[[ -n "$mpirun_pid" ]] || fail "sigterm: mpirun is not running"
kill -TERM $mpirun_pid
wait "$launcher"
code=$?
output=$(cat "$tmp/long.out")
printf '%s\n' "$output"
# Rank 0 exits 75 (stopped, resumable), but mpirun, terminated by SIGTERM itself,
# exits 1 whatever its ranks return (SIGUSR1, which it forwards, passes 75 on:
# crash_resume_e2e.sh).
[[ $code -eq 1 ]] || fail "sigterm: exit code $code, expected mpirun's 1"
grep -q 'interrupted by SIGTERM after .* trials; the study is saved in .*long.h5' <<<"$output" ||
  fail "sigterm: no 'study is saved' message"
counts=$(grep -E '^trials: [0-9]+' <<<"$output") || fail "sigterm: no 'trials:' line"
grep -q 'running' <<<"$counts" && fail "sigterm: trials left running: $counts"
pgrep -f "train_example.py --params $tmp/" >/dev/null && fail "sigterm: trial processes were left behind"
# (4) every trial fails: fail fast, exit 3.
cat >"$tmp/broken.yaml" <<YAML
study: {name: broken, seed: 3}
space:
  x: {type: uniform, low: 0, high: 1}
scheduler: {type: fifo, max_trials: 40, min_budget: 1, max_budget: 1}
trial:
  command: [$tmp/missing.py, "{x}"]
resources: {gpus_per_trial: 0}
YAML
output=$(run_mpi broken.yaml --storage "$tmp/store/broken.h5")
code=$?
printf '%s\n' "$output"
[[ $code -eq 3 ]] || fail "fail fast: exit code $code, expected 3"
grep -q 'mpitune: error: the first 5 trials all failed (trial.fail_fast: 5), so no more were started' <<<"$output" ||
  fail "fail fast: no line saying why the study stopped"
counts=$(grep -E '^trials: [0-9]+' <<<"$output") || fail "fail fast: no 'trials:' line"
grep -Eq '^trials: [5-7] ' <<<"$counts" || fail "fail fast: expected 5 to 7 trials: $counts"
grep -Eq 'running|completed' <<<"$counts" && fail "fail fast: trials not accounted for: $counts"
echo "mpirun_command_e2e: OK"
