// A study in this one process: the coordinator and one worker over the in-process
// transport, stepped in turn on this thread. It is the very code of an MPI study with
// world size 1, so whatever a decision does (a pause, an exploit, a stop) is done the
// same way in both.
#pragma once

#include <atomic>
#include <functional>
#include <cstdint>
#include <string>

#include "base/clock.h"
#include "mpitune/scheduler.h"
#include "mpitune/status.h"
#include "core/deadline_policy.h"
#include "runtime/coordinator/progress.h"
#include "runtime/run_summary.h"
#include "runtime/worker/worker.h"
#include "store/study_store.h"

namespace mpitune {

struct LocalStudyOptions {
  StudyStore* store = nullptr;  // null: the study is not stored
  WorkerOptions worker;         // its device, for the runs' records
  // As CoordinatorOptions: where the study stands, about every progress_every seconds.
  std::function<void(const StudyProgress&)> on_progress;
  double progress_every = 0.0;
  std::int64_t fail_fast = 0;   // see DispatcherOptions::fail_fast
  DeadlineOptions deadline = {};     // see DispatcherOptions::deadline
};

// Drives `scheduler` until it says Done, or until `*stop_requested` (may be null)
// turns true, in which case the running trial is interrupted (a resumed study
// re-queues it) and the summary says interrupted. A failing trial fails only itself.
Result<RunSummary> RunStudyInProcess(Scheduler& scheduler, ExecutionFactory executions, Clock& clock,
                                     const std::atomic<bool>* stop_requested, const LocalStudyOptions& options);

}  // namespace mpitune
