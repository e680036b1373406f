// One simulated study under a time budget, end to end as `mpitune run` would do it:
// the time plan (core/time_plan.h) from a cost estimate that may be wrong, then the
// deadline applied by the runtime's Dispatcher in virtual time. The deadline grid
// test and bench/time_budget_grid_bench.cc run it over budgets, worker counts and
// estimate errors.
#pragma once

#include <cstdint>

#include "mpitune/scheduler.h"
#include "sim/simulator.h"

namespace mpitune {

struct BudgetedStudySpec {
  SchedulerKind kind = SchedulerKind::kAsha;
  double time_budget = 300.0;    // virtual seconds
  std::int64_t workers = 1;
  // The true mean cost of a budget unit (virtual seconds); configs vary around it
  // (0.4x..1.6x: the curve objective's per-config cost).
  double unit_seconds = 1.0;
  double estimate_factor = 1.0;  // the plan's and the deadline's estimate / the truth
  double stop_grace = 0.0;       // a stopped trial takes this long to end
  // The top rung's budget as the config gives it (the user's "full training"); 0: not
  // given, the plan chooses it.
  double max_budget = 0.0;
  // false: the scheduler's default settings (max_trials 100, max_budget 81 unless
  // given), cut at the deadline.
  bool plan = true;
  // With the plan: re-plan max_trials (and PBT's max_budget) as measured costs come in
  // (the runtime's rule).
  bool replan = true;
  std::uint64_t seed = 1;
};

struct BudgetedStudyResult {
  SimulationResult simulation;
  SchedulerOptions scheduler;     // as planned (or the defaults)
  double overrun = 0.0;           // virtual seconds past the budget (0 when it ended in time)
  double worker_share = 0.0;      // busy time / (workers x time budget)
};

BudgetedStudyResult RunBudgetedStudy(const BudgetedStudySpec& spec);

// Quality at equal time: ASHA with max_budget 27 given, 1 h on 16 workers that each
// can do `units_per_worker` budget units in it, auto-configured and with its default
// settings (max_trials 100) under the same deadline, over seeds 1..`seeds`: the
// median best value of each (curve objective, lower is better).
struct EqualTimeComparison {
  double planned_median = 0.0;
  double default_median = 0.0;
};
EqualTimeComparison CompareAtEqualTime(double units_per_worker, int seeds);

}  // namespace mpitune
