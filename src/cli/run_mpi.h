// `mpitune run` under mpirun: rank 0 coordinates, the other ranks run trials.
#pragma once

#include "cli/commands.h"
#include "mpitune/local_runner.h"
#include "mpitune/scheduler.h"
#include "mpitune/study_config.h"

namespace mpitune::cli {

// Starts MPI; with one rank it runs the study as RunInThisProcess does. Exit codes
// as RunRunCommand's; only rank 0 prints the results.
int RunUnderMpirun(const RunCommandOptions& options);

// The whole study in this process, no MPI (run_command.cc).
int RunInThisProcess(const RunCommandOptions& options);

// The rungs, the results table, the state counts and the best trial (run_command.cc).
void PrintResults(const StudyConfig& config, const Scheduler& scheduler, const LocalRunSummary& summary);

}  // namespace mpitune::cli
