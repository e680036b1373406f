#include <cmath>

#include <fmt/format.h>

#include "mpitune/scheduler.h"

namespace mpitune {

const char* SchedulerKindName(SchedulerKind kind) {
  switch (kind) {
    case SchedulerKind::kFifo: return "fifo";
    case SchedulerKind::kSha: return "sha";
    case SchedulerKind::kAsha: return "asha";
    case SchedulerKind::kHyperband: return "hyperband";
    case SchedulerKind::kPbt: return "pbt";
  }
  return "unknown";
}

const char* AshaVariantName(AshaVariant variant) {
  return variant == AshaVariant::kPromotion ? "promotion" : "stopping";
}

const char* MetricModeName(MetricMode mode) { return mode == MetricMode::kMin ? "min" : "max"; }

namespace {

Status ValidatePbtOptions(const SchedulerOptions& options) {
  const PbtOptions& pbt = options.pbt;
  if (pbt.population < 2) {
    return Status::BadInput(fmt::format("scheduler.population: expected an integer >= 2, got {}", pbt.population));
  }
  if (pbt.population > options.max_trials) {
    return Status::BadInput(fmt::format("scheduler.population: expected at most max_trials ({}), got {}",
                                        options.max_trials, pbt.population));
  }
  if (!std::isfinite(pbt.perturbation_interval) || pbt.perturbation_interval <= 0) {
    return Status::BadInput(fmt::format("scheduler.perturbation_interval: expected a number > 0, got {}",
                                        pbt.perturbation_interval));
  }
  if (options.max_budget / pbt.perturbation_interval > 1e9) {
    return Status::BadInput("scheduler.perturbation_interval: more than 10^9 ready points up to max_budget");
  }
  if (!(pbt.quantile > 0 && pbt.quantile <= 0.5)) {
    return Status::BadInput(fmt::format("scheduler.quantile: expected a number in (0, 0.5], got {}", pbt.quantile));
  }
  if (!std::isfinite(pbt.factor_down) || !std::isfinite(pbt.factor_up) || pbt.factor_down <= 0 ||
      pbt.factor_up <= 0) {
    return Status::BadInput(fmt::format("scheduler.perturbation_factors: expected two numbers > 0, got [{}, {}]",
                                        pbt.factor_down, pbt.factor_up));
  }
  if (!(pbt.resample_probability >= 0 && pbt.resample_probability <= 1)) {
    return Status::BadInput(fmt::format("scheduler.resample_probability: expected a number in [0, 1], got {}",
                                        pbt.resample_probability));
  }
  if (!std::isfinite(pbt.burn_in) || pbt.burn_in < 0) {
    return Status::BadInput(fmt::format("scheduler.burn_in: expected a number >= 0, got {}", pbt.burn_in));
  }
  return Status::Ok();
}

}  // namespace

Status ValidateSchedulerOptions(const SchedulerOptions& options) {
  // Rungs keep trial ids in 32 bits; two billion trials is beyond any real study.
  if (options.max_trials < 1) {
    return Status::BadInput(fmt::format("scheduler.max_trials: expected an integer >= 1, got {}", options.max_trials));
  }
  if (options.max_trials > kMaxTrialsLimit) {
    return Status::BadInput(fmt::format("scheduler.max_trials: expected an integer <= {}, got {}", kMaxTrialsLimit,
                                        options.max_trials));
  }
  if (!std::isfinite(options.min_budget) || options.min_budget <= 0) {
    return Status::BadInput(fmt::format("scheduler.min_budget: expected a number > 0, got {}", options.min_budget));
  }
  if (!std::isfinite(options.max_budget) || options.max_budget < options.min_budget) {
    return Status::BadInput(fmt::format("scheduler.max_budget: expected a number >= min_budget ({}), got {}",
                                        options.min_budget, options.max_budget));
  }
  if (!std::isfinite(options.eta) || options.eta < 2) {
    return Status::BadInput(fmt::format("scheduler.eta: expected a number >= 2, got {}", options.eta));
  }
  if (options.grace < 0) {
    return Status::BadInput(fmt::format("scheduler.grace: expected an integer >= 0, got {}", options.grace));
  }
  if (options.sampler.grid_points < 2) {
    return Status::BadInput(
        fmt::format("scheduler.grid_points: expected an integer >= 2, got {}", options.sampler.grid_points));
  }
  if (options.kind == SchedulerKind::kPbt) return ValidatePbtOptions(options);
  if (RungBudgets(options.min_budget, options.max_budget, options.eta).size() > 48) {
    return Status::BadInput("scheduler.max_budget: more than 48 rungs between min_budget and max_budget");
  }
  return Status::Ok();
}

std::vector<double> RungBudgets(double min_budget, double max_budget, double eta) {
  // The small tolerance keeps 81/1 with eta 3 at exactly four steps despite rounding in log().
  const int top = static_cast<int>(std::floor(std::log(max_budget / min_budget) / std::log(eta) + 1e-9));
  std::vector<double> budgets;
  double budget = min_budget;
  for (int k = 0; k < top; ++k, budget *= eta) budgets.push_back(budget);
  budgets.push_back(max_budget);
  return budgets;
}

std::vector<std::int64_t> HyperbandBracketSizes(int s_max, double eta) {
  std::vector<std::int64_t> sizes;
  for (int s = 0; s <= s_max; ++s) {
    // Bracket s starts at rung s, so it runs s_max - s halvings: Li et al.'s n for that bracket.
    const int halvings = s_max - s;
    const double n = static_cast<double>(s_max + 1) / (halvings + 1) * std::pow(eta, halvings);
    sizes.push_back(static_cast<std::int64_t>(std::ceil(n - 1e-9)));
  }
  return sizes;
}

double NormalisedKey(double value, MetricMode mode) {
  if (!std::isfinite(value)) return HUGE_VAL;
  return mode == MetricMode::kMin ? value : -value;
}

}  // namespace mpitune
