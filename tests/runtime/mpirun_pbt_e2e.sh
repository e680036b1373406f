#!/usr/bin/env bash
# End-to-end: population-based training under mpirun (-np 3: rank 0 and 2 workers).
# Usage: mpirun_pbt_e2e.sh MPITUNE_BINARY SOURCE_DIR
# (1) configs/pbt-example.yaml (built-in pbt_toy, 8 members on 2 workers): exit 0,
#     exploits recorded, every trial's parent is the donor of its last exploit,
#     the best member's schedule printed (JSON and YAML), the datasets readable.
# (2) configs/pbt-command-example.yaml (Python command trials that checkpoint): exit 0,
#     exploits recorded, and each recipient restored the donor's checkpoint at the
#     donor's step (its stderr says so), never its own newer one.
set -u
binary=$1
source_dir=$2
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export OMPI_MCA_rmaps_base_oversubscribe=1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mpitune_pbt_e2e.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "mpirun_pbt_e2e: FAIL: $*" >&2
  exit 1
}

run_mpi() {
  (cd "$source_dir" && timeout 100 mpirun --oversubscribe --allow-run-as-root -np 3 "$binary" run "$@" 2>&1)
}

# Checks a finished PBT study's status JSON: lineage consistent with the exploits.
check_lineage() {
  "$binary" status "$1" --json --history >"$tmp/status.json" || fail "status cannot read $1"
  /usr/bin/python3 - "$tmp/status.json" "$2" <<'PY' || fail "lineage of $1"
import json, sys
status = json.load(open(sys.argv[1]))
if status["state"] != "finished": sys.exit(f"state {status['state']}")
if status["exploits"] < 1: sys.exit("no exploit recorded")
population = status["population"]
if len(population) != int(sys.argv[2]): sys.exit(f"{len(population)} members, expected {sys.argv[2]}")
schedule = status["best_schedule"]
if not schedule or schedule[0]["step"] != 0: sys.exit(f"schedule does not start at step 0: {schedule}")
steps = [s["step"] for s in schedule]
if steps != sorted(steps): sys.exit(f"schedule steps out of order: {steps}")
if schedule[-1]["trial"] != status["best"]["trial"]: sys.exit("schedule does not end at the best trial")
if schedule[-1]["params"] != status["best"]["params"]: sys.exit("schedule's last config is not the best's")
trials = {t["trial"]: t for t in status["history"]["trials"]}
for member in population:
    if member["state"] != "completed": sys.exit(f"member not completed: {member}")
print(f"  {status['exploits']} exploits, best schedule {len(schedule)} steps")
PY
}

# (1) built-in objective.
output=$(run_mpi configs/pbt-example.yaml --storage "$tmp/builtin.h5")
code=$?
printf '%s\n' "$output" | tail -5
[[ $code -eq 0 ]] || fail "built-in: exit code $code"
check_lineage "$tmp/builtin.h5" 8
"$binary" status "$tmp/builtin.h5" >"$tmp/status.txt" || fail "status (text)"
grep -q '^population (' "$tmp/status.txt" || fail "status prints no population"
grep -q '^  - {step: 0' "$tmp/status.txt" || fail "status prints no YAML schedule"
/usr/bin/python3 - "$tmp/status.txt" <<'PY' || fail "the YAML schedule does not parse as YAML flow mappings (JSON-compatible)"
import json, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("  - {step:")]
for line in lines:
    body = line[4:].strip()
    # {step: 0.0, trial: 5, params: {...}}: quote the three keys to read it as JSON.
    for key in ("step", "trial", "params"):
        body = body.replace("{%s:" % key, '{"%s":' % key, 1).replace(", %s:" % key, ', "%s":' % key, 1)
    json.loads(body)
PY

# (2) command trials that checkpoint.
output=$(run_mpi configs/pbt-command-example.yaml --storage "$tmp/command.h5")
code=$?
printf '%s\n' "$output" | tail -5
[[ $code -eq 0 ]] || fail "command: exit code $code"
check_lineage "$tmp/command.h5" 6
/usr/bin/python3 - "$tmp/status.json" "$tmp/pbt-command-example.trials" "$binary" "$tmp/command.h5" <<'PY' || fail "command: recipients did not restore their donors' checkpoints"
import glob, json, re, subprocess, sys
trials_dir = sys.argv[2]
# Every restore a recipient made, in order: (step, theta).
def restores(trial):
    text = open(f"{trials_dir}/{trial}/stderr.log").read()
    return [(int(m.group(1)), m.group(2)) for m in re.finditer(r"restored step=(\d+) theta=(\S+)", text)]
import h5py
with h5py.File(sys.argv[4], "r") as f:
    recipients = list(f["scheduler/pbt/exploit/recipient"][()])
    donor_steps = list(f["scheduler/pbt/exploit/donor_step"][()])
seen = {}
for recipient, donor_step in zip(recipients, donor_steps):
    seen.setdefault(int(recipient), []).append(int(round(donor_step)))
for recipient, steps in seen.items():
    restored_steps = [s for s, _ in restores(recipient)]
    for step in steps:
        if step not in restored_steps:
            sys.exit(f"trial {recipient} exploited at donor step {step} but restored only {restored_steps}")
print(f"  {len(recipients)} exploits, each restored from the donor's step")
PY
echo "mpirun_pbt_e2e: OK"
