// How this process was launched, read from its environment before MPI starts, and
// what `mpitune run` does about it. Pure: the environment comes in as a lookup, so
// tests feed the variable sets captured from real launchers.
//
// What each launcher sets, observed on Debian 12 (Slurm 22.05 with MpiDefault=pmix,
// Open MPI 4.1.4, PMIx 4.2; tests/runtime/launch_env/ holds the captured sets;
// "-" = unset, "n" = the task count, "r" = the task's rank):
//
//   launch                 STEP_ID  PROCID  STEP_NUM_TASKS  NTASKS  other
//   plain shell            -        -       -               -
//   sbatch's batch shell   -        0       -               -n      -
//   salloc's shell         -        -       -               -n      -
//   srun --mpi=pmix        0        r       n               n       MPI_TYPE=pmix, PMIX_RANK=r
//   srun --mpi=pmi2        0        r       n               n       MPI_TYPE=pmi2, PMI_RANK=r, PMI_SIZE=n, PMI_FD
//   srun --mpi=none        0        r       n               n       (no MPI_TYPE)
//   mpirun in a shell      -        -       -               -       OMPI_COMM_WORLD_RANK=r/SIZE=n, PMIX_RANK=r
//   mpirun in sbatch       -        0       -               -n      as above; PROCID=0 on EVERY rank
//   mpirun in an srun task the task's step variables                as above
//
// (STEP_ID is SLURM_STEP_ID, and so on.) So Open MPI's own variables win over
// Slurm's, and only a job step (SLURM_STEP_ID with SLURM_STEP_NUM_TASKS, both set
// by srun) counts as launched by Slurm: the batch shell's SLURM_PROCID=0 and
// SLURM_NTASKS say nothing about this process. One blind spot: a batch script
// submitted from inside a job step inherits that step's variables (sbatch passes
// the environment on) and looks like the step; with several tasks it is refused.
//
// Debian's Open MPI 4.1 can only be direct-launched with PMIx: under
// `srun --mpi=pmi2` or `--mpi=none` its MPI_Init prints a page and aborts the task
// (exit 1) whatever the task count, so the run command decides before MPI_Init.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "mpitune/status.h"

namespace mpitune {

enum class Launcher {
  kNone,          // no launcher: a shell, sbatch's batch shell, salloc's shell
  kMpirun,        // Open MPI's mpirun/mpiexec (OMPI_COMM_WORLD_SIZE)
  kSrunPmix,      // a Slurm job step wired with PMIx (srun --mpi=pmix)
  kSrunPmi2,      // a Slurm job step wired with PMI-2 (srun --mpi=pmi2)
  kSrunNoWiring,  // a Slurm job step with neither (srun --mpi=none, or another plugin)
  kPmix,          // another PMIx launcher (PMIX_RANK outside mpirun and Slurm steps)
};

struct LaunchEnvironment {
  Launcher launcher = Launcher::kNone;
  std::optional<int> rank;     // this task's rank, as the launcher announced it
  std::optional<int> size;     // how many tasks the launcher started
  std::string slurm_mpi_type;  // srun's --mpi, for messages ("none" when unset)

  // The task that speaks for all of them when they all refuse to start.
  bool first_task() const { return rank.value_or(0) == 0; }
};

// Returns the variable's value, or nullopt when it is unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

LaunchEnvironment ClassifyLaunch(const EnvLookup& lookup);
LaunchEnvironment ClassifyLaunch(const std::map<std::string, std::string, std::less<>>& environment);
// This process's own environment (getenv).
LaunchEnvironment ClassifyThisLaunch();

// "mpirun", "srun --mpi=pmi2", ...: the launcher as the user typed it.
std::string DescribeLauncher(const LaunchEnvironment& launch);

enum class LaunchAction {
  kSingleProcess,  // the whole study in this process, without MPI
  kStartMpi,       // MPI_Init, then rank 0 coordinates the others
  kRefuse,         // several tasks that MPI cannot join: each would run the study alone
};

struct LaunchPlan {
  LaunchAction action = LaunchAction::kSingleProcess;
  Status refusal;  // kRefuse: the one line to print (a BadInput: exit code 2)
};

// `mpi_supports_pmi2` is asked only for a PMI-2 step of several tasks.
LaunchPlan PlanLaunch(const LaunchEnvironment& launch, const std::function<bool()>& mpi_supports_pmi2);

// After MPI_Init: ok when MPI's world holds every task the launcher started.
Status CheckMpiWorld(const LaunchEnvironment& launch, int world_size);

// MPI_Init failed: with several tasks started this is a refusal (exit code 2),
// otherwise `failure` as it is.
Status MpiStartFailure(const LaunchEnvironment& launch, const Status& failure);

}  // namespace mpitune
