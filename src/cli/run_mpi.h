// `mpitune run` under mpirun: rank 0 coordinates, the other ranks run trials.
#pragma once

#include <memory>

#include "cli/commands.h"
#include "cli/progress_line.h"
#include "cli/study_open.h"
#include "core/deadline_policy.h"
#include "runtime/run_summary.h"
#include "mpitune/scheduler.h"
#include "config/study_config.h"
#include "mpitune/study.h"
#include "runtime/mpi/launch_environment.h"

namespace mpitune::cli {

// Starts MPI; with one rank it runs the study as RunInThisProcess does. When
// `launch` announced several tasks and MPI fails to start, or its world does not
// hold them all, it refuses (exit code 2) before any file is opened. Exit codes as
// RunRunCommand's; only rank 0 prints the results.
int RunUnderMpirun(const RunCommandOptions& options, const LaunchEnvironment& launch);

// A launch refused: the first task prints `refusal`, the others exit quietly with
// the same code (all tasks print at once otherwise).
int ReportLaunchRefusal(const LaunchEnvironment& launch, const Status& refusal);

// The whole study in this process, no MPI (run_command.cc).
int RunInThisProcess(const RunCommandOptions& options);

// The rungs, the results table, the state counts, the best trial and the run's
// figures (run_command.cc); returns the study it printed.
Study PrintResults(OpenedStudy& opened, const RunSummary& summary);

// The progress line of a run on stderr (none with -q).
std::unique_ptr<ProgressLine> MakeProgressLine(const RunCommandOptions& options, const StudyConfig& config);

// `run --no-store` keeps command trials' folders apart from any stored study's, in a
// hidden folder beside the study file's place that the run removes at its end.
std::string UnsavedTrialsDirectory(const StudyConfig& config);
void RemoveUnsavedTrials(const RunCommandOptions& options, const StudyConfig& config);

// The effective config of a `run` (its file and command line; rank 0 broadcasts it).
Result<StudyConfig> LoadRunConfig(const RunCommandOptions& options);
// Rank 0 / the single process: the study the run goes on with (run_command.cc); a
// resume's --time-budget is stored in its file.
Result<OpenedStudy> OpenRunStudy(const RunCommandOptions& options);
// The study's deadline: its time budget (--time-budget, else the stored or configured
// study.time_budget; none without), in the study's own time, which goes on from
// `opened.time_offset`.
DeadlineOptions StudyDeadline(const OpenedStudy& opened);
// "time budget: 30 min, 4.1 min used; derived by the time plan: scheduler.max_trials"
// on stdout, when the study has a time budget.
void PrintTimeBudget(const OpenedStudy& opened);
// A finished study: its stored results, no work.
int ReportFinishedStudy(OpenedStudy& opened);
// Closes the store (final snapshot) and turns an interruption, fail fast or a study
// without a successful trial (`study`, as printed) into its message and exit code.
int EndRun(OpenedStudy& opened, const RunSummary& summary, const Study& study);

}  // namespace mpitune::cli
