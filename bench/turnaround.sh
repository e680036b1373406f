#!/usr/bin/env bash
# Turnaround and idle cost of the runtime loop under mpirun on this (2-core) machine.
#
# 1. Latency: `mpirun -np 4 --oversubscribe mpitune run configs/default.yaml --no-store
#    --max-trials 3000 --report-every 1`: 4,545 near-zero-work runs, each an Assign ->
#    report -> Decision -> Finished round trip. Prints, per binary, the medians over
#    REPEATS runs (interleaved) of the turnaround (Assign sent -> first report received)
#    median and p99, the assignments per second and the wall time.
#    Targets: turnaround median <= 1 ms and >= 1,000 assignments/s.
# 2. Idle cost: rank 0 + 3 workers whose command trials sleep 10 s (bench/idle-sleep.yaml);
#    the CPU each mpitune rank uses over 6 s in the middle of the sleep, from
#    /proc/<pid>/stat (10 ms ticks). Target: near 0%.
#
# Usage, from the repository root:
#   bash bench/turnaround.sh [build-dir] [repeats] [other-mpitune-binary-to-compare]
set -euo pipefail
build=${1:-build}
repeats=${2:-5}
other=${3:-}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d)
trap 'pkill -f "$tmp/" 2>/dev/null; rm -rf "$tmp"' EXIT
binaries=("$(realpath "$build/mpitune")")
[[ -n $other ]] && binaries+=("$(realpath "$other")")

latency_once() {  # prints "turnaround-median-ms p99-ms assignments/s wall-s"
  local binary=$1 output start end
  start=$(date +%s.%N)
  output=$(mpirun --oversubscribe -np 4 "$binary" run configs/default.yaml --no-store --max-trials 3000 \
    --report-every 1 2>&1)
  end=$(date +%s.%N)
  local turnaround runs
  turnaround=$(grep -E '^turnaround ' <<<"$output" | sed -E 's/.*median ([0-9.]+) ms, p99 ([0-9.]+) ms over ([0-9]+) runs.*/\1 \2 \3/')
  runs=$(cut -d' ' -f3 <<<"$turnaround")
  awk -v t="$turnaround" -v n="$runs" -v s="$start" -v e="$end" \
    'BEGIN { split(t, a, " "); printf "%s %s %.0f %.2f\n", a[1], a[2], n / (e - s), e - s }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for i in $(seq 1 "$repeats"); do
  for b in "${!binaries[@]}"; do latency_once "${binaries[$b]}" >>"$tmp/latency.$b"; done
done
for b in "${!binaries[@]}"; do
  f=$tmp/latency.$b
  echo "latency, ${binaries[$b]} (median of $repeats): turnaround median $(cut -d' ' -f1 "$f" | median) ms," \
    "p99 $(cut -d' ' -f2 "$f" | median) ms; $(cut -d' ' -f3 "$f" | median) assignments/s (4545 runs incl. start-up);" \
    "wall $(cut -d' ' -f4 "$f" | median) s; runs: $(cut -d' ' -f3 "$f" | tr '\n' ' ')"
done

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
for b in "${!binaries[@]}"; do
  rm -f "$tmp/idle.h5"
  mpirun --oversubscribe -np 4 "${binaries[$b]}" run bench/idle-sleep.yaml --storage "$tmp/idle.h5" \
    >"$tmp/idle.log" 2>&1 &
  job=$!
  sleep 2.5
  mapfile -t pids < <(pgrep -f "^${binaries[$b]} run bench/idle-sleep.yaml" | sort -n)
  declare -A before=()
  for pid in "${pids[@]}"; do before[$pid]=$(ticks "$pid"); done
  sleep 6
  line="idle CPU while every trial sleeps, ${binaries[$b]}:"
  for pid in "${pids[@]}"; do
    line+=" $(awk -v a="${before[$pid]}" -v b="$(ticks "$pid")" 'BEGIN { printf "%.1f%%", (b - a) / 6.0 }')"
  done
  echo "$line (per rank, rank 0 first)"
  wait $job || true
done
