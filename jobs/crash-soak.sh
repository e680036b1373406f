#!/usr/bin/env bash
# Soak version of the CI crash test (tests/store/crash_resume_e2e.sh): KILLS random
# kill -9s (default 200) of an MPI study, each followed by a resume and a check that
# nothing the file held was lost. Usage, from the repository root, after building:
#   bash jobs/crash-soak.sh [build-dir] [kills] [seed]
set -euo pipefail
build=${1:-build}
exec bash tests/store/crash_resume_e2e.sh "$build/mpitune" . "${2:-200}" "${3:-$$}"
