// Auto-configuration for a time budget: which scheduler settings make the expected
// work of a study fit its time on the workers at hand. Pure arithmetic (no clock):
// `mpitune plan` prints it, `mpitune run` and `mpitune simulate` apply it.
//
// The cost of a bracket counts only the units each rung adds to the trials promoted
// into it (a promoted trial resumes from its checkpoint):
//   cost = sum over rungs k of n_k * (r_k - r_{k-1}),  r_{-1} = 0,
// n_0 the trials started in it, n_k = max(1, floor(n_{k-1} / eta)). The work that fits
// is workers x usable seconds / unit_seconds, usable = budget - stop grace - margin.
//
//   asha       one bracket; its n_0 is the largest that fits. max_trials gets twice
//              that: the deadline, not max_trials, ends an asynchronous study, and the
//              headroom keeps the workers busy when the cost estimate was 2x too high.
//   hyperband  Li et al.'s bracket sizes scaled to fit (largest bracket shrunk first),
//              max_trials their sum, with the same headroom.
//   sha        synchronous: rung k takes ceil(n_k / workers) x (r_k - r_{k-1}) units of
//              time; n_0 the largest that fits, no headroom (a rung cut short by the
//              deadline promotes nobody).
//   fifo       each trial runs max_budget units: as many as fit, with the headroom.
//   pbt        population x max_budget units (an exploit continues from a checkpoint):
//              population two members per worker (or as many as fit a given
//              max_budget), max_budget their share of the capacity, 10 ready points,
//              max_trials twice the population (replacements for failed members).
// max_budget, when not given, is the largest whose single run takes at most 15% of the
// usable time (at most the default 81): near the deadline a top-rung promotion that no
// longer fits closes the study to new work, and the workers idle for up to that long;
// for hyperband it is divided by eta until Li et al.'s bracket sizes fit. min_budget,
// when not given, stays 1 but at most max_budget / eta (at least two rungs). Settings
// the config gives explicitly are kept (`derived` lists those the plan chose). As
// measured costs arrive, rank 0's Dispatcher re-plans max_trials and PBT's max_budget
// (ReplanMaxTrials, ReplanMaxBudget) where the plan derived them; the deadline
// (DeadlinePolicy) holds whatever the estimates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/deadline_policy.h"
#include "mpitune/scheduler.h"
#include "mpitune/status.h"

namespace mpitune {

// Which scheduler settings the config gave itself (those are never changed).
struct SchedulerKeysGiven {
  bool max_trials = false;
  bool min_budget = false;
  bool max_budget = false;
  bool eta = false;
  bool population = false;             // pbt
  bool perturbation_interval = false;  // pbt
};

struct TimePlanInput {
  SchedulerOptions scheduler;
  SchedulerKeysGiven given = {};
  double time_budget = 0.0;   // seconds, > 0
  std::int64_t workers = 1;   // >= 1
  double unit_seconds = 0.0;  // seconds per budget unit, > 0
  double stop_grace = 0.0;    // as DeadlineOptions
  double margin = 0.0;
  double min_subset = 0.0;    // trial.min_subset: proxy runs cost their data fraction
};

struct PlannedRung {
  double budget = 0.0;
  double subset = 1.0;      // the data fraction its runs get
  std::int64_t trials = 0;  // that reach this rung
};

struct PlannedBracket {
  std::vector<PlannedRung> rungs;
  double units = 0.0;  // its cost in budget units
};

struct TimePlan {
  SchedulerOptions scheduler;         // the settings to run with
  std::vector<std::string> derived;   // keys the plan chose, e.g. "scheduler.max_trials"
  std::vector<PlannedBracket> brackets;
  std::int64_t planned_trials = 0;    // expected to fit (max_trials may allow more)
  double usable_seconds = 0.0;
  double capacity_units = 0.0;        // workers x usable / unit_seconds
  double expected_units = 0.0;        // of the planned trials
  double expected_utilisation = 0.0;  // of the workers over the budget
  double expected_finish = 0.0;       // seconds from the start
  std::vector<std::string> warnings;  // e.g. a given max_budget that cannot be reached
};

// A proxy task's data fraction for a run with target `budget`: budget / max_budget, at
// least `min_subset` (0 or >= 1: no proxy, the whole data).
double ProxySubset(double budget, double max_budget, double min_subset);

// n_0 = `trials` started at `budgets[0]`: the trials per rung and the bracket's cost.
// With a proxy (min_subset in (0, 1)) a rung's units cost in proportion to its subset:
// the units it adds count ProxySubset(r_k, budgets.back(), min_subset) each.
PlannedBracket PlanBracket(const std::vector<double>& budgets, std::int64_t trials, double eta,
                           double min_subset = 0.0);

// BadInput (naming the option) for a budget, workers or unit cost that is not > 0.
Result<TimePlan> PlanForTime(const TimePlanInput& input);

// Re-planning a running study from its measured cost: the max_trials the plan gives
// `options` on `workers` for `deadline` when a budget unit costs `unit_seconds`, with
// the budgets and eta kept (its trials already run at them). Never lower than now but
// for SHA, whose first rung it sizes (the deadline, not max_trials, ends the others).
// nullopt for PBT, or when the plan cannot be made.
std::optional<std::int64_t> ReplanMaxTrials(const SchedulerOptions& options, const DeadlineOptions& deadline,
                                            std::int64_t workers, double unit_seconds);

// Likewise PBT's max_budget (Scheduler::SetMaxBudget): each member's share of the
// capacity, when it is more than 10% above the current one or 20% below (estimated
// too high, the members would complete at half the time; too low, the deadline would
// stop them all short of it). nullopt otherwise, and for the other schedulers: their
// rungs are fixed by it, and SHA's, lowered to fill the time of a cost estimated too
// low, gave worse best results in every simulated study it changed.
std::optional<double> ReplanMaxBudget(const SchedulerOptions& options, const DeadlineOptions& deadline,
                                      std::int64_t workers, double unit_seconds);

}  // namespace mpitune
