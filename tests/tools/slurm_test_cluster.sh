# Sourced by the Slurm end-to-end tests: a one-node Slurm cluster to submit to.
#   test_name=NAME; source tests/tools/slurm_test_cluster.sh SOURCE_DIR
# Defines skip (exit 77: ctest's "skipped", with one line saying why) and fail, and
# $tmp (removed at exit). The cluster comes from slurm-localhost.sh, found at
# $MPITUNE_SLURM_TOOL (default tests/tools/slurm-localhost.sh, a copy of the team's
# one-node Slurm tool). It is used as it is when already up; otherwise it is started
# here (as root) and stopped again at exit. `jobs/install-deps.sh --tests` installs it.
tool=${MPITUNE_SLURM_TOOL:-$1/tests/tools/slurm-localhost.sh}

skip() {
  echo "$test_name: SKIP: $*"
  exit 77
}
fail() {
  echo "$test_name: FAIL: $*" >&2
  exit 1
}

[[ -f $tool ]] || skip "no Slurm tool at $tool (set MPITUNE_SLURM_TOOL to slurm-localhost.sh)"
export PATH="$PATH:/usr/sbin:/sbin"
for command in srun sbatch slurmctld slurmd munged; do
  [[ -x $(command -v "$command") ]] || skip "Slurm is not installed ($command not found; as root: $tool install)"
done

tmp=$(mktemp -d)
started=0
cleanup() {
  if [[ $started -eq 1 ]]; then bash "$tool" stop >/dev/null 2>&1; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

if ! bash "$tool" status >/dev/null 2>&1; then
  [[ $(id -u) -eq 0 ]] || skip "Slurm is not running and starting it needs root ($tool start)"
  started=1
  bash "$tool" start >"$tmp/start.log" 2>&1
  code=$?
  if [[ $code -ne 0 ]]; then
    why=$(grep -m1 'ERROR' "$tmp/start.log" || echo "exit code $code after: $(tail -n 1 "$tmp/start.log")")
    skip "cannot start Slurm with $tool start ($why; logs in ${SLURM_LOCAL_DIR:-/tmp/slurm-localhost}/log)"
  fi
fi
eval "$(bash "$tool" env)"
export SLURM_CONF

# Open MPI leaks by design at finalize (see mpirun_e2e.sh); the jobs run as root.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
