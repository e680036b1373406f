// `mpitune run` and `mpitune resume`: a whole study in this process, one trial at a
// time, or under mpirun over MPI (run_mpi.cc); either way stored in its study file.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/cli_errors.h"
#include "cli/commands.h"
#include "cli/process_time.h"
#include "cli/results_table.h"
#include "cli/run_mpi.h"
#include "cli/stop_signal.h"
#include "cli/storage_check.h"
#include "base/clock.h"
#include "mpitune/scheduler.h"
#include "runtime/local_study.h"
#include "runtime/mpi/launch_environment.h"
#include "runtime/mpi/mpi_runtime.h"
#include "runtime/mpi/pmi2_support.h"
#include "runtime/worker/worker_setup.h"
#include "study/study_builder.h"

namespace mpitune::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kTableRows = 10;

void PrintStudy(const Study& study) {
  fmt::print("rungs:\n");
  for (const std::string& line : FormatRungs(study)) fmt::print("  {}\n", line);
  fmt::print("\n{}\n", FormatResultsTable(study, kTableRows));
  fmt::print("{}\n", FormatStateCounts(study));
  fmt::print("{}\n", FormatBestTrial(study));
  if (const std::string lines = FormatMetricLines(study.runs); !lines.empty()) fmt::print("{}\n", lines);
}

bool IsFailure(TrialState state) { return state == TrialState::kFailed || state == TrialState::kLost; }

// "trial 6: exited with code 7": the study's last failed run, its message's first line.
std::string LastFailure(const Study& study) {
  for (auto run = study.runs.rbegin(); run != study.runs.rend(); ++run) {
    if (!run->finished || (run->outcome != TrialOutcome::kFailed && run->outcome != TrialOutcome::kTimedOut &&
                           run->outcome != TrialOutcome::kLost)) {
      continue;
    }
    return fmt::format("trial {}: {}", run->trial, run->message.substr(0, run->message.find('\n')));
  }
  return "none recorded";
}

// One line for a study that ended without a trial that succeeded; exit 3.
int ReportNoSuccess(const Study& study) {
  const auto failed = std::count_if(study.trials.begin(), study.trials.end(),
                                    [](const StudyTrial& trial) { return IsFailure(trial.state); });
  const std::size_t trials = study.trials.size();
  if (static_cast<std::size_t>(failed) == trials) {
    PrintError(fmt::format("no trial succeeded: all {} trials failed (last: {})", trials, LastFailure(study)));
  } else {
    PrintError(fmt::format("no trial succeeded: none of the {} trials has a finite {} ({} failed, last: {})", trials,
                           study.metric, failed, LastFailure(study)));
  }
  return kExitNoSuccess;
}

void PrintRunFigures(const RunSummary& summary) {
  if (summary.failures > 0) fmt::print("failures: {} (last: {})\n", summary.failures, summary.last_failure);
  if (summary.time_budget_from_ratio > 0.0) {
    fmt::print("time budget set from study.expected_time_ratio and the measured cost: {}\n",
               FormatSeconds(summary.time_budget_from_ratio));
  }
  if (!summary.replans.empty()) {
    const RunSummary::Replan& first = summary.replans.front();
    std::string trials = fmt::format("max_trials {}", first.max_trials_before);
    std::string budgets = fmt::format("max_budget {:g}", first.max_budget_before);
    bool trials_moved = false;
    bool budget_moved = false;
    for (const RunSummary::Replan& replan : summary.replans) {
      if (replan.max_trials_after != replan.max_trials_before) {
        trials += fmt::format(" -> {}", replan.max_trials_after);
        trials_moved = true;
      }
      if (replan.max_budget_after != replan.max_budget_before) {
        budgets += fmt::format(" -> {:g}", replan.max_budget_after);
        budget_moved = true;
      }
    }
    std::vector<std::string> changes;
    if (trials_moved) changes.push_back(trials);
    if (budget_moved) changes.push_back(budgets);
    fmt::print("time plan re-made from measured costs: {} (last at {:g} s a budget unit)\n", fmt::join(changes, ", "),
               summary.replans.back().unit_seconds);
  }
  fmt::print("elapsed: {} in all ({} in the study loop), {} trials run, {} reports\n",
             FormatSeconds(SecondsSinceProcessStart()), FormatSeconds(summary.wall_seconds), summary.trials_started,
             summary.reports);
}

}  // namespace

Study PrintResults(OpenedStudy& opened, const RunSummary& summary) {
  StudyParts parts;
  parts.path = opened.store ? opened.store->path() : "";
  parts.definition = &opened.definition;
  parts.scheduler = &opened.scheduler();
  // The store has every run of the study, earlier processes' included.
  parts.runs = opened.store ? &opened.store->history().runs : &summary.runs;
  Study study = BuildStudy(parts);
  PrintStudy(study);
  if (!opened.config.trial.command.empty()) {
    fmt::print("trial output: {}/<trial>/ (stdout.log, stderr.log, params.json, checkpoint/){}\n",
               TrialsDirectory(opened.config), opened.store ? "" : ", removed at the end (--no-store)");
  }
  PrintRunFigures(summary);
  return study;
}

namespace {

void AddProgressOptions(CLI::App& command, RunCommandOptions& options) {
  command.add_flag("-q,--quiet", options.quiet, "Show no progress line while the study runs");
  command
      .add_option_function<double>(
          "--progress-every", [&options](const double& seconds) { options.progress_every = seconds; },
          "Seconds between progress lines on stderr (default: 0.5 on a terminal, rewritten in place; 30 "
          "otherwise, as plain lines)")
      ->type_name("S")
      ->check(PositiveNumber());
}

}  // namespace

CLI::App* AddRunCommand(CLI::App& app, RunCommandOptions& options) {
  CLI::App* command = app.add_subcommand(
      "run", "Run a study (or go on with it, when its study file exists), in this process or under mpirun");
  command->add_option("CONFIG", options.config_path, "Study config file (YAML)")->required()->type_name("PATH");
  command
      ->add_option_function<std::string>(
          "--storage", [&options](const std::string& path) { options.storage = path; },
          "Study file to write (overrides study.storage)")
      ->type_name("PATH");
  command->add_flag("--force-new", options.force_new,
                    "When the study file holds another study, rename it aside and start a new one");
  command->add_flag("--no-store", options.no_store,
                    "Write no study file: nothing is saved and the run cannot be resumed (benchmarks)");
  command
      ->add_option_function<std::string>(
          "--space-from-easyrec", [&options](const std::string& path) { options.overrides.space_from = path; },
          "Search space from EasyRec's hyperparams.json or an NNI search_space.json (replaces space_from)")
      ->type_name("FILE");
  AddProgressOptions(*command, options);
  AddTimeBudgetOption(*command, options.time_budget);
  AddOverrideOptions(*command, options.overrides);
  return command;
}

CLI::App* AddResumeCommand(CLI::App& app, RunCommandOptions& options) {
  CLI::App* command =
      app.add_subcommand("resume", "Go on with the study stored in a study file, with the config stored there");
  command
      ->add_option_function<std::string>(
          "FILE", [&options](const std::string& path) { options.resume_path = path; }, "Study file (HDF5)")
      ->required()
      ->type_name("PATH");
  AddProgressOptions(*command, options);
  AddTimeBudgetOption(*command, options.time_budget);
  return command;
}

int RunRunCommand(const RunCommandOptions& options) {
  // Decided before MPI starts (and before any file is opened): a launch whose tasks
  // MPI cannot join must not run one study per task against the same file.
  const LaunchEnvironment launch = ClassifyThisLaunch();
  const LaunchPlan plan = PlanLaunch(launch, MpiSupportsPmi2);
  if (plan.action == LaunchAction::kRefuse) return ReportLaunchRefusal(launch, plan.refusal);
  // mpirun and srun forward SIGTERM/SIGINT/SIGUSR1 to every rank at any moment,
  // loading and resuming included, and their default action kills: rank 0 (or the
  // single process) turns them into a clean stop from the start; workers ignore
  // them and wait for rank 0's word.
  const bool start_mpi = plan.action == LaunchAction::kStartMpi;
  if (start_mpi && !launch.first_task()) {
    for (int signal_number : {SIGTERM, SIGINT, SIGUSR1}) std::signal(signal_number, SIG_IGN);
  } else {
    InstallStopSignalHandlers();
  }
  return start_mpi ? RunUnderMpirun(options, launch) : RunInThisProcess(options);
}

std::unique_ptr<ProgressLine> MakeProgressLine(const RunCommandOptions& options, const StudyConfig& config) {
  if (options.quiet) return nullptr;
  auto line = std::make_unique<ProgressLine>(stderr, config.metric, ::isatty(STDERR_FILENO) != 0);
  if (options.progress_every) line->set_every(*options.progress_every);
  return line;
}

Result<StudyConfig> LoadRunConfig(const RunCommandOptions& options) {
  Result<StudyConfig> loaded = LoadStudy(options.config_path, options.overrides);
  if (!loaded.ok()) return loaded.status();
  StudyConfig config = std::move(*loaded);
  if (options.storage) config.storage = *options.storage;
  config.trial.report_every = ReportEvery(config, options.overrides);
  // Every rank plans alike (the plan depends on the config and the worker count only).
  config.time_budget_seconds = TimeBudgetOf(config, options.time_budget);
  Result<std::optional<TimePlan>> plan = ApplyTimePlan(config, config.time_budget_seconds, options.workers);
  if (!plan.ok()) return plan.status();
  if (options.no_store) config.trials_dir = UnsavedTrialsDirectory(config);
  return config;
}

std::string UnsavedTrialsDirectory(const StudyConfig& config) {
  // Every rank of one MPI job computes the same name (PMIx names the job); a single
  // process takes its pid. Beside the study file's place, which the ranks share.
  const char* job = std::getenv("PMIX_NAMESPACE");
  std::string id = job != nullptr ? job : std::to_string(::getpid());
  std::replace_if(id.begin(), id.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '-');
  std::error_code error;
  fs::path storage = fs::absolute(fs::path(config.storage), error);
  if (error) storage = fs::path(config.storage);
  return (storage.parent_path() / fmt::format(".{}.unsaved-{}.trials", config.name, id)).string();
}

void RemoveUnsavedTrials(const RunCommandOptions& options, const StudyConfig& config) {
  if (!options.no_store || config.trials_dir.empty()) return;
  std::error_code ignored;
  fs::remove_all(config.trials_dir, ignored);
}

namespace {

// The time budget a run asks for replaces a resumed study's stored one from now on
// (`resume FILE --time-budget`, or `run CONFIG` whose config or --time-budget says
// another): the file keeps it (a snapshot at once) for later resumes, status and report.
Status ApplyRequestedTimeBudget(std::optional<double> requested, OpenedStudy& opened) {
  if (!requested || opened.start != StudyStart::kResumed) return Status::Ok();
  if (opened.config.time_budget_seconds == *requested) return Status::Ok();
  opened.config.time_budget_seconds = *requested;
  opened.definition.time_budget = *requested;
  if (!opened.store) return Status::Ok();
  return opened.store->SetTimeBudget(*requested);
}

Result<OpenedStudy> OpenStudyFor(const RunCommandOptions& options, std::optional<double>& requested_budget) {
  requested_budget = options.time_budget;
  if (options.resume_path) return OpenStoredStudy(*options.resume_path);
  Result<StudyConfig> config = LoadRunConfig(options);
  if (!config.ok()) return config.status();
  // A config without a budget (or whose ratio waits for a measured cost) keeps the
  // stored one.
  if (config->time_budget_seconds > 0.0) requested_budget = config->time_budget_seconds;
  const std::string storage_key = options.storage ? "--storage" : config->source + ": study.storage";
  if (options.no_store) return OpenUnstoredStudy(*config);
  std::error_code error;
  if (config->storage.ends_with('/') || fs::is_directory(config->storage, error)) {
    return Status::BadInput(fmt::format("{}: '{}' is a directory; name the study file in it, e.g. {}/{}.h5",
                                        storage_key, config->storage,
                                        std::string_view(config->storage).substr(0, config->storage.find_last_not_of('/') + 1),
                                        config->name));
  }
  MPITUNE_RETURN_IF_ERROR(CheckStorageDirectory(config->storage, storage_key));
  return OpenStudyForRun(*config, options.force_new);
}

}  // namespace

Result<OpenedStudy> OpenRunStudy(const RunCommandOptions& options) {
  std::optional<double> requested_budget;
  Result<OpenedStudy> opened = OpenStudyFor(options, requested_budget);
  if (opened.ok()) MPITUNE_RETURN_IF_ERROR(ApplyRequestedTimeBudget(requested_budget, *opened));
  return opened;
}

DeadlineOptions StudyDeadline(const OpenedStudy& opened) {
  return DeadlineFor(opened.config, opened.config.time_budget_seconds);
}

void PrintTimeBudget(const OpenedStudy& opened) {
  const double budget = opened.config.time_budget_seconds;
  if (budget <= 0.0) return;
  fmt::print("time budget: {}, {} used{}\n", FormatSeconds(budget), FormatSeconds(opened.time_offset),
             opened.config.derived.empty()
                 ? std::string()
                 : fmt::format("; derived by the time plan: {}", fmt::join(opened.config.derived, ", ")));
}

int ReportFinishedStudy(OpenedStudy& opened) {
  fmt::print("{}\n{}\n", DescribeStudy(opened.config), opened.note);
  const Study study = BuildStudy(*opened.finished, /*with_reports=*/false);
  PrintStudy(study);
  PrintRunFigures(RunSummary{});
  std::fflush(stdout);
  return study.best ? kExitOk : ReportNoSuccess(study);
}

int EndRun(OpenedStudy& opened, const RunSummary& summary, const Study& study) {
  if (opened.store) {
    const Status closed = opened.store->Close();
    if (!closed.ok()) return ReportError(closed);
  } else if (summary.interrupted) {
    PrintError(fmt::format("interrupted by {} after {} trials; nothing was stored (--no-store)",
                           ReceivedStopSignalName(), summary.trials_started));
    return kExitFailure;
  }
  if (summary.interrupted) {
    PrintError(fmt::format("interrupted by {} after {} trials; the study is saved in {}: `mpitune resume {}` (or the "
                           "same `mpitune run`) goes on",
                           ReceivedStopSignalName(), summary.trials_started, opened.config.storage,
                           opened.config.storage));
    return kExitStoppedResumable;
  }
  if (summary.failed_fast) {
    const std::int64_t limit = opened.config.trial.fail_fast;
    const bool resumed = opened.start == StudyStart::kResumed;
    PrintError(fmt::format("the first {} trials {}all failed{} (trial.fail_fast: {}), so no more were started; "
                           "last: {}; {}",
                           limit, resumed ? "of this run " : "", resumed ? ", and none of the study's succeeded" : "",
                           limit, summary.last_failure,
                           opened.store ? fmt::format("once the cause is fixed, `mpitune resume {}` goes on",
                                                      opened.config.storage)
                                        : std::string("nothing was stored (--no-store)")));
    return kExitNoSuccess;
  }
  if (summary.deadline_reached) {
    fmt::print("deadline reached: the study has used {} of its time budget; it ended by its deadline{}\n",
               FormatSeconds(opened.time_offset + summary.wall_seconds),
               opened.store ? fmt::format(" (a larger --time-budget on `mpitune resume {}` goes on)",
                                          opened.config.storage)
                            : std::string());
    std::fflush(stdout);
  }
  if (!study.best) return ReportNoSuccess(study);
  return kExitOk;
}

int RunInThisProcess(const RunCommandOptions& options) {
  Result<OpenedStudy> opened = OpenRunStudy(options);
  if (!opened.ok()) return ReportError(opened.status());
  if (opened->start == StudyStart::kFinished) return ReportFinishedStudy(*opened);
  const StudyConfig& config = opened->config;
  const std::unique_ptr<Clock> clock = MakeSteadyClock(opened->time_offset);
  // This process is the only worker: it gets the first device, as worker 0 of 1.
  Result<std::unique_ptr<WorkerSetup>> setup = PrepareWorker(config, 0, 1, *clock);
  if (!setup.ok()) return ReportError(setup.status());

  fmt::print("{}\n", DescribeStudy(config));
  fmt::print("storage: {}\n", opened->note);
  PrintTimeBudget(*opened);
  std::fflush(stdout);

  const std::atomic<bool>& stop_requested = InstallStopSignalHandlers();
  LocalStudyOptions local;
  local.store = opened->store.get();
  local.worker = (*setup)->options;
  const std::unique_ptr<ProgressLine> progress = MakeProgressLine(options, config);
  if (progress) {
    local.on_progress = [&progress](const StudyProgress& now) { progress->Show(now); };
    local.progress_every = progress->every();
  }
  local.fail_fast = config.trial.fail_fast;
  local.deadline = StudyDeadline(*opened);
  Result<RunSummary> summary =
      RunStudyInProcess(opened->scheduler(), (*setup)->executions, *clock, &stop_requested, local);
  if (!summary.ok()) {
    // What was recorded stays: the file is the last snapshot plus the journal.
    if (opened->store) (void)opened->store->Close();
    RemoveUnsavedTrials(options, config);
    return ReportError(summary.status());
  }

  if (progress) progress->Clear();
  const Study study = PrintResults(*opened, *summary);
  std::fflush(stdout);
  RemoveUnsavedTrials(options, config);
  return EndRun(*opened, *summary, study);
}

}  // namespace mpitune::cli
