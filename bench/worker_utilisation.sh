#!/usr/bin/env bash
# Worker utilisation: `mpirun -np 4` (rank 0 + 3 workers) runs an ASHA study whose
# command trials sleep 1 s per budget unit (bench/sleep-asha.yaml) and prints each
# worker's busy fraction (Assign sent -> Finished received, as rank 0 sees it).
# Usage, from the repository root: bash bench/worker_utilisation.sh [build-dir]
set -euo pipefail
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
output=$(mpirun --oversubscribe --allow-run-as-root -np 4 "$build/mpitune" run bench/sleep-asha.yaml \
  --storage "$tmp/sleep.h5" 2>&1)
grep -E '^(elapsed|trial runs by rank|worker busy):? ' <<<"$output"
