#!/usr/bin/env bash
# Crash test for population-based training with command trials that checkpoint
# (jobs/examples/pbt_toy_trial.py, each budget unit slowed to PBT_TOY_SECONDS_PER_UNIT):
# an MPI study (rank 0 + 2 workers, 6 members) is killed with SIGKILL at random
# moments, KILLS times (whole job, rank 0 alone, one worker alone, in turn), and
# resumed each time until it finishes. After every kill `mpitune status --json
# --history` must read the file, and what it held before must still be there in the
# same order: reports (no acknowledged report lost) and exploits (lineage intact).
# At the end: finished, every member completed, every trial's parent the donor of its
# last exploit, the best member's schedule starting at step 0.
# Usage: pbt_crash_resume_e2e.sh MPITUNE_BINARY SOURCE_DIR [KILLS] [SEED]
set -u
binary=$(realpath "$1")
cd "$2" || exit 1
kills=${3:-6}
RANDOM=${4:-$$}
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export OMPI_MCA_rmaps_base_oversubscribe=1
export PBT_TOY_SECONDS_PER_UNIT=0.05

tmp=$(mktemp -d)
trap 'pkill -9 -f "$tmp/" 2>/dev/null; rm -rf "$tmp"' EXIT
study=$tmp/pbt.h5
sed -e "s|jobs/examples/pbt_toy_trial.py|$PWD/jobs/examples/pbt_toy_trial.py|" \
    -e "s|max_budget: 6|max_budget: 30|" configs/pbt-command-example.yaml >"$tmp/pbt.yaml"
fail() {
  echo "pbt_crash_resume_e2e: FAIL: $*" >&2
  exit 1
}

launch() {
  if [[ -e $study ]]; then
    setsid mpirun --oversubscribe --allow-run-as-root -np 3 "$binary" resume "$study" >>"$tmp/log" 2>&1 &
  else
    setsid mpirun --oversubscribe --allow-run-as-root -np 3 "$binary" run "$tmp/pbt.yaml" --storage "$study" \
      >>"$tmp/log" 2>&1 &
  fi
  job=$!
}

previous=""
check_file() {
  local view=$tmp/view.json
  timeout 60 "$binary" status "$study" --json --history >"$view" 2>"$tmp/status.err" ||
    fail "status cannot read the file after $1: $(cat "$tmp/status.err")"
  /usr/bin/python3 tests/tools/check_reports_kept.py "$view" "$previous" "$1" || fail "check after $1"
  # PBT's own record: exploits kept as reports are, and the lineage they give.
  /usr/bin/python3 - "$view" "$previous" "$1" <<'PY' || fail "exploits after $1"
import json, sys
now = json.load(open(sys.argv[1]))
exploits = now["history"]["exploits"]
if sys.argv[2]:
    before = json.load(open(sys.argv[2]))["history"]
    if exploits[:len(before["exploits"])] != before["exploits"]:
        sys.exit(f"an exploit seen before {sys.argv[3]} is gone or changed")
# Lineage: each trial's parent is the donor of its last exploit.
last = {}
for e in exploits:
    last[e["recipient"]] = e["donor"]
for t in now["history"]["trials"]:
    if t["parent"] != last.get(t["trial"]):
        sys.exit(f"trial {t['trial']}: parent {t['parent']}, its last exploit's donor {last.get(t['trial'])}")
print(f"  after {sys.argv[3]}: {len(exploits)} exploits")
PY
  cp "$view" "$tmp/previous.json"
  previous=$tmp/previous.json
}

source "$PWD/tests/store/kill_at_random.sh"

done_kills=0
while [[ $done_kills -lt $kills ]]; do
  launch
  wait_started || break
  kill_at_random "$((2 + RANDOM % 8))$((RANDOM % 10))" $done_kills || break
  done_kills=$((done_kills + 1))
  check_file "kill $done_kills ($what)"
done
[[ $done_kills -ge $kills ]] || fail "the study finished after only $done_kills kills; make it longer"

timeout 300 mpirun --oversubscribe --allow-run-as-root -np 3 "$binary" resume "$study" >>"$tmp/log" 2>&1 ||
  fail "the final resume failed: $(tail -5 "$tmp/log")"
check_file "the final resume"
/usr/bin/python3 - "$previous" <<'PY' || fail "final state"
import json, sys
now = json.load(open(sys.argv[1]))
if now["state"] != "finished": sys.exit(f"state {now['state']}, expected finished")
for member in now["population"]:
    if member["state"] != "completed": sys.exit(f"member not completed: {member}")
if len(now["population"]) != 6: sys.exit(f"{len(now['population'])} members, expected 6")
if now["best_schedule"][0]["step"] != 0: sys.exit("the best schedule does not start at step 0")
if now["exploits"] < 1: sys.exit("no exploit")
PY
echo "pbt_crash_resume_e2e: OK ($kills kills)"
