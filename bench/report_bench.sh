#!/usr/bin/env bash
# How long `mpitune report` takes and how large the HTML file is, for ASHA studies of
# 1,000 and 100,000 trials (branin, one process; made here first, not timed), and how
# long headless chromium takes to draw the page (its own script's time, measured in
# the page; and the whole browser run). Also `mpitune trials` (CSV) for the same.
# Usage, from the repository root: bash bench/report_bench.sh [build-dir] [trials...]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
shift || true
sizes=("${@:-1000 100000}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
chromium=$(command -v chromium || command -v chromium-browser || true)
seconds() { local start=$1; echo "$(($(date +%s%N) - start))" | awk '{printf "%.2f", $1 / 1e9}'; }
for n in ${sizes[@]}; do
  cat >"big$n.yaml" <<YAML
study: {name: big$n, seed: 3}
space:
  x1: {type: uniform, low: -5, high: 10}
  x2: {type: uniform, low: 0, high: 15}
scheduler: {type: asha, max_trials: $n, min_budget: 1, max_budget: 9, eta: 3}
trial: {objective: branin}
YAML
  "$build/mpitune" run "big$n.yaml" --storage "big$n.h5" -q >/dev/null
  reports=$("$build/mpitune" status "big$n.h5" --json | awk -F': ' '/"reports"/ {gsub(/,/, "", $2); print $2; exit}')
  start=$(date +%s%N)
  "$build/mpitune" report "big$n.h5" -o "big$n.html" >/dev/null
  report_s=$(seconds "$start")
  start=$(date +%s%N)
  "$build/mpitune" trials "big$n.h5" >"big$n.csv"
  trials_s=$(seconds "$start")
  line="trials $n (reports $reports, study file $(stat -c %s "big$n.h5") bytes): report $report_s s, $(stat -c %s "big$n.html") bytes; trials CSV $trials_s s, $(stat -c %s "big$n.csv") bytes"
  if [[ -n $chromium ]]; then
    start=$(date +%s%N)
    drawn=$("$chromium" --headless --disable-gpu --no-sandbox --virtual-time-budget=60000 --dump-dom "big$n.html" 2>/dev/null |
      grep -o '<pre id="render-check">[^<]*' | grep -o '"ms":[0-9]*' | cut -d: -f2)
    line+="; chromium drew it in ${drawn:-?} ms (whole browser run $(seconds "$start") s)"
  fi
  echo "$line"
done
