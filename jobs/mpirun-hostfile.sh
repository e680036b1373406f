#!/usr/bin/env bash
# A study across the nodes of a hostfile with Open MPI's mpirun, outside any batch
# system (or inside one that hands out a hostfile).
#
#   bash jobs/mpirun-hostfile.sh HOSTFILE CONFIG STUDY [mpitune run options...]
#
# HOSTFILE is Open MPI's: one "host slots=N" line per node. Every node runs
# WORKERS_PER_NODE worker ranks (--map-by ppr:N:node: one per GPU, each worker pinned
# to its own by mpitune's device map); rank 0, the coordinator, which runs no trial,
# comes on top on the first node (that node needs one slot more, or it is
# oversubscribed by one mostly idle rank). STUDY must be on a file system every node
# mounts at the same path: each worker checks at start that it can use the study's
# trials folder, and fails naming its host and the folder if not. `mpitune run` on an
# existing study file goes on with it, so the same command resumes a stopped study.
#
# SIGTERM, SIGINT or SIGUSR1 to this script stop the study cleanly: it sends SIGUSR1
# to mpirun, which forwards it to the ranks and passes rank 0's exit code on (75:
# stopped with everything saved; run the same command again to go on).
#
# Environment:
#   MPITUNE               the mpitune binary, same path on every node [mpitune on PATH,
#                         else build/mpitune beside jobs/]
#   WORKERS_PER_NODE      worker ranks per node [the GPUs nvidia-smi lists here, else 1]
#   MPITUNE_SIGKILL_TIMEOUT  Open MPI's odls_base_sigkill_timeout [30]: when mpirun
#                         ends a job abnormally (SIGTERM or SIGINT to mpirun, a rank
#                         that exits non-zero, 75 included) it sends SIGCONT, waits
#                         this long, SIGTERM, waits again, then SIGKILL. Its default of
#                         1 s kills rank 0 while it still stops the trials (SIGTERM,
#                         trial.stop_grace, SIGKILL) and writes the study file; keep it
#                         above trial.stop_grace. mpirun returns 2x this after exit 75.
#   MPITUNE_EXPORT        more environment variable names to pass to every rank (-x);
#                         PATH, LD_LIBRARY_PATH and PYTHONPATH always go
#   MPIRUN_OPTIONS        more mpirun options (split on blanks), e.g. --mca btl_tcp_if_include eth0
set -u
if [[ $# -lt 3 ]]; then
  echo "usage: bash jobs/mpirun-hostfile.sh HOSTFILE CONFIG STUDY [mpitune run options...]" >&2
  exit 2
fi
hostfile=$1
config=$2
study=$3
shift 3
[[ -r $hostfile ]] || { echo "mpirun-hostfile.sh: cannot read the hostfile '$hostfile'" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
mpitune=${MPITUNE:-$(command -v mpitune || echo "$root/build/mpitune")}
[[ -x $mpitune ]] || { echo "mpirun-hostfile.sh: no mpitune binary at '$mpitune' (set MPITUNE)" >&2; exit 2; }
if [[ -z ${WORKERS_PER_NODE:-} ]]; then
  WORKERS_PER_NODE=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ')
  ((WORKERS_PER_NODE > 0)) || WORKERS_PER_NODE=1
fi
sigkill_timeout=${MPITUNE_SIGKILL_TIMEOUT:-30}

exports=()
for name in PATH LD_LIBRARY_PATH PYTHONPATH ${MPITUNE_EXPORT:-}; do
  [[ -n ${!name+x} ]] && exports+=(-x "$name")
done
run=("$mpitune" run "$config" --storage "$study" "$@")
# shellcheck disable=SC2206  # MPIRUN_OPTIONS is a list of words by design
extra=(${MPIRUN_OPTIONS:-})

child=""
stop() {
  echo "mpirun-hostfile.sh: SIG$1: stopping the study (it saves everything and exits 75)" >&2
  [[ -n $child ]] && kill -USR1 "$child" 2>/dev/null
}
trap 'stop TERM' TERM
trap 'stop INT' INT
trap 'stop USR1' USR1

# Two app contexts: rank 0 first (the first node), then WORKERS_PER_NODE ranks on
# every node of the hostfile. mpirun gets a session of its own: a Ctrl-C (or a
# `timeout`) signals this script's whole process group, and mpirun, signalled with
# SIGINT or SIGTERM itself, aborts the job (SIGKILL after the sigkill timeout)
# instead of letting rank 0 stop it cleanly.
setsid mpirun --hostfile "$hostfile" --map-by "ppr:$WORKERS_PER_NODE:node:OVERSUBSCRIBE" \
  --mca odls_base_sigkill_timeout "$sigkill_timeout" "${extra[@]}" \
  "${exports[@]}" -np 1 "${run[@]}" : "${exports[@]}" "${run[@]}" &
child=$!
# `wait` returns (>128) when a trapped signal arrives: wait again until mpirun exits.
while :; do
  wait "$child"
  code=$?
  ((code > 128)) || break
  kill -0 "$child" 2>/dev/null && continue
  wait "$child"
  again=$?
  ((again != 127)) && code=$again
  break
done
exit "$code"
