// The single-process runner: world size 1, where this process is both the
// coordinator (it runs the scheduler) and the only worker (it runs the trials of a
// built-in objective, one at a time, for real). The MPI runtime uses it when it
// finds itself alone.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "mpitune/clock.h"
#include "mpitune/objective.h"
#include "mpitune/run_observer.h"
#include "mpitune/scheduler.h"
#include "mpitune/status.h"

namespace mpitune {

struct LocalRunOptions {
  // Trials report at every multiple of this many budget units and at their
  // target budget (the same report grid as the simulator). Must be > 0.
  double report_every = 1.0;
  // The study store (null: not stored): keeps paused trials' checkpoints, hears how
  // failed runs ended, and is ticked after every report.
  RunObserver* observer = nullptr;
};

struct LocalRunSummary {
  std::int64_t trials_started = 0;  // distinct trials that got a worker
  std::int64_t assignments = 0;     // starts and resumes
  std::int64_t reports = 0;         // metrics passed to Scheduler::Report
  std::int64_t failures = 0;        // runs that ended with kFailed (or, command trials, kTimedOut)
  double wall_seconds = 0.0;        // on the given clock
  bool interrupted = false;         // stopped by `stop_requested`, not by Done
  std::string last_failure;         // "trial N: <what the objective threw>", if any
};

// Drives `scheduler` until it says Done, or until `*stop_requested` becomes true
// (may be null), in which case the running trial is finished as kInterrupted (so
// a resumed study re-queues it) and the summary says interrupted. An exception from
// the objective fails that trial only. A Wait from the scheduler while nothing runs
// can never end and is reported as an internal error.
Result<LocalRunSummary> RunInProcess(Scheduler& scheduler, const Objective& objective, Clock& clock,
                                     const LocalRunOptions& options,
                                     const std::atomic<bool>* stop_requested);

}  // namespace mpitune
