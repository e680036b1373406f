#!/usr/bin/env bash
# Coordinator throughput: `mpirun -np 4` (rank 0 + 3 workers) runs near-zero-work
# built-in trials (branin) that report every 0.001 budget units, and prints the
# reports handled per second end to end (worker -> rank 0 -> Scheduler::Report ->
# Decision back) and the trial turnaround (Assign sent -> first Report received).
# Usage, from the repository root: bash bench/coordinator_throughput.sh [build-dir]
set -euo pipefail
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
output=$(mpirun --oversubscribe --allow-run-as-root -np 4 "$build/mpitune" run configs/default.yaml \
  --max-trials 600 --report-every 0.001 --storage "$tmp/bench.h5" 2>&1)
summary=$(grep -E '^elapsed: ' <<<"$output")
seconds=$(sed -E 's/^elapsed: ([0-9.]+) s wall.*/\1/' <<<"$summary")
reports=$(sed -E 's/.* ([0-9]+) reports.*/\1/' <<<"$summary")
echo "coordinator: 3 workers, $reports reports in $seconds s: $(awk -v r="$reports" -v s="$seconds" 'BEGIN { printf "%.0f", r / s }') reports/s"
grep -E '^turnaround ' <<<"$output"
