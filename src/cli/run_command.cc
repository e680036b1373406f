// `mpitune run`: a whole study in this process, one trial at a time, or under
// mpirun over MPI (run_mpi.cc).
#include <memory>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "cli/cli_errors.h"
#include "cli/commands.h"
#include "cli/results_table.h"
#include "cli/run_mpi.h"
#include "cli/stop_signal.h"
#include "cli/storage_check.h"
#include "mpitune/clock.h"
#include "mpitune/local_runner.h"
#include "mpitune/mpi_runtime.h"
#include "mpitune/scheduler.h"
#include "runtime/command_trial_runner.h"
#include "runtime/local_command_runner.h"
#include "runtime/worker_device.h"

namespace mpitune::cli {
namespace {

constexpr std::size_t kTableRows = 10;

void PrintRungs(const Scheduler& scheduler) {
  fmt::print("rungs:\n");
  for (const std::string& line : scheduler.DescribeRungs()) fmt::print("  {}\n", line);
}

}  // namespace

void PrintResults(const StudyConfig& config, const Scheduler& scheduler, const LocalRunSummary& summary) {
  PrintRungs(scheduler);
  fmt::print("\n{}\n", FormatResultsTable(scheduler, config.metric, kTableRows));
  fmt::print("{}\n", FormatStateCounts(scheduler));
  fmt::print("{}\n", FormatBestTrial(scheduler, config.metric));
  if (summary.failures > 0) fmt::print("failures: {} (last: {})\n", summary.failures, summary.last_failure);
  fmt::print("elapsed: {} wall, {} trials run, {} reports\n", FormatSeconds(summary.wall_seconds),
             summary.trials_started, summary.reports);
}

CLI::App* AddRunCommand(CLI::App& app, RunCommandOptions& options) {
  CLI::App* command = app.add_subcommand("run", "Run a study in this process, one trial at a time");
  command->add_option("CONFIG", options.config_path, "Study config file (YAML)")->required()->type_name("PATH");
  command
      ->add_option_function<std::string>(
          "--storage", [&options](const std::string& path) { options.storage = path; },
          "Study file to write (overrides study.storage)")
      ->type_name("PATH");
  AddOverrideOptions(*command, options.overrides);
  return command;
}

int RunRunCommand(const RunCommandOptions& options) {
  return LaunchedByMpirun() ? RunUnderMpirun(options) : RunInThisProcess(options);
}

int RunInThisProcess(const RunCommandOptions& options) {
  Result<StudyConfig> loaded = LoadStudy(options.config_path, options.overrides);
  if (!loaded.ok()) return ReportError(loaded.status());
  StudyConfig& config = *loaded;
  std::unique_ptr<Objective> objective;
  if (config.trial.command.empty()) {
    Result<std::unique_ptr<Objective>> builtin = MakeBuiltinObjective(config, "");
    if (!builtin.ok()) return ReportError(builtin.status());
    objective = std::move(*builtin);
  }
  if (options.storage) config.storage = *options.storage;
  const std::string storage_key = options.storage ? "--storage" : config.source + ": study.storage";
  if (const Status status = CheckStorageDirectory(config.storage, storage_key); !status.ok()) {
    return ReportError(status);
  }

  fmt::print("{}\n", DescribeStudy(config));
  fmt::print("storage: {} (study file written once the HDF5 store lands)\n", config.storage);
  std::fflush(stdout);

  const std::unique_ptr<Scheduler> scheduler = MakeScheduler(config.space, config.scheduler);
  const std::unique_ptr<Clock> clock = MakeSteadyClock();
  const std::atomic<bool>& stop_requested = InstallStopSignalHandlers();
  Result<LocalRunSummary> summary = Status::Internal("no runner");
  if (objective) {
    LocalRunOptions run_options;
    run_options.report_every = ReportEvery(config, options.overrides);
    summary = RunInProcess(*scheduler, *objective, *clock, run_options, &stop_requested);
  } else {
    // This process is the only worker: it gets the first device, as worker 0 of 1.
    const CommandRunnerSettings settings =
        MakeCommandRunnerSettings(config, PickWorkerDevice(0, 1, config.resources));
    summary = RunCommandTrialsInProcess(*scheduler, config, settings, *clock, &stop_requested);
  }
  if (!summary.ok()) return ReportError(summary.status());

  PrintResults(config, *scheduler, *summary);
  std::fflush(stdout);
  if (summary->interrupted) {
    PrintError(fmt::format("interrupted by {} after {} trials; the results above are partial",
                           ReceivedStopSignalName(), summary->trials_started));
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace mpitune::cli
