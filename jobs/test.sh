#!/usr/bin/env bash
# README command (2): build and run the whole test suite, twice: a normal optimised
# build, then an AddressSanitizer + UndefinedBehaviorSanitizer build. ctest prints
# the summary of each. Set MPITUNE_SKIP_SANITIZE=1 to run only the first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash jobs/install-deps.sh
jobs="$(nproc)"

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMPITUNE_WERROR=ON
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

if [ "${MPITUNE_SKIP_SANITIZE:-0}" != "1" ]; then
  cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMPITUNE_SANITIZE=ON -DMPITUNE_WERROR=ON -DMPITUNE_BUILD_BENCH=OFF
  cmake --build build-sanitize -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-sanitize --output-on-failure -j "$jobs"
fi
