#!/usr/bin/env bash
# Exports finished studies to the warehouse: writes the SQL with `mpitune export` and,
# when the warehouse's client is on the PATH, runs it (`odpscmd -f` for MaxCompute,
# `hive -f` for Hive); otherwise prints the script, to be run by hand.
# Usage: jobs/export-to-warehouse.sh maxcompute|hive STUDY.h5... [-- EXPORT OPTIONS]
#   e.g. jobs/export-to-warehouse.sh maxcompute runs/*.h5 -- --partition ds=20261127 --prefix hpo_
# MPITUNE (default: mpitune on the PATH, else build/mpitune) names the binary.
set -euo pipefail

usage() {
  echo "usage: $0 maxcompute|hive STUDY.h5... [-- EXPORT OPTIONS]" >&2
  exit 2
}
[[ $# -ge 2 ]] || usage
dialect=$1
shift
case "$dialect" in
  maxcompute) client=odpscmd ;;
  hive) client=hive ;;
  *) usage ;;
esac
studies=()
while [[ $# -gt 0 && $1 != -- ]]; do
  studies+=("$1")
  shift
done
[[ $# -gt 0 ]] && shift
[[ ${#studies[@]} -gt 0 ]] || usage

binary=${MPITUNE:-}
if [[ -z $binary ]]; then
  binary=$(command -v mpitune || echo "$(cd "$(dirname "$0")/.." && pwd)/build/mpitune")
fi
sql=$(mktemp "${TMPDIR:-/tmp}/mpitune-export.XXXXXX.sql")
trap 'rm -f "$sql"' EXIT
"$binary" export "${studies[@]}" --dialect "$dialect" "$@" -o "$sql"

if command -v "$client" >/dev/null; then
  echo "export-to-warehouse: running $client -f on $(wc -l <"$sql") lines for ${#studies[@]} studies" >&2
  "$client" -f "$sql"
else
  echo "export-to-warehouse: no $client on the PATH; the script follows (run it with: $client -f FILE)" >&2
  cat "$sql"
fi
