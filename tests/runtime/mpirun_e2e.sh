#!/usr/bin/env bash
# End-to-end: `mpitune run` under mpirun with rank 0 coordinating 3 worker ranks.
# Usage: mpirun_e2e.sh MPITUNE_BINARY SOURCE_DIR
# Checks the exit code, the trial count and that every worker rank ran trials.
set -u
binary=$1
source_dir=$2
# Open MPI leaks by design at finalize (and dlcloses the components that allocated,
# so the reports cannot even be symbolised); our own code's leaks are checked by the
# in-process coordinator tests. The sanitizer build still checks everything else here.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export OMPI_MCA_rmaps_base_oversubscribe=1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
output=$(cd "$source_dir" && timeout 100 mpirun --oversubscribe --allow-run-as-root -np 4 \
  "$binary" run configs/default.yaml --max-trials 30 --storage "$tmp/study.h5" 2>&1)
code=$?
printf '%s\n' "$output"

fail() {
  echo "mpirun_e2e: FAIL: $*" >&2
  exit 1
}
[[ $code -eq 0 ]] || fail "exit code $code, expected 0"
grep -q 'trials: 30' <<<"$output" || fail "no 'trials: 30' in the output"
runs_line=$(grep '^trial runs by rank:' <<<"$output") || fail "no 'trial runs by rank:' line"
for rank in 1 2 3; do
  grep -Eq "[:,] $rank \([^)]*\) [1-9][0-9]*" <<<"$runs_line" || fail "rank $rank ran no trials: $runs_line"
done
# The results table says which rank ran each trial, and on which device.
grep -Eq '^trial +state +budget +loss +rank +device +x1 +x2$' <<<"$output" || fail "no rank/device columns in the results table"
grep -Eq '^ +[0-9]+ +completed +27 +[^ ]+ +[123] +cpu ' <<<"$output" || fail "no completed trial row with its rank and device"
# The study file holds all 30 trials, every one ended.
status=$("$binary" status "$tmp/study.h5") || fail "status failed: $status"
grep -q 'file: .*(finished)' <<<"$status" || fail "the study file is not marked finished: $status"
grep -q 'trials: 30' <<<"$status" || fail "the study file does not hold 30 trials: $status"
echo "mpirun_e2e: OK"
