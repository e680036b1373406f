#!/usr/bin/env bash
# End-to-end: jobs/slurm/*.sbatch on a real one-node Slurm.
# Usage: slurm_requeue_e2e.sh MPITUNE_BINARY SOURCE_DIR
#
#   (a) sbatch --wait of mpitune.sbatch (srun --mpi=pmix, 2 workers + rank 0): exit 0,
#       the study finished.
#   (b) a longer study (~60 s of trials) in mpitune.sbatch: preempted 3 times with
#       `scancel --signal=USR1 --batch`, then once by its time limit (--signal=B:USR1@25
#       with a 1-minute limit); each time the study exits 75, the job requeues itself
#       and the next start goes on from the study file. After every stop, every report
#       the file held before is still there, in order; at the end the study is
#       finished with all its trials, after 4 restarts. An export step chained with
#       --dependency=afterok runs only once the study's job has ended.
#   (c) a job array of 2 studies (mpitune-array.sbatch, mpirun inside the allocation);
#       task 1 is preempted once and requeues alone; both finished.
#   (d) never requeued: a bad config (exit 2), and a stop when MPITUNE_MAX_RESTARTS=0
#       allows no restart (the job fails with 75).
# The cluster: tests/tools/slurm_test_cluster.sh (skipped, exit 77, where Slurm is not
# there or cannot be started). About 2 minutes, most of it Slurm's requeue delay.
set -u
binary=$(realpath "$1")
source_dir=$(realpath "$2")
test_name=slurm_requeue_e2e
source "$source_dir/tests/tools/slurm_test_cluster.sh" "$source_dir"
export MPITUNE=$binary MPITUNE_ROOT=$source_dir MPITUNE_SBATCH=$source_dir/jobs/slurm/mpitune.sbatch
sbatch_script=$source_dir/jobs/slurm/mpitune.sbatch
t0=$SECONDS
cd "$tmp" || exit 1

# ASHA over a shell trial that sleeps 0.25 s per step and resumes from its step.
write_config() {  # NAME MAX_TRIALS
  cat >"$tmp/$1.yaml" <<YAML
study: {name: $1, seed: 3}
space:
  x: {type: uniform, low: 0, high: 1}
scheduler: {type: asha, max_trials: $2, min_budget: 1, max_budget: 4, eta: 2}
trial:
  command: [/bin/sh, -c, "s=\$MPITUNE_RESUME_STEP; while [ \$s -lt \$MPITUNE_BUDGET ]; do sleep 0.25; s=\$((s+1)); echo mpitune: step=\$s loss={x}; done"]
  stop_grace: 2
YAML
}

field() {  # JOB FIELD: a field of `scontrol show job`
  scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

wait_for() {  # SECONDS WHAT COMMAND...: polls COMMAND every 0.2 s
  local limit=$1 what=$2 start=$SECONDS
  shift 2
  until "$@"; do
    ((SECONDS - start < limit)) || fail "waited $limit s for $what"
    sleep 0.2
  done
}

check_finished() {  # STUDY_FILE TRIALS
  local status
  status=$("$binary" status "$1" 2>&1) || fail "$1: status failed: $status"
  grep -q 'file: .*(finished)' <<<"$status" || fail "$1 is not finished: $status"
  grep -q "^trials: $2 " <<<"$status" || fail "$1 does not hold $2 trials: $status"
}

previous=""
check_view() {  # WHEN: every report seen before is still there, in order
  "$binary" status "$tmp/long.h5" --json --history >"$tmp/view.json" 2>"$tmp/status.err" ||
    fail "status cannot read the study after $1: $(cat "$tmp/status.err")"
  /usr/bin/python3 "$source_dir/tests/tools/check_reports_kept.py" "$tmp/view.json" "$previous" "$1" ||
    fail "reports lost after $1"
  cp "$tmp/view.json" "$tmp/previous.json"
  previous=$tmp/previous.json
}

# (b) first: it takes longest. 2 worker ranks + rank 0.
write_config long 200
long_job=$(sbatch --parsable --ntasks-per-node=2 --time=5 --signal=B:USR1@25 -J long -o "$tmp/long.out" \
  "$sbatch_script" "$tmp/long.yaml" "$tmp/long.h5" -q) || fail "sbatch of the long study failed"
export_job=$(sbatch --parsable --dependency="afterok:$long_job" --kill-on-invalid-dep=yes -o "$tmp/export.out" \
  "$source_dir/jobs/slurm/export.sbatch" "$tmp/long.h5") || fail "sbatch of the export step failed"

# (a) and (d) beside it, one after the other.
write_config short 12
write_config bounded 40
running() { grep -q '^mpi: rank 0 coordinates' "$1" 2>/dev/null; }
ended() {  # JOB...: all of them failed or completed
  local job state
  for job in "$@"; do
    state=$(field "$job" JobState)
    [[ $state == FAILED || $state == COMPLETED ]] || return 1
  done
}
preempt() {  # LOG JOB: a second after the study in JOB runs, Slurm's warning by hand
  wait_for 60 "$2 to run" running "$1"
  sleep 1
  scancel --signal=USR1 --batch "$2"
}
side_jobs() {
  # --time=5: the scripts' --signal=B:USR1@120 must not come during these jobs.
  timeout 90 sbatch --wait --quiet --ntasks-per-node=2 --time=5 -J short -o "$tmp/short.out" "$sbatch_script" \
    "$tmp/short.yaml" "$tmp/short.h5" -q
  echo $? >"$tmp/short.code"
  # (d) bad input: exit 2, never requeued.
  timeout 60 sbatch --wait --quiet --ntasks-per-node=1 --time=5 -J bad -o "$tmp/bad.out" "$sbatch_script" \
    "$tmp/no-such.yaml" "$tmp/bad.h5" -q
  echo $? >"$tmp/bad.code"
  # (d) stopped with no restart left (MPITUNE_MAX_RESTARTS=0): exit 75, not requeued.
  local job
  job=$(MPITUNE_MAX_RESTARTS=0 sbatch --parsable --ntasks-per-node=1 --time=5 -J bounded -o "$tmp/bounded.out" \
    "$sbatch_script" "$tmp/bounded.yaml" "$tmp/bounded.h5" -q)
  preempt "$tmp/bounded.out" "$job"
  wait_for 60 "the bounded job to end" ended "$job"
  echo "$(field "$job" JobState) $(field "$job" ExitCode) $(field "$job" Restarts)" >"$tmp/bounded.result"
  # (c) task 1 is preempted once and requeues alone. mpirun holds an exit 75 for 2x
  # its sigkill timeout (README): short here.
  job=$(MPITUNE_LAUNCHER=mpirun MPITUNE_SIGKILL_TIMEOUT=2 sbatch --parsable --array=0-1 --ntasks-per-node=1 \
    --time=5 -o "$tmp/array-%a.out" "$source_dir/jobs/slurm/mpitune-array.sbatch" "$tmp/studies.txt")
  preempt "$tmp/array-1.out" "${job}_1"
  wait_for 120 "the array's tasks to end" ended "${job}_0" "${job}_1"
  echo "$(field "${job}_0" JobState) $(field "${job}_0" Restarts) $(field "${job}_1" JobState) $(field "${job}_1" Restarts)" \
    >"$tmp/array.result"
}
write_config one 8
write_config two 16
printf '%s %s\n' "$tmp/one.yaml" "$tmp/one.h5" "$tmp/two.yaml" "$tmp/two.h5" >"$tmp/studies.txt"
side_jobs &
side_pid=$!

started() { grep -q "start $1 at" "$tmp/long.out" 2>/dev/null; }
requeued() { grep -q "(restart $1 of" "$tmp/long.out" && [[ $(field "$long_job" JobState) == PENDING ]]; }
in_study() { grep -q "^mpi: rank 0 coordinates" <(tail -n +"$1" "$tmp/long.out"); }
for cycle in 1 2 3 4; do
  wait_for 60 "start $cycle of the long study" started $cycle
  at=$SECONDS
  from=$(grep -n "start $cycle at" "$tmp/long.out" | cut -d: -f1)
  wait_for 30 "the study to run in start $cycle" in_study "$from"
  if ((cycle <= 3)); then
    sleep 2
    scancel --signal=USR1 --batch "$long_job" || fail "scancel --signal=USR1 --batch failed"
    how="scancel --signal=USR1 --batch"
  else
    how="its time limit (--signal=B:USR1@25, 1 minute)"
  fi
  wait_for 60 "the requeue after stop $cycle" requeued $cycle
  stopped=$SECONDS
  grep -q "interrupted by SIGUSR1" <(tail -n +"$from" "$tmp/long.out") || fail "stop $cycle: no 'interrupted by SIGUSR1'"
  grep -q "the study exited 75" <(tail -n +"$from" "$tmp/long.out") || fail "stop $cycle: the study did not exit 75"
  check_view "stop $cycle (by $how, $((stopped - at)) s into start $cycle)"
  # The fourth start runs under a 1-minute limit, the fifth without one again.
  if ((cycle == 3)); then scontrol update JobId="$long_job" TimeLimit=1 || fail "cannot set the time limit"; fi
  if ((cycle == 4)); then scontrol update JobId="$long_job" TimeLimit=5 || fail "cannot lift the time limit"; fi
done
done_long() { [[ $(field "$long_job" JobState) == COMPLETED ]]; }
wait_for 120 "the long study's job to complete" done_long
[[ $(field "$long_job" Restarts) == 4 ]] || fail "the long study's job restarted $(field "$long_job" Restarts) times, expected 4"
[[ $(grep -c 'start [0-9]* at' "$tmp/long.out") == 5 ]] || fail "expected 5 starts: $(grep 'mpitune.sbatch' "$tmp/long.out")"
check_view "the end"
check_finished "$tmp/long.h5" 200
grep -E "^mpitune.sbatch: (job .* start|SIGUSR1|the study exited)" "$tmp/long.out" | sed 's/^/  /'
echo "long study: 5 starts, 4 requeues (3 by scancel, 1 by the time limit), finished with nothing lost"

# The export step waited through the requeues, then ran.
exported() { [[ $(field "$export_job" JobState) == COMPLETED ]]; }
wait_for 30 "the export step" exported
grep -q "mpitune export step" "$tmp/export.out" || fail "the export step said nothing: $(cat "$tmp/export.out")"
grep -q "INSERT OVERWRITE TABLE \`hpo_trials\`" "$tmp/export.out" ||
  fail "the export step wrote no SQL: $(head -c 2000 "$tmp/export.out")"
echo "export step: ran after the study's job completed"

wait $side_pid
[[ $(cat "$tmp/short.code") == 0 ]] || fail "sbatch --wait: exit code $(cat "$tmp/short.code"): $(cat "$tmp/short.out")"
grep -q '^mpi: rank 0 coordinates 2 worker ranks' "$tmp/short.out" || fail "sbatch --wait: not 2 workers: $(cat "$tmp/short.out")"
check_finished "$tmp/short.h5" 12
echo "sbatch --wait: the study finished (srun --mpi=pmix, rank 0 + 2 workers)"

# (d)
[[ $(cat "$tmp/bad.code") == 2 ]] || fail "bad config: sbatch --wait gave $(cat "$tmp/bad.code"), expected 2: $(cat "$tmp/bad.out")"
grep -q "requeueing" "$tmp/bad.out" && fail "bad config: requeued: $(cat "$tmp/bad.out")"
[[ $(cat "$tmp/bounded.result") == "FAILED 75:0 0" ]] ||
  fail "MPITUNE_MAX_RESTARTS=0: job ended '$(cat "$tmp/bounded.result")', expected 'FAILED 75:0 0': $(cat "$tmp/bounded.out")"
grep -q "not requeued: 0 restarts already" "$tmp/bounded.out" || fail "MPITUNE_MAX_RESTARTS=0: no 'not requeued' line"
echo "never requeued: a bad config (exit 2), a stop with no restart left (exit 75, MPITUNE_MAX_RESTARTS=0)"

# (c)
[[ $(cat "$tmp/array.result") == "COMPLETED 0 COMPLETED 1" ]] ||
  fail "job array: '$(cat "$tmp/array.result")', expected 'COMPLETED 0 COMPLETED 1': $(cat "$tmp"/array-*.out)"
check_finished "$tmp/one.h5" 8
check_finished "$tmp/two.h5" 16
grep -q '^mpi: rank 0 coordinates 1 worker ranks' "$tmp/array-0.out" || fail "array task 0: $(cat "$tmp/array-0.out")"
grep -q "requeueing job [0-9]*_1 " "$tmp/array-1.out" || fail "array task 1 did not requeue itself alone"
echo "job array: 2 studies, one per task (mpirun inside each task's allocation); task 1 preempted," \
  "requeued alone and resumed; both finished"

echo "$test_name: OK in $((SECONDS - t0)) s"
