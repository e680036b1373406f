#include "cli/run_mpi.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "cli/cli_errors.h"
#include "cli/stop_signal.h"
#include "cli/worker_config.h"
#include "base/clock.h"
#include "runtime/coordinator/coordinator.h"
#include "runtime/coordinator/run_stats.h"
#include "runtime/mpi/mpi_runtime.h"
#include "runtime/worker/worker.h"
#include "runtime/worker/worker_setup.h"

namespace mpitune::cli {
namespace {

struct Setup {
  StudyConfig config;
  std::optional<OpenedStudy> opened;  // rank 0: the study file
  int rank_zero_failed_with = 0;      // a worker: rank 0's exit code when it failed to start
};

// What every rank needs before the loops start. Rank 0 opens the study (for command
// trials it also makes the trials folder) and broadcasts the effective config; the
// workers take it from there, so none of them opens the study file or the config
// file, and each checks it can use the trials folder (a node without the shared file
// system fails here, naming itself and the folder, before any trial is lost to it).
Result<Setup> LoadSetup(const RunCommandOptions& options, bool coordinator) {
  Setup setup;
  if (coordinator) {
    Result<OpenedStudy> opened = OpenRunStudy(options);
    if (opened.ok() && !opened->config.trial.command.empty()) {
      std::error_code error;
      const std::string trials = TrialsDirectory(opened->config);
      std::filesystem::create_directories(trials, error);
      if (error) opened = Status::Io(fmt::format("{}: cannot make the trials folder: {}", trials, error.message()));
    }
    const std::vector<std::uint8_t> message =
        opened.ok() ? EncodeWorkerConfig(opened->config, options.resume_path ? ConfigOrigin::kStored : ConfigOrigin::kUser)
                    : EncodeRankZeroFailure(ExitCodeFor(opened.status()));
    Result<std::vector<std::uint8_t>> sent = BroadcastFromRankZero(message);
    if (!opened.ok()) return opened.status();
    if (!sent.ok()) return sent.status();
    setup.config = opened->config;
    setup.opened.emplace(std::move(*opened));
  } else {
    Result<std::vector<std::uint8_t>> received = BroadcastFromRankZero({});
    if (!received.ok()) return received.status();
    Result<WorkerStart> start = DecodeWorkerStart(*received);
    if (!start.ok()) return start.status();
    if (!start->config) {
      setup.rank_zero_failed_with = start->rank_zero_exit_code;
      return setup;
    }
    setup.config = std::move(*start->config);
    if (!setup.config.trial.command.empty()) {
      MPITUNE_RETURN_IF_ERROR(CheckTrialsFolderVisible(setup.config.trials_dir));
    }
  }
  // A built-in objective that cannot be built fails every rank alike, before any work.
  if (setup.config.trial.command.empty()) {
    Result<std::unique_ptr<Objective>> objective = MakeBuiltinObjective(setup.config, "");
    if (!objective.ok()) return objective.status();
  }
  return setup;
}

// "trial runs by rank: 1 (cpu) 11, 2 (cpu) 10, 3 (cpu) 9"
void PrintRunsByRank(const RunSummary& summary) {
  std::map<int, std::pair<std::string, int>> by_rank;
  for (const RunRecord& run : summary.runs) {
    auto& [device, count] = by_rank[run.rank];
    device = run.device;
    ++count;
  }
  std::string line = "trial runs by rank:";
  const char* separator = " ";
  for (const auto& [rank, entry] : by_rank) {
    line += fmt::format("{}{} ({}) {}", separator, rank, entry.first, entry.second);
    separator = ", ";
  }
  fmt::print("{}\n", line);
}

// "turnaround (assign -> first report): median 0.21 ms, p99 1.30 ms over 1234 runs"
// "worker busy until the last hand-out: min 98.1%, mean 98.9%; until the end: ..."
void PrintRuntimeFigures(const RunSummary& summary) {
  const TurnaroundStats turnaround = MeasureTurnaround(summary.runs);
  if (turnaround.runs > 0) {
    fmt::print("turnaround (assign -> first report): median {:.2f} ms, p99 {:.2f} ms over {} runs\n",
               turnaround.median_seconds * 1e3, turnaround.p99_seconds * 1e3, turnaround.runs);
  }
  if (summary.runs.empty()) return;
  const double first = summary.runs.front().assigned_at;
  double last_end = first;
  for (const RunRecord& run : summary.runs) last_end = std::max(last_end, run.finished_at);
  const auto describe = [&](double to) {
    const std::map<int, double> busy = BusyFractionByRank(summary.runs, first, to);
    double low = 1.0;
    double sum = 0.0;
    for (const auto& [rank, fraction] : busy) {
      low = std::min(low, fraction);
      sum += fraction;
    }
    return fmt::format("min {:.1f}%, mean {:.1f}%", low * 100.0, sum / static_cast<double>(busy.size()) * 100.0);
  };
  // Before the last hand-out the scheduler always had work, so idle time there is the
  // runtime's; after it, workers wait for the last trials by the scheduler's design.
  fmt::print("worker busy until the last hand-out: {}; until the end: {}\n",
             summary.last_assignment_at > first ? describe(summary.last_assignment_at) : "n/a", describe(last_end));
  const double span = last_end - first;
  if (span > 0.0) {
    fmt::print("assignments: {} in {:.3f} s, {:.0f}/s\n", summary.assignments, span,
               static_cast<double>(summary.assignments) / span);
  }
}

int RunCoordinator(Setup& setup, Transport& transport, const RunCommandOptions& options) {
  const StudyConfig& config = setup.config;
  OpenedStudy& opened = *setup.opened;
  const bool finished = opened.start == StudyStart::kFinished;
  fmt::print("{}\n", DescribeStudy(config));
  fmt::print("storage: {}\n", opened.note);
  fmt::print("mpi: rank 0 coordinates {} worker ranks\n", transport.size() - 1);
  PrintTimeBudget(opened);
  std::fflush(stdout);

  const std::unique_ptr<Clock> clock = MakeSteadyClock(opened.time_offset);
  const std::atomic<bool>& stop_requested = InstallStopSignalHandlers();
  CoordinatorOptions coordinator_options;
  coordinator_options.log = stdout;
  coordinator_options.lost_after_seconds = config.trial.lost_after_seconds;
  coordinator_options.store = opened.store.get();
  const std::unique_ptr<ProgressLine> progress = finished ? nullptr : MakeProgressLine(options, config);
  if (progress) {
    coordinator_options.on_progress = [&progress](const StudyProgress& now) { progress->Show(now); };
    coordinator_options.progress_every = progress->every();
  }
  coordinator_options.fail_fast = config.trial.fail_fast;
  coordinator_options.deadline = StudyDeadline(opened);
  // A finished study hands out nothing: the loop only sends the workers home.
  Coordinator coordinator(opened.scheduler(), transport, *clock, &stop_requested, coordinator_options);
  Result<RunSummary> summary = coordinator.Run();
  if (!summary.ok()) {
    RemoveUnsavedTrials(options, config);
    // What was recorded stays: the file is the last snapshot plus the journal.
    if (opened.store) (void)opened.store->Close();
    return ReportError(summary.status().WithContext("rank 0"));
  }
  if (progress) progress->Clear();
  RemoveUnsavedTrials(options, config);
  if (finished) return ReportFinishedStudy(opened);

  const Study study = PrintResults(opened, *summary);
  PrintRunsByRank(*summary);
  PrintRuntimeFigures(*summary);
  std::fflush(stdout);
  if (summary->all_workers_lost) {
    if (opened.store) (void)opened.store->Close();
    PrintError(fmt::format("every worker rank was lost before the study finished ({} trials started); the study is "
                           "saved in {}",
                           summary->trials_started, config.storage));
    return kExitFailure;
  }
  return EndRun(opened, *summary, study);
}

int RunWorker(Setup& setup, Transport& transport, const std::optional<NodeWorkers>& place) {
  const int rank = transport.rank();
  // mpirun forwards SIGTERM, SIGINT and SIGUSR1 (Slurm's --signal) to every rank, and
  // their default action kills. Rank 0 decides how the study stops and tells the
  // workers, which stop their trials and say so; a worker that died here would leave
  // its trial's process (in a group of its own) running and its trial unaccounted for.
  signal(SIGUSR1, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  const std::unique_ptr<Clock> clock = MakeSteadyClock();
  Result<std::unique_ptr<WorkerSetup>> worker_setup =
      PrepareWorker(setup.config, place ? std::optional<int>(place->index) : std::nullopt, place ? place->count : 1,
                    *clock);
  if (!worker_setup.ok()) return ReportError(worker_setup.status().WithContext(fmt::format("rank {}", rank)));
  Worker worker((*worker_setup)->executions, transport, *clock, (*worker_setup)->options);
  if (Status status = worker.Run(); !status.ok()) return ReportError(status.WithContext(fmt::format("rank {}", rank)));
  return kExitOk;
}

}  // namespace

int ReportLaunchRefusal(const LaunchEnvironment& launch, const Status& refusal) {
  return launch.first_task() ? ReportError(refusal) : ExitCodeFor(refusal);
}

int RunUnderMpirun(const RunCommandOptions& options, const LaunchEnvironment& launch) {
  Result<std::unique_ptr<MpiSession>> session = MpiSession::Start();
  if (!session.ok()) return ReportLaunchRefusal(launch, MpiStartFailure(launch, session.status()));
  // Tasks that MPI did not join are each a world of their own, all rank 0: only the
  // launcher's rank can tell them apart.
  if (Status world = CheckMpiWorld(launch, (*session)->world_size()); !world.ok()) {
    return ReportLaunchRefusal(launch, world);
  }
  const int rank = (*session)->world_rank();
  if ((*session)->world_size() == 1) return RunInThisProcess(options);

  // Rank 0 plans for the workers there are (a time budget) and broadcasts the config as
  // planned, so workers run what the plan decided.
  RunCommandOptions planned = options;
  planned.workers = (*session)->world_size() - 1;
  Result<Setup> setup = LoadSetup(planned, rank == 0);
  // Bad input is found by rank 0; a worker speaks up only about its own failures (a
  // trials folder it cannot see, MPI).
  const bool all_ok = AllRanksOk(setup.ok() && setup->rank_zero_failed_with == 0);
  if (!setup.ok()) {
    if (rank == 0) return ReportError(setup.status());
    // A built-in objective that cannot be built fails rank 0 too, which says so.
    if (setup.status().kind() == ErrorKind::kBadInput) return ExitCodeFor(setup.status());
    return ReportError(setup.status().WithContext(fmt::format("rank {}", rank)));
  }
  // Rank 0 says why; its workers leave with its exit code.
  if (setup->rank_zero_failed_with != 0) return setup->rank_zero_failed_with;
  if (!all_ok) {
    if (rank == 0) PrintError("another rank failed to start; see its message");
    return kExitFailure;
  }
  Result<std::unique_ptr<Transport>> transport = MakeMpiTransport();
  if (!transport.ok()) return ReportError(transport.status().WithContext(fmt::format("rank {}", rank)));
  Result<std::optional<NodeWorkers>> place = FindNodeWorkers();
  if (!place.ok()) return ReportError(place.status().WithContext(fmt::format("rank {}", rank)));
  return rank == 0 ? RunCoordinator(*setup, **transport, planned) : RunWorker(*setup, **transport, *place);
}

}  // namespace mpitune::cli
