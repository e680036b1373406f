// What a run of a study did, for the lines printed at its end and the tests: the same
// for a single-process study, an MPI study and the simulator.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mpitune/run_record.h"

namespace mpitune {

struct RunSummary {
  std::int64_t trials_started = 0;  // distinct trials that got a worker
  std::int64_t assignments = 0;     // starts and resumes
  std::int64_t reports = 0;         // metrics passed to Scheduler::Report
  std::int64_t failures = 0;        // runs that ended kFailed, kTimedOut or kLost
  std::int64_t lost_workers = 0;    // declared lost (silent past lost_after_seconds)
  double wall_seconds = 0.0;        // of the study loop, on its clock
  double last_assignment_at = -1.0; // clock time of the last hand-out
  bool interrupted = false;         // stopped by a stop request, not by Done
  bool failed_fast = false;         // stopped by fail fast: the first runs all failed
  bool deadline_reached = false;    // ended by the study's deadline (time_budget)
  bool all_workers_lost = false;    // ended because no worker was left
  std::string last_failure;         // "trial N: <message>" (with the rank under MPI)
  MetricLineCounts lines;           // command trials' metric lines that made no report
  std::vector<RunRecord> runs;      // in the order they were handed out (when kept)
  // The time plan re-made from measured costs: when, max_trials and max_budget before
  // and after, and the measured seconds per budget unit it used.
  struct Replan {
    double at = 0.0;
    std::int64_t max_trials_before = 0;
    std::int64_t max_trials_after = 0;
    double max_budget_before = 0.0;
    double max_budget_after = 0.0;
    double unit_seconds = 0.0;
  };
  std::vector<Replan> replans;
  // study.expected_time_ratio with no unit cost given: the budget the measured cost
  // set (0: none was set in this run).
  double time_budget_from_ratio = 0.0;
};

}  // namespace mpitune
