#!/usr/bin/env bash
# Crash test: an MPI study (rank 0 + 2 workers, the `sgd` objective, ASHA promotion,
# so paused trials and their checkpoints are in the file) is stopped gracefully with
# SIGTERM and with SIGUSR1, then killed with SIGKILL at random moments, KILLS times in
# all (whole job, rank 0 alone, one worker alone, in turn), and resumed each time
# until it finishes. After every stop, `mpitune status --json --history` must read the
# file, and what the file held after the previous stop must still be there, in the
# same order (no acknowledged report lost, none rewritten). At the end: exactly
# max_trials trials with ids 0..n-1, all ended, the file marked finished, readable by
# h5dump.
# Usage: crash_resume_e2e.sh MPITUNE_BINARY SOURCE_DIR [KILLS] [SEED]
set -u
binary=$(realpath "$1")
cd "$2" || exit 1
kills=${3:-20}
RANDOM=${4:-$$}
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export OMPI_MCA_rmaps_base_oversubscribe=1
max_trials=${CRASH_TEST_MAX_TRIALS:-$((kills * 150 + 1500))}

tmp=$(mktemp -d)
trap 'pkill -9 -f "$tmp/" 2>/dev/null; rm -rf "$tmp"' EXIT
study=$tmp/crash.h5
fail() {
  echo "crash_resume_e2e: FAIL: $*" >&2
  exit 1
}

launch() {  # starts the study (first time) or its resume, in the background
  if [[ -e $study ]]; then
    setsid mpirun --oversubscribe --allow-run-as-root -np 3 "$binary" resume "$study" >>"$tmp/log" 2>&1 &
  else
    setsid mpirun --oversubscribe --allow-run-as-root -np 3 "$binary" run configs/sgd-asha.yaml \
      --max-trials $max_trials --storage "$study" >>"$tmp/log" 2>&1 &
  fi
  job=$!
}

# The file as `status` sees it; checks that the previous view is a prefix of it.
previous=""
check_file() {
  local view=$tmp/view.json
  timeout 60 "$binary" status "$study" --json --history >"$view" 2>"$tmp/status.err" ||
    fail "status cannot read the file after $1: $(cat "$tmp/status.err")"
  /usr/bin/python3 tests/tools/check_reports_kept.py "$view" "$previous" "$1" || fail "check after $1"
  cp "$view" "$tmp/previous.json"
  previous=$tmp/previous.json
}

source "$PWD/tests/store/kill_at_random.sh"

# 1. Graceful stops: SIGTERM, then SIGUSR1 (Slurm's --signal), each forwarded by
#    mpirun; the run closes the file (no journal left) and says how to go on.
for signal in TERM USR1; do
  launch
  wait_started || fail "the job did not start: $(tail -5 "$tmp/log")"
  sleep 0.$((1 + RANDOM % 5))
  kill -s $signal $job
  wait $job
  code=$?
  [[ $code -ne 0 ]] || grep -q "study already finished" "$tmp/log" || fail "SIG$signal: exit code 0 before the end"
  # mpirun forwards SIGUSR1 and passes on rank 0's exit code (75: stopped, resumable);
  # SIGTERM terminates mpirun itself, which then exits 1 whatever its ranks return.
  [[ $signal != USR1 || $code -eq 75 ]] || fail "SIGUSR1: exit code $code, expected 75 (stopped, resumable)"
  grep -q "interrupted by SIG$signal" "$tmp/log" || fail "SIG$signal: no 'interrupted by SIG$signal' line: $(tail -5 "$tmp/log")"
  [[ ! -e $study.journal ]] || fail "SIG$signal: the journal is still there after a graceful stop"
  check_file "SIG$signal"
done

# 2. SIGKILL at random moments, of everything or of one rank.
done_kills=0
while [[ $done_kills -lt $kills ]]; do
  launch
  wait_started || break  # the study finished before its ranks could be seen
  kill_at_random "$((RANDOM % 5))$((RANDOM % 10))" $done_kills || break  # the study finished meanwhile
  done_kills=$((done_kills + 1))
  check_file "kill $done_kills ($what)"
done
[[ $done_kills -ge $kills ]] || fail "the study finished after only $done_kills kills; make it longer"

# 3. Run to the end.
timeout 300 mpirun --oversubscribe --allow-run-as-root -np 3 "$binary" resume "$study" >>"$tmp/log" 2>&1 ||
  fail "the final resume failed: $(tail -5 "$tmp/log")"
check_file "the final resume"
python3 - "$previous" $max_trials <<'PY' || fail "final state"
import json, sys
now = json.load(open(sys.argv[1]))
trials = now["history"]["trials"]
if now["state"] != "finished": sys.exit(f"state {now['state']}, expected finished")
if len(trials) != int(sys.argv[2]): sys.exit(f"{len(trials)} trials, expected {sys.argv[2]}")
open_states = [t for t in trials if t["state"] not in ("completed", "stopped", "failed", "lost")]
if open_states: sys.exit(f"trials not ended: {open_states[:3]}")
PY
h5dump -H "$study" >/dev/null || fail "h5dump cannot read the finished study"
echo "crash_resume_e2e: OK ($kills kills, $max_trials trials)"
