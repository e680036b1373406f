#include "core/time_plan.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace mpitune {
namespace {

// Keeps an asynchronous study's workers busy when the cost estimate was 2x too high:
// the deadline ends it, so trials beyond the plan cost nothing when they do not fit.
constexpr std::int64_t kAsyncHeadroom = 2;
// A single run of max_budget units may take at most this share of the usable time:
// near the deadline a promotion to the top rung that no longer fits closes the study
// to new work, and the workers then idle for up to that long.
constexpr double kTopRunShare = 0.15;
// PBT: ready points per member's training when the config gives no interval.
constexpr double kPbtReadyPoints = 10.0;

// The largest n in [1, limit] with fits(n), or 0 when not even 1 fits.
template <typename Fits>
std::int64_t LargestFitting(std::int64_t limit, const Fits& fits) {
  if (!fits(1)) return 0;
  std::int64_t low = 1;
  std::int64_t high = std::max<std::int64_t>(1, limit);
  while (low < high) {
    const std::int64_t mid = low + (high - low + 1) / 2;
    if (fits(mid)) {
      low = mid;
    } else {
      high = mid - 1;
    }
  }
  return low;
}

// Seconds a synchronous bracket takes: each rung's trials in waves of `workers`.
double SyncSeconds(const PlannedBracket& bracket, std::int64_t workers, double unit_seconds) {
  double seconds = 0.0;
  double previous = 0.0;
  for (const PlannedRung& rung : bracket.rungs) {
    const std::int64_t waves = (rung.trials + workers - 1) / workers;
    seconds += static_cast<double>(waves) * (rung.budget - previous) * rung.subset * unit_seconds;
    previous = rung.budget;
  }
  return seconds;
}

double TotalUnits(const std::vector<PlannedBracket>& brackets) {
  double units = 0.0;
  for (const PlannedBracket& bracket : brackets) units += bracket.units;
  return units;
}

double BaseHyperbandUnits(const std::vector<double>& budgets, double eta, double min_subset) {
  const int top = static_cast<int>(budgets.size()) - 1;
  const std::vector<std::int64_t> base = HyperbandBracketSizes(top, eta);
  double units = 0.0;
  for (int s = 0; s <= top; ++s) {
    units += PlanBracket(std::vector<double>(budgets.begin() + s, budgets.end()), base[static_cast<std::size_t>(s)], eta,
                         min_subset)
                 .units;
  }
  return units;
}

// Population-based training: each member trains to max_budget (exploits continue from
// a donor's checkpoint, so they add no units), so the work is population x max_budget.
// Not given, the population is two members per worker (one trains while the other
// waits at a ready point: configs that train slower leave no worker idle; 69-100% of
// the worker time with one per worker, 75-100% with two, in the grid bench), or as
// many as fit when max_budget is given; max_budget is what each member's share of the capacity
// allows; the perturbation interval makes kPbtReadyPoints ready points (whole units);
// max_trials leaves as many replacements for failed members as there are members.
void PlanPbt(const TimePlanInput& input, TimePlan& plan) {
  SchedulerOptions& options = plan.scheduler;
  PbtOptions& pbt = options.pbt;
  const auto workers = static_cast<double>(input.workers);
  if (!input.given.population) {
    const double fitting = input.given.max_budget ? std::floor(plan.capacity_units / options.max_budget) : 2.0 * workers;
    pbt.population = static_cast<std::int64_t>(std::clamp(fitting, 2.0, static_cast<double>(kMaxTrialsLimit / 2)));
    plan.derived.push_back("scheduler.population");
  }
  const auto population = static_cast<double>(pbt.population);
  if (!input.given.max_budget) {
    options.max_budget = std::max(1.0, std::floor(plan.capacity_units / population));
    plan.derived.push_back("scheduler.max_budget");
  }
  if (!input.given.perturbation_interval) {
    pbt.perturbation_interval = std::max(1.0, std::floor(options.max_budget / kPbtReadyPoints));
    plan.derived.push_back("scheduler.perturbation_interval");
  }
  if (!input.given.max_trials) {
    options.max_trials = std::min(2 * pbt.population, kMaxTrialsLimit);
    plan.derived.push_back("scheduler.max_trials");
  } else if (pbt.population > options.max_trials) {
    pbt.population = options.max_trials;
    plan.warnings.push_back("the population is cut to the max_trials the config gives");
  }
  plan.planned_trials = pbt.population;
  plan.expected_units = std::min(plan.capacity_units, static_cast<double>(pbt.population) * options.max_budget);
  // Members beyond the workers wait at ready points, so the work spreads over them all.
  plan.expected_finish = plan.expected_units * input.unit_seconds / std::min(workers, population);
  plan.expected_utilisation = plan.expected_units * input.unit_seconds / (workers * input.time_budget);
  if (population * options.max_budget > plan.capacity_units * 1.0001) {
    plan.warnings.push_back(fmt::format(
        "population-based training: {} members x {:g} units need more time than the budget; the deadline stops "
        "them early",
        pbt.population, options.max_budget));
  }
  if (population < workers) {
    plan.warnings.push_back(fmt::format("population-based training: {} members leave {} of {} workers idle",
                                        pbt.population, input.workers - pbt.population, input.workers));
  }
}

void ChooseBudgets(const TimePlanInput& input, TimePlan& plan) {
  SchedulerOptions& options = plan.scheduler;
  const double top_run_units = kTopRunShare * plan.usable_seconds / input.unit_seconds;
  if (!input.given.max_budget) {
    // Whole units when there is room for them; a sliver of one otherwise.
    const double fitting = top_run_units >= 1.0 ? std::floor(top_run_units) : top_run_units;
    options.max_budget = std::min(options.max_budget, fitting);
    plan.derived.push_back("scheduler.max_budget");
  } else if (options.max_budget > 2.0 * top_run_units) {
    plan.warnings.push_back(fmt::format("scheduler.max_budget {:g} takes {:.0f} s per run, more than the {:.0f} s "
                                        "usable: no trial reaches it",
                                        options.max_budget, options.max_budget * input.unit_seconds,
                                        plan.usable_seconds));
  }
  if (!input.given.min_budget) {
    options.min_budget = std::min(options.min_budget, options.max_budget / options.eta);
    plan.derived.push_back("scheduler.min_budget");
  }
  // Hyperband's brackets each run at least one trial to max_budget: when Li et al.'s
  // bracket sizes do not fit, fewer rungs (a smaller max_budget) do.
  if (options.kind == SchedulerKind::kHyperband && !input.given.max_budget) {
    while (options.max_budget / options.eta >= options.min_budget * options.eta &&
           BaseHyperbandUnits(RungBudgets(options.min_budget, options.max_budget, options.eta), options.eta,
                              input.min_subset) >
               plan.capacity_units) {
      options.max_budget /= options.eta;
    }
  }
}

// Hyperband: Li et al.'s sizes scaled to the capacity, then the largest bracket shrunk
// while it does not fit and the cheapest grown while it does.
std::int64_t TotalTrials(const std::vector<std::int64_t>& sizes) {
  std::int64_t trials = 0;
  for (std::int64_t size : sizes) trials += size;
  return trials;
}

std::vector<PlannedBracket> PlanHyperband(const std::vector<double>& budgets, double eta, double capacity,
                                          std::int64_t trial_limit, double min_subset) {
  const int top = static_cast<int>(budgets.size()) - 1;
  const std::vector<std::int64_t> base = HyperbandBracketSizes(top, eta);
  auto bracket_budgets = [&](int s) { return std::vector<double>(budgets.begin() + s, budgets.end()); };
  double base_units = 0.0;
  for (int s = 0; s <= top; ++s) base_units += PlanBracket(bracket_budgets(s), base[s], eta, min_subset).units;
  const double scale = std::min(base_units > 0.0 ? capacity / base_units : 1.0,
                                static_cast<double>(trial_limit) / static_cast<double>(TotalTrials(base)));
  std::vector<std::int64_t> sizes(base.size());
  std::vector<PlannedBracket> brackets(base.size());
  for (int s = 0; s <= top; ++s) {
    sizes[s] = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::floor(static_cast<double>(base[s]) * scale)));
    brackets[s] = PlanBracket(bracket_budgets(s), sizes[s], eta, min_subset);
  }
  // Flooring leaves the plan within a few trials per bracket of the capacity, so
  // these loops take a handful of steps.
  for (int guard = 0; guard < 10'000 && (TotalUnits(brackets) > capacity || TotalTrials(sizes) > trial_limit);
       ++guard) {
    int largest = -1;
    for (int s = 0; s <= top; ++s) {
      if (sizes[s] > 1 && (largest < 0 || brackets[s].units > brackets[largest].units)) largest = s;
    }
    if (largest < 0) break;
    brackets[largest] = PlanBracket(bracket_budgets(largest), --sizes[largest], eta, min_subset);
  }
  for (int guard = 0; guard < 10'000; ++guard) {
    int cheapest = 0;
    for (int s = 1; s <= top; ++s) {
      if (brackets[s].units < brackets[cheapest].units) cheapest = s;
    }
    const PlannedBracket grown = PlanBracket(bracket_budgets(cheapest), sizes[cheapest] + 1, eta, min_subset);
    if (TotalUnits(brackets) - brackets[cheapest].units + grown.units > capacity ||
        TotalTrials(sizes) >= trial_limit) {
      break;
    }
    ++sizes[cheapest];
    brackets[cheapest] = grown;
  }
  return brackets;
}

}  // namespace

double ProxySubset(double budget, double max_budget, double min_subset) {
  if (!(min_subset > 0.0 && min_subset < 1.0) || !(max_budget > 0.0)) return 1.0;
  return std::clamp(budget / max_budget, min_subset, 1.0);
}

PlannedBracket PlanBracket(const std::vector<double>& budgets, std::int64_t trials, double eta, double min_subset) {
  PlannedBracket bracket;
  double previous = 0.0;
  double reaching = static_cast<double>(trials);
  for (std::size_t k = 0; k < budgets.size(); ++k) {
    if (k > 0) reaching = std::max(1.0, std::floor(reaching / eta));
    if (trials <= 0) reaching = 0.0;
    const double subset = ProxySubset(budgets[k], budgets.back(), min_subset);
    bracket.rungs.push_back(PlannedRung{budgets[k], subset, static_cast<std::int64_t>(reaching)});
    bracket.units += reaching * (budgets[k] - previous) * subset;
    previous = budgets[k];
  }
  return bracket;
}

Result<TimePlan> PlanForTime(const TimePlanInput& input) {
  if (!(input.time_budget > 0.0) || !std::isfinite(input.time_budget)) {
    return Status::BadInput(fmt::format("study.time_budget: expected a duration > 0, got {}", input.time_budget));
  }
  if (input.workers < 1) return Status::BadInput(fmt::format("--workers: expected >= 1, got {}", input.workers));
  if (!(input.unit_seconds > 0.0) || !std::isfinite(input.unit_seconds)) {
    return Status::BadInput(fmt::format("trial.unit_seconds: expected a number > 0, got {}", input.unit_seconds));
  }
  TimePlan plan;
  plan.scheduler = input.scheduler;
  plan.usable_seconds = input.time_budget - input.stop_grace - input.margin;
  if (plan.usable_seconds <= 0.0) {
    return Status::BadInput(fmt::format("study.time_budget: {:g} s leaves no time once trial.stop_grace ({:g} s) "
                                        "and the closing margin ({:g} s) are kept",
                                        input.time_budget, input.stop_grace, input.margin));
  }
  const auto workers = static_cast<double>(input.workers);
  plan.capacity_units = workers * plan.usable_seconds / input.unit_seconds;
  if (input.scheduler.kind == SchedulerKind::kPbt) {
    PlanPbt(input, plan);
    return plan;
  }
  ChooseBudgets(input, plan);
  SchedulerOptions& options = plan.scheduler;
  const std::vector<double> budgets = RungBudgets(options.min_budget, options.max_budget, options.eta);
  auto trial_limit = static_cast<std::int64_t>(
      std::min(static_cast<double>(kMaxTrialsLimit / kAsyncHeadroom), plan.capacity_units / budgets.front() + 1.0));
  // A max_trials the config gives bounds the plan too.
  if (input.given.max_trials) trial_limit = std::min(trial_limit, options.max_trials);
  std::int64_t headroom = kAsyncHeadroom;
  switch (options.kind) {
    case SchedulerKind::kAsha: {
      const std::int64_t n = LargestFitting(trial_limit, [&](std::int64_t trials) {
        return PlanBracket(budgets, trials, options.eta, input.min_subset).units <= plan.capacity_units;
      });
      plan.brackets.push_back(PlanBracket(budgets, std::max<std::int64_t>(n, 1), options.eta, input.min_subset));
      break;
    }
    case SchedulerKind::kHyperband:
      plan.brackets = PlanHyperband(budgets, options.eta, plan.capacity_units, trial_limit, input.min_subset);
      break;
    case SchedulerKind::kSha: {
      headroom = 1;
      const std::int64_t n = LargestFitting(trial_limit, [&](std::int64_t trials) {
        return SyncSeconds(PlanBracket(budgets, trials, options.eta, input.min_subset), input.workers, input.unit_seconds) <=
               plan.usable_seconds;
      });
      plan.brackets.push_back(PlanBracket(budgets, std::max<std::int64_t>(n, 1), options.eta, input.min_subset));
      break;
    }
    case SchedulerKind::kFifo: {
      const double waves = std::max(1.0, std::floor(plan.usable_seconds / (options.max_budget * input.unit_seconds)));
      PlannedBracket bracket;
      const auto n = std::min(trial_limit, static_cast<std::int64_t>(waves * workers));
      bracket.rungs.push_back(PlannedRung{options.max_budget, 1.0, n});
      bracket.units = static_cast<double>(n) * options.max_budget;
      plan.brackets.push_back(bracket);
      break;
    }
    case SchedulerKind::kPbt: break;  // returned above
  }
  for (const PlannedBracket& bracket : plan.brackets) plan.planned_trials += bracket.rungs.front().trials;
  plan.expected_units = TotalUnits(plan.brackets);
  if (options.kind == SchedulerKind::kSha) {
    plan.expected_finish = SyncSeconds(plan.brackets.front(), input.workers, input.unit_seconds);
  } else {
    plan.expected_finish = std::min(plan.usable_seconds, plan.expected_units * input.unit_seconds / workers);
  }
  plan.expected_utilisation = plan.expected_units * input.unit_seconds / (workers * input.time_budget);
  if (plan.expected_units > plan.capacity_units * 1.0001) {
    plan.warnings.push_back("even the smallest plan (one trial per bracket) needs more time than the budget");
  }
  if (!input.given.max_trials) {
    options.max_trials = std::clamp<std::int64_t>(plan.planned_trials * headroom, 1, kMaxTrialsLimit);
    plan.derived.push_back("scheduler.max_trials");
  }
  return plan;
}

namespace {

// The plan for the whole budget, as a running study makes it again from its measured
// cost: what the config gave stays given, and so does whatever the study's runs
// already depend on (`keep`).
std::optional<TimePlan> Replan(const SchedulerOptions& options, const SchedulerKeysGiven& keep,
                               const DeadlineOptions& deadline, std::int64_t workers, double unit_seconds) {
  if (deadline.deadline <= 0.0 || !(unit_seconds > 0.0) || workers < 1) return std::nullopt;
  TimePlanInput input;
  input.scheduler = options;
  input.given = keep;
  input.time_budget = deadline.deadline;
  input.workers = workers;
  input.unit_seconds = unit_seconds;
  input.stop_grace = deadline.stop_grace;
  input.margin = deadline.margin;
  input.min_subset = deadline.min_subset;
  Result<TimePlan> plan = PlanForTime(input);
  if (!plan.ok()) return std::nullopt;
  return std::move(*plan);
}

}  // namespace

std::optional<std::int64_t> ReplanMaxTrials(const SchedulerOptions& options, const DeadlineOptions& deadline,
                                            std::int64_t workers, double unit_seconds) {
  if (options.kind == SchedulerKind::kPbt) return std::nullopt;
  const std::optional<TimePlan> plan =
      Replan(options, SchedulerKeysGiven{.max_trials = false, .min_budget = true, .max_budget = true, .eta = true},
             deadline, workers, unit_seconds);
  if (!plan) return std::nullopt;
  // Only SHA is ended by max_trials (its first rung's size). The deadline ends the
  // asynchronous ones, for which a lower max_trials could only end a study early:
  // a resumed one on fewer workers, or one whose first reports came slow.
  if (options.kind != SchedulerKind::kSha) return std::max(plan->scheduler.max_trials, options.max_trials);
  return plan->scheduler.max_trials;
}

std::optional<double> ReplanMaxBudget(const SchedulerOptions& options, const DeadlineOptions& deadline,
                                      std::int64_t workers, double unit_seconds) {
  if (options.kind != SchedulerKind::kPbt) return std::nullopt;
  const std::optional<TimePlan> plan = Replan(options,
                                              SchedulerKeysGiven{.max_trials = true,
                                                                 .min_budget = true,
                                                                 .max_budget = false,
                                                                 .eta = true,
                                                                 .population = true,
                                                                 .perturbation_interval = true},
                                              deadline, workers, unit_seconds);
  if (!plan) return std::nullopt;
  const double planned = plan->scheduler.max_budget;
  // Small moves are noise in the measurement, not a better plan. Down, it takes a
  // larger one: members the deadline stops a little short of max_budget lose little,
  // while members that complete early leave their workers idle to the deadline.
  if (!(planned > 1.1 * options.max_budget || planned < 0.8 * options.max_budget)) return std::nullopt;
  return planned;
}

}  // namespace mpitune
