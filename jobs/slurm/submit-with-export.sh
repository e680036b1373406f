#!/bin/bash
# Submits a study (jobs/slurm/mpitune.sbatch) and its export step, which runs once the
# study has ended well, whatever number of requeues it took (a dependency chain).
#
#   bash jobs/slurm/submit-with-export.sh CONFIG STUDY [sbatch options for the study...]
#
# Prints the two job ids. Run it from the repository root (the scripts find build/
# and jobs/ from the submit directory) or set MPITUNE and MPITUNE_ROOT.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: bash jobs/slurm/submit-with-export.sh CONFIG STUDY [sbatch options...]" >&2
  exit 2
fi
config=$1
study=$2
shift 2
here=$(dirname "$0")
study_job=$(sbatch --parsable "$@" "$here/mpitune.sbatch" "$config" "$study")
export_job=$(sbatch --parsable --dependency="afterok:$study_job" --kill-on-invalid-dep=yes \
  "$here/export.sbatch" "$study")
echo "study job $study_job, export job $export_job (runs after $study_job ends with exit code 0)"
