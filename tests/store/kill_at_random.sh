# Sourced by the crash tests (crash_resume_e2e.sh, pbt_crash_resume_e2e.sh): SIGKILL
# of an MPI study at a random moment. Needs $binary, $tmp (the job's log is $tmp/log,
# the study's paths contain $tmp) and $job (mpirun's pid, from the caller's launch).

rank_pids() {  # the mpitune processes of the running job, rank 0 first
  pgrep -f "$binary (run|resume) .*$tmp" | sort -n
}

# Until rank 0 of the launch just made has opened the study and its workers joined
# (a kill before that tests nothing new), or the job is over.
launches=0
wait_started() {
  launches=$((launches + 1))
  for _ in $(seq 1 600); do
    [[ $(grep -c '^rank 0: worker rank 2 .* joined' "$tmp/log") -ge $launches ]] && return 0
    kill -0 $job 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# After `sleep 0.<$1>`, kill number $2 (counting from 0): the whole job, rank 0 alone
# or one worker alone, in turn; then whatever is left. Sets `what`; fails (status 1)
# when the study had finished meanwhile.
kill_at_random() {
  sleep "0.$1"
  mapfile -t pids < <(rank_pids)
  [[ ${#pids[@]} -gt 0 ]] || return 1
  case $(($2 % 3)) in
    0) what="SIGKILL of the whole job"; kill -9 -- -"$(ps -o pgid= "${pids[0]}" | tr -d ' ')" 2>/dev/null ;;
    1) what="SIGKILL of rank 0"; kill -9 "${pids[0]}" 2>/dev/null ;;
    2) what="SIGKILL of a worker"; kill -9 "${pids[${#pids[@]}-1]}" 2>/dev/null ;;
  esac
  # mpirun tears the rest of the job down; anything left is killed too.
  for _ in $(seq 1 100); do kill -0 $job 2>/dev/null || break; sleep 0.05; done
  pkill -9 -f "$tmp/" 2>/dev/null
  wait $job 2>/dev/null
  return 0
}
