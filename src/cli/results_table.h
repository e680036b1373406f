// The end-of-study report: the best trials as a table, counts by state and the
// best configuration. Pure functions of the scheduler's records, so two runs with
// the same seed print the same text.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "mpitune/scheduler.h"

namespace mpitune::cli {

// All trials, best first: the scheduler's BestTrial, then by the highest budget
// reached, then by the value at that budget in the metric's direction, then by
// id; failed and lost trials last.
std::vector<const TrialRecord*> RankTrials(const Scheduler& scheduler);

// The first `limit` ranked trials, columns trial, state, budget, <metric> and one
// per parameter; lines end with '\n'.
std::string FormatResultsTable(const Scheduler& scheduler, const std::string& metric, std::size_t limit);

// "trials: 60 (completed 3, stopped 52, paused 0, ...)" with zero counts left out.
std::string FormatStateCounts(const Scheduler& scheduler);

// "best: trial 17, loss 0.398 at budget 27, x1=3.14 x2=2.27", or "best: none".
std::string FormatBestTrial(const Scheduler& scheduler, const std::string& metric);

// Wall times for humans: "0.000412 s" for tiny runs, "12.345 s" otherwise.
std::string FormatSeconds(double seconds);

}  // namespace mpitune::cli
