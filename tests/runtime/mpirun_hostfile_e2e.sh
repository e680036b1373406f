#!/usr/bin/env bash
# End-to-end: jobs/mpirun-hostfile.sh and how worker ranks start, on one machine.
# Usage: mpirun_hostfile_e2e.sh MPITUNE_BINARY SOURCE_DIR
#   (a) the script with a hostfile "localhost slots=3" and 2 workers per node: rank 0
#       + 2 workers; SIGTERM to the script stops the study cleanly, exit 75.
#   (b) the stopped study resumed with the workers started in an empty directory and
#       given the study file's relative path: they get the config from rank 0 (a
#       broadcast) and never open the study file, so the study finishes, every report
#       of (a) kept.
#   (c) as root, where `unshare -m` works: workers that cannot see the study's
#       folder (a tmpfs mounted over it in their own mount namespace, as on a node
#       without the shared file system) each fail with one line naming the host and
#       the trials folder, and the job ends (exit 1) before any trial runs.
set -u
binary=$(realpath "$1")
source_dir=$(realpath "$2")
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mpitune_hostfile_e2e.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "mpirun_hostfile_e2e: FAIL: $*" >&2
  exit 1
}
mkdir -p "$tmp/shared" "$tmp/elsewhere"
cd "$tmp/shared" || exit 1
cat >study.yaml <<'YAML'
study: {name: hf, seed: 5}
space:
  x: {type: uniform, low: 0, high: 1}
scheduler: {type: asha, max_trials: 24, min_budget: 1, max_budget: 4, eta: 2}
trial:
  command: [/bin/sh, -c, "s=$MPITUNE_RESUME_STEP; while [ $s -lt $MPITUNE_BUDGET ]; do sleep 0.1; s=$((s+1)); echo mpitune: step=$s loss={x}; done"]
  stop_grace: 2
YAML
printf 'localhost slots=3\n' >hosts

# (a)
# mpirun holds exit 75 for 2 x the sigkill timeout (README): keep it short here.
MPITUNE=$binary WORKERS_PER_NODE=2 MPITUNE_SIGKILL_TIMEOUT=2 bash "$source_dir/jobs/mpirun-hostfile.sh" hosts study.yaml hf.h5 -q >a.out 2>&1 &
script=$!
for ((i = 0; i < 300; ++i)); do
  [[ -d hf.trials/3 ]] && break
  sleep 0.05
done
kill -TERM $script
wait $script
code=$?
[[ $code -eq 75 ]] || fail "(a): exit code $code, expected 75: $(cat a.out)"
grep -q '^mpi: rank 0 coordinates 2 worker ranks' a.out || fail "(a): not rank 0 + 2 workers: $(cat a.out)"
grep -q 'interrupted by SIGUSR1' a.out || fail "(a): no 'interrupted by SIGUSR1': $(cat a.out)"
"$binary" status hf.h5 --json --history >stopped.json || fail "(a): status failed"
/usr/bin/python3 "$source_dir/tests/tools/check_reports_kept.py" stopped.json "" "(a)" || fail "(a): bad study"
echo "(a) hostfile launch: rank 0 + 2 workers, stopped by SIGTERM to the script with exit 75"

# (b)
timeout 60 mpirun --oversubscribe -np 1 --wdir "$tmp/shared" "$binary" resume hf.h5 -q : \
  -np 2 --wdir "$tmp/elsewhere" "$binary" resume hf.h5 -q >b.out 2>&1
code=$?
[[ $code -eq 0 ]] || fail "(b): exit code $code: $(grep -v '^ ' b.out)"
grep -q '^trials: 24 ' b.out || fail "(b): the study did not finish: $(cat b.out)"
"$binary" status hf.h5 --json --history >done.json || fail "(b): status failed"
/usr/bin/python3 "$source_dir/tests/tools/check_reports_kept.py" done.json stopped.json "the resume" ||
  fail "(b): reports lost"
echo "(b) resume: workers started elsewhere got the config from rank 0; finished, nothing lost"

# (c)
if [[ $(id -u) -ne 0 ]] || ! unshare -m true 2>/dev/null; then
  echo "(c) skipped: needs root and unshare -m"
else
  hide="mount -t tmpfs none $tmp/shared && exec \"\$0\" \"\$@\""
  timeout 60 mpirun --oversubscribe -np 1 "$binary" run study.yaml --storage "$tmp/shared/c.h5" -q : \
    -np 2 unshare -m sh -c "$hide" "$binary" run study.yaml --storage "$tmp/shared/c.h5" -q >c.out 2>&1
  code=$?
  [[ $code -eq 1 ]] || fail "(c): exit code $code, expected 1: $(cat c.out)"
  lines=$(grep -c "^mpitune: error: rank [12]: host $(hostname) cannot use the study's trials folder $tmp/shared/hf.trials (No such file or directory)" c.out)
  [[ $lines -eq 2 ]] || fail "(c): expected one line from each worker naming host and folder: $(cat c.out)"
  echo "(c) a worker that cannot see the trials folder: one line naming host and path, exit 1"
fi
echo "mpirun_hostfile_e2e: OK"
