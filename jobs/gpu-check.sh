#!/usr/bin/env bash
# GPU check: on a machine with NVIDIA GPUs, build mpitune with CUDA and check the GPU
# paths for real, then print ONE verdict line:
#   gpu-check: PASS ... | gpu-check: FAIL <what> ... | gpu-check: SKIP <why>
# Steps (each failure is named in the verdict, its log under $GPU_CHECK_OUT):
#   1. build (Release, CUDA kernels for the GPU's own architecture) in build-gpu/
#   2. the GPU tests: the device query and selection (gpu_tests), the `sgd` CUDA kernel
#      against its CPU reference (SgdObjectiveTest.*Cuda*), device mapping
#   3. an mpirun study (rank 0 + one worker per GPU, at most 4) of the `sgd` objective
#      with gpus_per_trial: 1: every worker must be pinned to a GPU of its own (or, with
#      one GPU, to it), its trials must run on the CUDA path, and each run's recorded
#      device must be the GPU's UUID as nvidia-smi shows it.
# Finishes within 8 minutes on a 16-core machine; run from the repository root.
# Dependencies the machine lacks (HDF5, yaml-cpp, Open MPI, ...) are taken from
# .gpu-deps/*.deb when that folder is there: `bash jobs/gpu-check.sh --fetch-deps` on a
# Debian 12 machine with network access fills it (ignored by git; carry it along).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${GPU_CHECK_OUT:-${OUT:-/tmp/gpu-check}}
mkdir -p "$out"
start=$SECONDS
verdict() {
  echo "gpu-check: $1 ($((SECONDS - start)) s)"
  exit "$2"
}

if [[ ${1:-} == --fetch-deps ]]; then
  mkdir -p .gpu-deps && cd .gpu-deps || exit 1
  grep -qx '/.gpu-deps/' ../.git/info/exclude 2>/dev/null || echo '/.gpu-deps/' >>../.git/info/exclude
  # The runtime and development packages mpitune builds against, and the libraries
  # they pull in that a CUDA image usually lacks.
  apt-get download libhdf5-dev libhdf5-103-1 libhdf5-hl-100 libsz2 libaec0 libaec-dev libyaml-cpp-dev \
    libyaml-cpp0.7 libfmt-dev libfmt9 libcli11-dev nlohmann-json3-dev libgtest-dev googletest \
    libopenmpi-dev libopenmpi3 openmpi-bin openmpi-common libpmix2 libhwloc15 libevent-core-2.1-7 \
    libevent-pthreads-2.1-7 libfabric1 libucx0 libpsm2-2 libibverbs1 librdmacm1 libnl-3-200 libnl-route-3-200 \
    libxnvctrl0 libmunge2 libjpeg62-turbo libcurl3-gnutls zlib1g-dev libjpeg-dev hdf5-helpers 2>&1 | tail -2
  du -sh .
  exit 0
fi

command -v nvidia-smi >/dev/null 2>&1 || verdict "SKIP no NVIDIA driver here (nvidia-smi not found)" 0
mapfile -t gpus < <(nvidia-smi --query-gpu=uuid --format=csv,noheader 2>/dev/null)
[[ ${#gpus[@]} -gt 0 ]] || verdict "SKIP nvidia-smi lists no GPU" 0
nvidia-smi -L >"$out/nvidia-smi.txt" 2>&1
arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d '.')

if [[ -d .gpu-deps ]] && ! pkg-config --exists yaml-cpp 2>/dev/null; then
  for deb in .gpu-deps/*.deb; do dpkg -x "$deb" / || verdict "FAIL cannot unpack $deb" 1; done
  ldconfig
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

# 1. Build.
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DMPITUNE_BUILD_BENCH=OFF -DMPITUNE_WITH_CUDA=ON \
  -DMPITUNE_CUDA_ARCHITECTURES="${arch:-80}" >"$out/configure.log" 2>&1 || verdict "FAIL configure (configure.log)" 1
grep -q "mpitune: CUDA kernels ON" "$out/configure.log" || verdict "FAIL the build found no CUDA toolkit/nvcc" 1
cmake --build build-gpu -j "$(nproc)" >"$out/build.log" 2>&1 || verdict "FAIL build (build.log)" 1

# 2. GPU tests: none may be skipped here, there is a GPU.
ctest --test-dir build-gpu --output-on-failure -R 'Gpu|Cuda|DeviceMap' >"$out/gpu-tests.log" 2>&1 ||
  verdict "FAIL GPU tests (gpu-tests.log)" 1
! grep -q "Skipped" "$out/gpu-tests.log" || verdict "FAIL a GPU test skipped on a GPU machine (gpu-tests.log)" 1

# 3. An MPI study pinned to the GPUs.
workers=$((${#gpus[@]} < 4 ? ${#gpus[@]} : 4))
[[ $workers -ge 2 ]] || workers=2  # with one GPU, two workers share it: both must say so
study=$out/gpu-study.h5
rm -f "$study" "$study.journal"
mpirun -np $((workers + 1)) build-gpu/mpitune run configs/sgd-asha.yaml --storage "$study" --max-trials 24 -q \
  --progress-every 100 >"$out/mpirun.log" 2>&1 || verdict "FAIL mpirun study (mpirun.log)" 1
build-gpu/mpitune status "$study" --json --history >"$out/status.json" 2>&1 || verdict "FAIL status (status.json)" 1
/usr/bin/python3 - "$out/status.json" "$out/mpirun.log" "${gpus[@]}" >"$out/placement.txt" 2>&1 <<'PY' ||
import json, re, sys
status = json.load(open(sys.argv[1]))
log = open(sys.argv[2]).read()
gpus = sys.argv[3:]
joined = re.findall(r"worker rank (\d+) on \S+ joined, device (\S+) \((.*)\)", log)
if not joined: sys.exit("no worker joined")
devices = {rank: device for rank, device, _ in joined}
for rank, device, note in joined:
    if device not in gpus: sys.exit(f"rank {rank} recorded device {device!r}, not a GPU UUID of {gpus}")
if len(gpus) > 1 and len(set(devices.values())) != min(len(gpus), len(devices)):
    sys.exit(f"workers share GPUs although there are {len(gpus)}: {devices}")
if status["trials"] != 24: sys.exit(f"{status['trials']} trials, expected 24")
print(f"{len(joined)} workers on {len(set(devices.values()))} GPU(s): {devices}; best {status['best']['value']:.4g}")
PY
  verdict "FAIL placement: $(tail -1 "$out/placement.txt")" 1
verdict "PASS ${#gpus[@]} GPU(s) ($(head -1 "$out/nvidia-smi.txt" | cut -c1-60)); kernel matches CPU; $(cat "$out/placement.txt")" 0
