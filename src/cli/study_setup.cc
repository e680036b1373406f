#include "cli/study_setup.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "mpitune/scheduler.h"

namespace mpitune::cli {

Result<StudyConfig> LoadStudy(const std::string& path, const StudyOverrides& overrides) {
  Result<StudyConfig> loaded = LoadStudyConfigFile(path, overrides.space_from);
  if (!loaded.ok()) return Status::BadInput(loaded.status().message());
  StudyConfig config = std::move(loaded).value();
  if (overrides.seed) {
    // The scheduler keeps its own copy of the study seed (see study_config.h).
    config.seed = *overrides.seed;
    config.scheduler.seed = *overrides.seed;
  }
  if (overrides.max_trials) {
    config.scheduler.max_trials = *overrides.max_trials;
    config.scheduler_given.max_trials = true;
  }
  if (const Status status = ValidateSchedulerOptions(config.scheduler); !status.ok()) {
    return Status::BadInput(status.message()).WithContext(overrides.max_trials ? "--max-trials" : config.source);
  }
  return config;
}

Result<std::unique_ptr<Objective>> MakeBuiltinObjective(const StudyConfig& config, const std::string& why_not) {
  if (config.trial.objective.empty()) {
    return Status::BadInput(fmt::format("{}: trial.command: {}", config.source, why_not));
  }
  Result<std::unique_ptr<Objective>> objective =
      MakeObjective(config.trial.objective, config.space, config.scheduler.max_budget, config.seed);
  if (!objective.ok()) return Status::BadInput(objective.status().message()).WithContext(config.source);
  return objective;
}

double TimeBudgetOf(const StudyConfig& config, std::optional<double> requested, double unit_seconds) {
  if (requested) return *requested;
  if (config.time_budget_seconds > 0.0) return config.time_budget_seconds;
  const double cost = unit_seconds > 0.0 ? unit_seconds : config.trial.unit_seconds;
  if (config.expected_time_ratio > 0.0 && cost > 0.0) {
    return config.expected_time_ratio * config.scheduler.max_budget * cost;
  }
  return 0.0;
}

DeadlineOptions DeadlineFor(const StudyConfig& config, double time_budget) {
  constexpr double kCloseMargin = 0.5;
  const bool from_ratio = time_budget <= 0.0 && config.expected_time_ratio > 0.0;
  if (time_budget <= 0.0 && !from_ratio) return DeadlineOptions{};
  DeadlineOptions deadline;
  deadline.deadline = std::max(time_budget, 0.0);
  if (from_ratio) deadline.time_ratio = config.expected_time_ratio;
  deadline.stop_grace = config.trial.command.empty() ? 0.0 : config.trial.stop_grace_seconds;
  deadline.margin = kCloseMargin;
  deadline.unit_seconds = config.trial.unit_seconds;
  deadline.max_budget = config.scheduler.max_budget;
  deadline.min_subset = config.trial.min_subset;
  // A built-in objective's measured cost is microseconds of arithmetic, not the time
  // its units stand for: its study keeps the plan made from trial.unit_seconds.
  deadline.replan_max_trials = ReplansMaxTrials(config) && !config.trial.command.empty();
  deadline.replan_max_budget = ReplansMaxBudget(config) && !config.trial.command.empty();
  return deadline;
}

bool ReplansMaxTrials(const StudyConfig& config) {
  return config.scheduler.kind != SchedulerKind::kPbt &&
         std::ranges::find(config.derived, std::string("scheduler.max_trials")) != config.derived.end();
}

bool ReplansMaxBudget(const StudyConfig& config) {
  const bool proxy = config.trial.min_subset > 0.0 && config.trial.min_subset < 1.0;
  return config.scheduler.kind == SchedulerKind::kPbt && !proxy &&
         std::ranges::find(config.derived, std::string("scheduler.max_budget")) != config.derived.end();
}

Result<TimePlan> PlanStudy(const StudyConfig& config, double time_budget, std::int64_t workers, double unit_seconds) {
  const DeadlineOptions deadline = DeadlineFor(config, time_budget);
  TimePlanInput input;
  input.scheduler = config.scheduler;
  input.given = config.scheduler_given;
  input.time_budget = time_budget;
  input.workers = workers;
  input.unit_seconds = unit_seconds > 0.0 ? unit_seconds : config.trial.unit_seconds;
  input.stop_grace = deadline.stop_grace;
  input.margin = deadline.margin;
  input.min_subset = config.trial.min_subset;
  Result<TimePlan> plan = PlanForTime(input);
  if (!plan.ok()) return Status::BadInput(plan.status().message()).WithContext(config.source);
  return plan;
}

Result<std::optional<TimePlan>> ApplyTimePlan(StudyConfig& config, double time_budget, std::int64_t workers,
                                              double unit_seconds) {
  if (time_budget <= 0.0 && config.expected_time_ratio <= 0.0) return std::optional<TimePlan>();
  if (time_budget <= 0.0 || (unit_seconds <= 0.0 && config.trial.unit_seconds <= 0.0)) {
    if (!config.scheduler_given.max_trials && config.scheduler.kind != SchedulerKind::kPbt &&
        !config.trial.command.empty()) {
      config.derived = {"scheduler.max_trials"};
    }
    return std::optional<TimePlan>();
  }
  Result<TimePlan> plan = PlanStudy(config, time_budget, workers, unit_seconds);
  if (!plan.ok()) return plan.status();
  config.scheduler = plan->scheduler;
  config.derived = plan->derived;
  if (const Status status = ValidateSchedulerOptions(config.scheduler); !status.ok()) {
    return Status::BadInput(status.message()).WithContext(config.source + " (as planned for the time budget)");
  }
  return std::optional<TimePlan>(std::move(*plan));
}

double ReportEvery(const StudyConfig& config, const StudyOverrides& overrides) {
  return overrides.report_every.value_or(config.trial.report_every);
}

std::string DescribeStudy(const StudyConfig& config) {
  const SchedulerOptions& options = config.scheduler;
  std::string scheduler = SchedulerKindName(options.kind);
  // The variant only means something where ASHA runs.
  if (options.kind == SchedulerKind::kAsha || options.kind == SchedulerKind::kHyperband) {
    scheduler += fmt::format(" ({})", AshaVariantName(options.variant));
  }
  if (options.kind == SchedulerKind::kPbt) {
    const PbtOptions& pbt = options.pbt;
    return fmt::format(
        "study {}: scheduler pbt ({}), population {}, perturbation_interval {:g}, max_budget {:g}, quantile {:g}, "
        "max_trials {}, {} {}, seed {}",
        config.name, pbt.synchronous ? "synchronous" : "asynchronous", pbt.population, pbt.perturbation_interval,
        options.max_budget, pbt.quantile, options.max_trials, MetricModeName(config.mode), config.metric, config.seed);
  }
  return fmt::format("study {}: scheduler {}, sampler {}, max_trials {}, rungs {:g}, {} {}, seed {}", config.name,
                     scheduler, SamplerKindName(options.sampler.kind), options.max_trials,
                     fmt::join(RungBudgets(options.min_budget, options.max_budget, options.eta), " "),
                     MetricModeName(config.mode), config.metric, config.seed);
}

}  // namespace mpitune::cli
