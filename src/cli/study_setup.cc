#include "cli/study_setup.h"

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
  if (overrides.max_trials) config.scheduler.max_trials = *overrides.max_trials;
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
