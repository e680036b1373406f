#!/usr/bin/env bash
# README command (1): install what is missing, build, and run the embedded default
# study (configs/default.yaml: a small branin ASHA study, in one process).
set -euo pipefail
cd "$(dirname "$0")/.."

bash jobs/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMPITUNE_BUILD_TESTS=OFF -DMPITUNE_BUILD_BENCH=OFF
cmake --build build --target mpitune -j "$(nproc)"
./build/mpitune run configs/default.yaml
