// The time budget's guarantee over a grid, in the simulator (deterministic):
// budgets 5 min .. 24 h, 1 .. 1,000 workers, cost estimates 0.5x and 2x the truth,
// per-config cost 0.4x..1.6x the mean. Per study: the overrun past the budget and the
// share of the workers' time used; then the quality at equal time (median best value
// of the auto-configured study against the default settings cut at the deadline).
//
//   build/bench/time_budget_grid_bench [--full] [--no-replan]
//
// --no-replan: the plan made once from the estimate, never re-made from measured costs
// (the runtime re-plans max_trials, and PBT's max_budget, by default), for before/after
// comparisons.
// A budget unit takes 30 s on average and a stopped trial 10 s to end.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <map>
#include <utility>

#include <fmt/format.h>

#include "sim/budgeted_study.h"

namespace {

using mpitune::BudgetedStudySpec;
using mpitune::RunBudgetedStudy;
using mpitune::SchedulerKind;

double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(q * static_cast<double>(values.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  bool full = false;
  bool replan = true;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--full") {
      full = true;
    } else if (arg == "--no-replan") {
      replan = false;
    } else {
      std::fprintf(stderr, "usage: time_budget_grid_bench [--full] [--no-replan]\n");
      return 2;
    }
  }
  const std::vector<double> budgets = {300.0, 3600.0, 6 * 3600.0, 24 * 3600.0};
  const std::vector<std::int64_t> workers = full ? std::vector<std::int64_t>{1, 4, 16, 100, 1000}
                                                 : std::vector<std::int64_t>{1, 16, 100};
  const std::vector<double> factors = {0.5, 1.0, 2.0};
  // One budget unit (an epoch, say) takes 30 s on average: a 5 min study has room for
  // 9 of them per worker, a 24 h one for 2,880.
  const double unit_seconds = 30.0;
  const std::vector<SchedulerKind> kinds = {SchedulerKind::kAsha, SchedulerKind::kHyperband, SchedulerKind::kSha,
                                            SchedulerKind::kPbt};
  std::vector<double> overruns;
  std::vector<double> shares;
  std::map<std::pair<SchedulerKind, double>, std::vector<double>> shares_by_estimate;
  fmt::print("{:<10} {:>8} {:>7} {:>9} {:>8} {:>10} {:>9} {:>8} {:>7}\n", "scheduler", "budget", "workers",
             "estimate", "trials", "overrun_s", "used_%", "best", "replans");
  for (SchedulerKind kind : kinds) {
    for (double budget : budgets) {
      for (std::int64_t count : workers) {
        for (double factor : factors) {
          BudgetedStudySpec spec;
          spec.kind = kind;
          spec.time_budget = budget;
          spec.workers = count;
          spec.unit_seconds = unit_seconds;
          spec.estimate_factor = factor;
          spec.stop_grace = 10.0;
          spec.replan = replan;
          const auto result = RunBudgetedStudy(spec);
          overruns.push_back(result.overrun);
          shares.push_back(result.worker_share);
          shares_by_estimate[{kind, factor}].push_back(result.worker_share);
          fmt::print("{:<10} {:>8.0f} {:>7} {:>8.1f}x {:>8} {:>10.3f} {:>9.1f} {:>8.4f} {:>7}\n",
                     mpitune::SchedulerKindName(kind), budget, count, factor, result.simulation.trials_started,
                     result.overrun, 100.0 * result.worker_share, result.simulation.best_value,
                     result.simulation.replans);
        }
      }
    }
  }
  fmt::print("\n{} studies: overrun max {:.3f} s; worker time used: min {:.1f} %, p10 {:.1f} %, median {:.1f} %, "
             "max {:.1f} %\n",
             shares.size(), *std::max_element(overruns.begin(), overruns.end()), 100.0 * Quantile(shares, 0.0),
             100.0 * Quantile(shares, 0.1), 100.0 * Quantile(shares, 0.5), 100.0 * Quantile(shares, 1.0));
  for (const auto& [key, values] : shares_by_estimate) {
    fmt::print("  {:<10} estimate {:.1f}x: worker time used {:.1f} .. {:.1f} %, median {:.1f} %\n",
               mpitune::SchedulerKindName(key.first), key.second, 100.0 * Quantile(values, 0.0),
               100.0 * Quantile(values, 1.0), 100.0 * Quantile(values, 0.5));
  }

  // Quality at equal time: the same scheduler (asha), auto-configured against its
  // default settings (max_trials 100) cut at the deadline, over seeds; the top rung's
  // budget given (27) as a user's full training would be.
  for (double units_per_worker : {20.0, 200.0}) {
    const mpitune::EqualTimeComparison comparison = mpitune::CompareAtEqualTime(units_per_worker, 15);
    fmt::print("quality at equal time (asha, max_budget 27, 1 h, 16 workers, {:.0f} units per worker, 15 seeds, "
               "curve, min): median best {:.4f} auto-configured vs {:.4f} default settings cut at the deadline\n",
               units_per_worker, comparison.planned_median, comparison.default_median);
  }
  return 0;
}
