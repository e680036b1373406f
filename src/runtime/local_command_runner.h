// The single-process runner for command trials: this process runs the scheduler and
// the trials' processes, one at a time, with the same per-trial driver as the MPI
// workers (command_trial_runner.h).
#pragma once

#include <atomic>

#include "mpitune/clock.h"
#include "mpitune/local_runner.h"
#include "mpitune/run_observer.h"
#include "mpitune/scheduler.h"
#include "mpitune/status.h"
#include "mpitune/study_config.h"
#include "runtime/command_trial_runner.h"

namespace mpitune {

// As RunInProcess (local_runner.h): until Done, or until `*stop_requested` (may be
// null), which interrupts the running trial's process and ends the run.
Result<LocalRunSummary> RunCommandTrialsInProcess(Scheduler& scheduler, const StudyConfig& config,
                                                  const CommandRunnerSettings& settings, Clock& clock,
                                                  const std::atomic<bool>* stop_requested, RunObserver* observer = nullptr);

}  // namespace mpitune
