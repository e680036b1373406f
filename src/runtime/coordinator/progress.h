// Where a running study stands, as rank 0 sees it: for the live progress line of
// `mpitune run` (and anything else that wants to watch a study while it runs).
#pragma once

#include <cstdint>
#include <optional>

#include "mpitune/scheduler.h"
#include "runtime/run_summary.h"

namespace mpitune {

struct StudyProgress {
  double elapsed = 0.0;               // seconds since this process's loop started
  std::int64_t max_trials = 0;
  std::int64_t trials = 0;            // started over the study's life
  std::int64_t ended = 0;             // in a terminal state (completed, stopped, failed, lost)
  std::int64_t running = 0;
  std::int64_t paused = 0;            // waiting at a rung for a promotion
  std::int64_t failed = 0;            // failed or lost
  std::int64_t trials_this_run = 0;   // started by this process
  std::optional<TrialId> best;
  double best_value = 0.0;
};

// A pass over the trial table and the rungs: call it a few times a second at most.
StudyProgress MeasureProgress(const Scheduler& scheduler, const RunSummary& summary, double elapsed);

}  // namespace mpitune
