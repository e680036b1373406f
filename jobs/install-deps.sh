#!/usr/bin/env bash
# Installs the Debian packages mpitune builds and tests with, skipping those already
# present (so it is cheap to call every time). Needs root when anything is missing.
# With --tests it also installs what only the test suite uses: a one-node Slurm
# (slurm-wlm, munge) for the launch tests, h5py to read study files as users do, and
# Node.js with the Hive grammar the export tests parse HiveQL with (npm ci in
# tests/tools/hive-grammar, the version pinned in its package-lock.json), Optuna for
# the sampler benchmark against it (bench/tpe_vs_optuna.py), and Debian's chromium,
# the headless browser the HTML report is opened in. libjs-chart.js is a run-time
# dependency: `mpitune report` inlines its Chart.js into every report.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libopenmpi-dev openmpi-bin
  libhdf5-dev hdf5-tools
  libyaml-cpp-dev libcli11-dev libfmt-dev nlohmann-json3-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  libsqlite3-dev sqlite3
  python3
  libjs-chart.js
)
if [[ ${1:-} == --tests ]]; then
  packages+=(slurm-wlm munge python3-h5py nodejs python3-optuna chromium)
  # NodeSource's nodejs brings npm itself; Debian's needs the npm package.
  command -v npm >/dev/null || packages+=(npm)
fi

install_hive_grammar() {
  [[ ${1:-} == --tests ]] || return 0
  local grammar
  grammar="$(cd "$(dirname "$0")/.." && pwd)/tests/tools/hive-grammar"
  [[ -d $grammar/node_modules/dt-sql-parser ]] && return 0
  echo "install-deps: npm ci in $grammar"
  (cd "$grammar" && npm ci --no-audit --no-fund)
}

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  install_hive_grammar "${1:-}"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing ${missing[*]}; run as root (sudo bash jobs/install-deps.sh)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_hive_grammar "${1:-}"
