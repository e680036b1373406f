#include "runtime/mpi/launch_environment.h"

#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

namespace mpitune {
namespace {

// A non-negative decimal integer, else nullopt: a malformed value says as little as
// an absent one.
std::optional<int> ParseCount(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  int value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size() || value < 0) return std::nullopt;
  return value;
}

// What to launch with instead, for a refusal.
std::string Alternative(const LaunchEnvironment& launch) {
  switch (launch.launcher) {
    case Launcher::kSrunPmix:
      return "launch with mpirun inside the allocation, or check that Slurm's PMIx and Open MPI's agree";
    case Launcher::kSrunPmi2:
    case Launcher::kSrunNoWiring:
      return "launch with `srun --mpi=pmix` or with mpirun inside the allocation";
    case Launcher::kMpirun:
      return "check that mpirun comes from the Open MPI mpitune was built with";
    case Launcher::kPmix:
    case Launcher::kNone:
      break;
  }
  return "launch with mpirun or `srun --mpi=pmix`";
}

constexpr std::string_view kAlone = ", so each task would run the whole study alone";

Status Refusal(const LaunchEnvironment& launch, std::string_view why) {
  return Status::BadInput(fmt::format("{} started {} tasks {}; {}", DescribeLauncher(launch), launch.size.value_or(0),
                                      why, Alternative(launch)));
}

}  // namespace

LaunchEnvironment ClassifyLaunch(const EnvLookup& lookup) {
  LaunchEnvironment launch;
  launch.slurm_mpi_type = lookup("SLURM_MPI_TYPE").value_or("none");
  const bool has_pmix = lookup("PMIX_RANK").has_value();

  // mpirun first: its ranks inside an sbatch job inherit the batch shell's
  // SLURM_PROCID=0, and under mpirun from a job step the step's variables too.
  if (lookup("OMPI_COMM_WORLD_SIZE")) {
    launch.launcher = Launcher::kMpirun;
    launch.rank = ParseCount(lookup("OMPI_COMM_WORLD_RANK"));
    launch.size = ParseCount(lookup("OMPI_COMM_WORLD_SIZE"));
    return launch;
  }
  // srun sets both for every task of a job step; sbatch's batch shell has neither
  // (only SLURM_PROCID=0 and the job's SLURM_NTASKS, which say nothing about it).
  const std::optional<int> step_tasks = ParseCount(lookup("SLURM_STEP_NUM_TASKS"));
  if (lookup("SLURM_STEP_ID") && step_tasks && *step_tasks >= 1) {
    if (has_pmix) {
      launch.launcher = Launcher::kSrunPmix;
    } else if (lookup("PMI_RANK")) {
      launch.launcher = Launcher::kSrunPmi2;
    } else {
      launch.launcher = Launcher::kSrunNoWiring;
    }
    launch.size = step_tasks;
    launch.rank = ParseCount(lookup("SLURM_PROCID"));
    if (!launch.rank) launch.rank = ParseCount(lookup(has_pmix ? "PMIX_RANK" : "PMI_RANK"));
    return launch;
  }
  if (has_pmix) {
    // PMIx gives no world size in the environment: MPI_Init will tell.
    launch.launcher = Launcher::kPmix;
    launch.rank = ParseCount(lookup("PMIX_RANK"));
  }
  return launch;
}

LaunchEnvironment ClassifyLaunch(const std::map<std::string, std::string, std::less<>>& environment) {
  return ClassifyLaunch([&environment](std::string_view name) -> std::optional<std::string> {
    const auto found = environment.find(name);
    if (found == environment.end()) return std::nullopt;
    return found->second;
  });
}

LaunchEnvironment ClassifyThisLaunch() {
  return ClassifyLaunch([](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  });
}

std::string DescribeLauncher(const LaunchEnvironment& launch) {
  switch (launch.launcher) {
    case Launcher::kNone: return "no launcher";
    case Launcher::kMpirun: return "mpirun";
    case Launcher::kPmix: return "a PMIx launcher";
    case Launcher::kSrunPmix:
    case Launcher::kSrunPmi2:
    case Launcher::kSrunNoWiring: return "srun --mpi=" + launch.slurm_mpi_type;
  }
  return "an unknown launcher";
}

LaunchPlan PlanLaunch(const LaunchEnvironment& launch, const std::function<bool()>& mpi_supports_pmi2) {
  LaunchPlan plan;
  if (launch.launcher == Launcher::kNone) return plan;
  // One task needs no MPI, and MPI_Init could only fail there (it aborts a lone
  // `srun --mpi=none` task): run it like a plain shell's `mpitune run`.
  if (launch.size && *launch.size <= 1) return plan;
  switch (launch.launcher) {
    case Launcher::kSrunPmi2:
      if (mpi_supports_pmi2()) break;
      plan.action = LaunchAction::kRefuse;
      plan.refusal = Refusal(launch, fmt::format("but this Open MPI has no PMI-2 support{}", kAlone));
      return plan;
    case Launcher::kSrunNoWiring:
      plan.action = LaunchAction::kRefuse;
      plan.refusal = Refusal(launch, fmt::format("without PMIx or PMI-2 for MPI to join them{}", kAlone));
      return plan;
    default:
      break;
  }
  plan.action = LaunchAction::kStartMpi;
  return plan;
}

Status CheckMpiWorld(const LaunchEnvironment& launch, int world_size) {
  if (!launch.size || *launch.size == world_size) return Status::Ok();
  if (world_size == 1) return Refusal(launch, fmt::format("but MPI sees a world of 1 in each{}", kAlone));
  return Refusal(launch, fmt::format("but MPI sees a world of {}", world_size));
}

Status MpiStartFailure(const LaunchEnvironment& launch, const Status& failure) {
  if (!launch.size || *launch.size <= 1) return failure;
  return Refusal(launch, fmt::format("but MPI_Init failed ({})", failure.message()));
}

}  // namespace mpitune
