#!/usr/bin/env bash
# End-to-end: how `mpitune run` is launched under a real one-node Slurm.
# Usage: slurm_launch_e2e.sh MPITUNE_BINARY SOURCE_DIR
#
#   (a) srun --mpi=pmix -n 3: one study, rank 0 coordinating 2 workers
#   (b) srun --mpi=pmi2 -n 3 and srun --mpi=none -n 3: refused with exit code 2 and
#       one line from task 0, no study file (or, with an Open MPI that has PMI-2
#       support, one study as in (a))
#   (c) sbatch --wait of a batch script calling `mpitune run` (no srun): the batch
#       shell runs the study as a single process
#   (d) mpirun inside an sbatch allocation of 3 tasks: one study over 3 ranks
#   (e) a step announcing 3 tasks whose MPI world is 1: refused after MPI_Init
#   (f) srun --mpi=none -n 1: a lone task runs the study without MPI
#
# The cluster: tests/tools/slurm_test_cluster.sh (skipped, exit 77, where Slurm is not
# there or cannot be started).
set -u
binary=$(realpath "$1")
source_dir=$(realpath "$2")
test_name=slurm_launch_e2e
source "$source_dir/tests/tools/slurm_test_cluster.sh" "$source_dir"
config="$source_dir/configs/default.yaml"
trials=12
t0=$SECONDS

# Checks that the study file holds `trials` trials and is finished.
check_study() {
  local file=$1 status
  status=$("$binary" status "$file" 2>&1) || fail "$file: status failed: $status"
  grep -q 'file: .*(finished)' <<<"$status" || fail "$file is not marked finished: $status"
  grep -q "trials: $trials" <<<"$status" || fail "$file does not hold $trials trials: $status"
}

# One line from mpitune on stderr (srun adds its own "srun: error: ... exit code"
# lines), naming `what` and saying what to use instead.
check_refusal() {
  local name=$1 code=$2 what=$3 lines
  [[ $code -eq 2 ]] || fail "$name: exit code $code, expected 2: $(cat "$tmp/$name.err")"
  lines=$(grep -v '^srun: ' "$tmp/$name.err")
  [[ $(wc -l <<<"$lines") -eq 1 ]] || fail "$name: expected one line on stderr, got: $lines"
  grep -q "^mpitune: error: .*$what" <<<"$lines" || fail "$name: the line does not name '$what': $lines"
  grep -q 'srun --mpi=pmix\|mpirun' <<<"$lines" || fail "$name: the line says nothing to use instead: $lines"
  [[ ! -e $tmp/$name.h5 ]] || fail "$name: a study file was created"
  echo "$name: refused: $lines"
}

run_step() {
  local name=$1
  shift
  timeout 120 srun "$@" "$binary" run "$config" --max-trials $trials --storage "$tmp/$name.h5" \
    >"$tmp/$name.out" 2>"$tmp/$name.err"
}

# (a)
run_step pmix --mpi=pmix -n 3
code=$?
[[ $code -eq 0 ]] || fail "pmix: exit code $code: $(cat "$tmp/pmix.err")"
grep -q '^mpi: rank 0 coordinates 2 worker ranks' "$tmp/pmix.out" || fail "pmix: no 'rank 0 coordinates 2 worker ranks'"
[[ $(grep -c '^trials: ' "$tmp/pmix.out") -eq 1 ]] || fail "pmix: expected one study's results"
check_study "$tmp/pmix.h5"
echo "pmix: one study, rank 0 coordinating 2 workers"

# (b)
run_step pmi2 --mpi=pmi2 -n 3
code=$?
if [[ $code -eq 0 ]] && grep -q '^mpi: rank 0 coordinates 2 worker ranks' "$tmp/pmi2.out"; then
  check_study "$tmp/pmi2.h5"
  echo "pmi2: this Open MPI supports PMI-2: one study, rank 0 coordinating 2 workers"
else
  check_refusal pmi2 $code "srun --mpi=pmi2 started 3 tasks"
fi
run_step none --mpi=none -n 3
check_refusal none $? "srun --mpi=none started 3 tasks"

# (e) MPI joins the one task srun started, but the task is told the step has 3.
timeout 120 srun --mpi=pmix -n 1 env SLURM_STEP_NUM_TASKS=3 "$binary" run "$config" --max-trials $trials \
  --storage "$tmp/world.h5" >"$tmp/world.out" 2>"$tmp/world.err"
check_refusal world $? "MPI sees a world of 1"

# (f)
run_step lone --mpi=none -n 1
code=$?
[[ $code -eq 0 ]] || fail "lone: exit code $code: $(cat "$tmp/lone.err")"
! grep -q '^mpi: ' "$tmp/lone.out" || fail "lone: ran under MPI"
check_study "$tmp/lone.h5"
echo "lone: srun --mpi=none -n 1 ran the study in its one task"

# (c) and (d): batch jobs of 1 and 3 tasks fit the node's 4 CPUs together, so they
# run side by side (sbatch --wait polls: each may return ~10 s after its job ends).
printf '#!/bin/bash\nexec "%s" run "%s" --max-trials %s --storage "%s"\n' \
  "$binary" "$config" $trials "$tmp/single.h5" >"$tmp/single.sh"
printf '#!/bin/bash\nexec mpirun "%s" run "%s" --max-trials %s --storage "%s"\n' \
  "$binary" "$config" $trials "$tmp/mpirun.h5" >"$tmp/mpirun.sh"
submit() {
  local name=$1
  shift
  (cd "$tmp" && timeout 150 sbatch --wait --quiet --time=00:02:00 -o "$tmp/$name.out" "$@" "$tmp/$name.sh")
  echo $? >"$tmp/$name.code"
}
submit single -n 1 &
single_job=$!
submit mpirun -n 3 &
mpirun_job=$!

# (c)
wait $single_job
code=$(cat "$tmp/single.code")
[[ $code -eq 0 ]] || fail "sbatch single: exit code $code: $(cat "$tmp/single.out" 2>/dev/null)"
! grep -q '^mpi: ' "$tmp/single.out" || fail "sbatch single: ran under MPI: $(cat "$tmp/single.out")"
[[ $(grep -c '^trials: ' "$tmp/single.out") -eq 1 ]] || fail "sbatch single: expected one study's results"
check_study "$tmp/single.h5"
echo "sbatch: the batch shell ran the study as a single process"

# (d)
wait $mpirun_job
code=$(cat "$tmp/mpirun.code")
[[ $code -eq 0 ]] || fail "sbatch mpirun: exit code $code: $(cat "$tmp/mpirun.out" 2>/dev/null)"
grep -q '^mpi: rank 0 coordinates 2 worker ranks' "$tmp/mpirun.out" ||
  fail "sbatch mpirun: no 'rank 0 coordinates 2 worker ranks': $(cat "$tmp/mpirun.out")"
[[ $(grep -c '^trials: ' "$tmp/mpirun.out") -eq 1 ]] || fail "sbatch mpirun: expected one study's results"
check_study "$tmp/mpirun.h5"
echo "sbatch + mpirun: one study, rank 0 coordinating 2 workers"

echo "slurm_launch_e2e: OK in $((SECONDS - t0)) s"
