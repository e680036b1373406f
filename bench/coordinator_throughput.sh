#!/usr/bin/env bash
# Coordinator throughput: `mpirun -np 4` (rank 0 + 3 workers) runs near-zero-work
# built-in trials (branin) that report every 0.001 budget units, and prints the
# reports handled per second end to end (worker -> rank 0 -> Scheduler::Report ->
# Decision back) and the trial turnaround (Assign sent -> first Report received),
# once without a study file (--no-store) and once with the HDF5 store recording
# every event (journal + final snapshot, included in the time).
# Each set-up runs REPEATS times (default 5), alternating, and the median is printed:
# on a 2-core machine with 4 ranks single runs vary by +-25%.
# Usage, from the repository root: bash bench/coordinator_throughput.sh [build-dir] [repeats]
set -euo pipefail
build=${1:-build}
repeats=${2:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run_once() {  # prints "reports/s turnaround-median-ms turnaround-p99-ms"
  local output summary seconds reports turnaround
  output=$(mpirun --oversubscribe --allow-run-as-root -np 4 "$build/mpitune" run -q configs/default.yaml \
    --max-trials 600 --report-every 0.001 "$@" 2>&1)
  summary=$(grep -E '^elapsed: ' <<<"$output")
  seconds=$(sed -E 's/.*\(([0-9.]+) s in the study loop\).*/\1/' <<<"$summary")
  reports=$(sed -E 's/.* ([0-9]+) reports.*/\1/' <<<"$summary")
  turnaround=$(grep -E '^turnaround ' <<<"$output" | sed -E 's/.*median ([0-9.]+) ms, p99 ([0-9.]+) ms.*/\1 \2/')
  echo "$(awk -v r="$reports" -v s="$seconds" 'BEGIN { printf "%.0f", r / s }') $turnaround"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
: >"$tmp/none"
: >"$tmp/store"
for i in $(seq 1 "$repeats"); do
  run_once --no-store >>"$tmp/none"
  sleep 1
  rm -f "$tmp/bench.h5"
  run_once --storage "$tmp/bench.h5" >>"$tmp/store"
  # Let the kernel write the last run's 83 MB back before the next run starts, so
  # that no run pays for another's writeback.
  sync
  sleep 1
done
for setup in none store; do
  label=$([[ $setup == none ]] && echo "no store (--no-store)" || echo "HDF5 store (journal + snapshot)")
  echo "coordinator, $label: median of $repeats runs: $(cut -d' ' -f1 "$tmp/$setup" | median) reports/s" \
    "(runs: $(cut -d' ' -f1 "$tmp/$setup" | tr '\n' ' ')); turnaround median $(cut -d' ' -f2 "$tmp/$setup" | median) ms," \
    "p99 $(cut -d' ' -f3 "$tmp/$setup" | median) ms"
done
ls -l "$tmp/bench.h5" | awk '{ printf "study file: %.1f MB for 2.07 M reports\n", $5 / 1e6 }'
