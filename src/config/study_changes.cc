#include "config/study_changes.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace mpitune {
namespace {

std::string DescribeParam(const ParamSpec& param) {
  std::string text = ParamTypeName(param.type);
  if (param.type == ParamType::kChoice || param.type == ParamType::kConstant) {
    std::vector<std::string> values;
    for (const ParamValue& value : param.choices) values.push_back(FormatParamValue(value));
    return text + fmt::format(" [{}]", fmt::join(values, ", "));
  }
  text += fmt::format(" {:g}..{:g}", param.low, param.high);
  if (param.log) text += " log";
  return text;
}

template <typename T>
void Compare(std::vector<std::string>& changes, const std::string& key, const T& stored, const T& requested) {
  if (stored != requested) changes.push_back(fmt::format("{}: {} -> {}", key, stored, requested));
}

// A setting a time plan chose for the request is the stored study's own to keep.
template <typename T>
void CompareGiven(std::vector<std::string>& changes, const StudyConfig& request, const std::string& key,
                  const T& stored, const T& requested) {
  if (std::find(request.derived.begin(), request.derived.end(), key) != request.derived.end()) return;
  Compare(changes, key, stored, requested);
}

std::string DescribeTrial(const TrialSpec& trial) {
  if (!trial.objective.empty()) return "objective " + trial.objective;
  return fmt::format("command [{}]{}", fmt::join(trial.command, ", "), trial.shell ? " (shell)" : "");
}

}  // namespace

std::vector<std::string> StudyConfigChanges(const StudyConfig& stored, const StudyConfig& requested) {
  std::vector<std::string> changes;
  const auto& before = stored.space.params();
  const auto& after = requested.space.params();
  for (const ParamSpec& param : before) {
    const auto found = requested.space.Find(param.name);
    if (!found) {
      changes.push_back(fmt::format("space.{}: removed", param.name));
    } else {
      Compare(changes, "space." + param.name, DescribeParam(param), DescribeParam(after[*found]));
    }
  }
  for (const ParamSpec& param : after) {
    if (!stored.space.Find(param.name)) changes.push_back(fmt::format("space.{}: added", param.name));
  }
  // Same parameters in another order are another encoding of every stored config.
  if (changes.empty() && stored.space.Hash() != requested.space.Hash()) {
    changes.push_back("space: the parameters are in another order");
  }
  Compare(changes, "trial", DescribeTrial(stored.trial), DescribeTrial(requested.trial));
  Compare(changes, "study.metric", stored.metric, requested.metric);
  Compare(changes, "study.mode", std::string(MetricModeName(stored.mode)), std::string(MetricModeName(requested.mode)));
  Compare(changes, "study.seed", stored.seed, requested.seed);
  const SchedulerOptions& a = stored.scheduler;
  const SchedulerOptions& b = requested.scheduler;
  Compare(changes, "scheduler.type", std::string(SchedulerKindName(a.kind)), std::string(SchedulerKindName(b.kind)));
  Compare(changes, "scheduler.variant", std::string(AshaVariantName(a.variant)),
          std::string(AshaVariantName(b.variant)));
  CompareGiven(changes, requested, "scheduler.max_trials", a.max_trials, b.max_trials);
  CompareGiven(changes, requested, "scheduler.min_budget", a.min_budget, b.min_budget);
  CompareGiven(changes, requested, "scheduler.max_budget", a.max_budget, b.max_budget);
  Compare(changes, "scheduler.eta", a.eta, b.eta);
  Compare(changes, "scheduler.grace", a.grace, b.grace);
  Compare(changes, "scheduler.sampler", std::string(SamplerKindName(a.sampler.kind)),
          std::string(SamplerKindName(b.sampler.kind)));
  Compare(changes, "scheduler.grid_points", a.sampler.grid_points, b.sampler.grid_points);
  if (a.kind == SchedulerKind::kPbt && b.kind == SchedulerKind::kPbt) {
    CompareGiven(changes, requested, "scheduler.population", a.pbt.population, b.pbt.population);
    CompareGiven(changes, requested, "scheduler.perturbation_interval", a.pbt.perturbation_interval,
                 b.pbt.perturbation_interval);
    Compare(changes, "scheduler.quantile", a.pbt.quantile, b.pbt.quantile);
    Compare(changes, "scheduler.perturbation_factors", fmt::format("[{:g}, {:g}]", a.pbt.factor_down, a.pbt.factor_up),
            fmt::format("[{:g}, {:g}]", b.pbt.factor_down, b.pbt.factor_up));
    Compare(changes, "scheduler.resample_probability", a.pbt.resample_probability, b.pbt.resample_probability);
    Compare(changes, "scheduler.burn_in", a.pbt.burn_in, b.pbt.burn_in);
    Compare(changes, "scheduler.synchronous", a.pbt.synchronous, b.pbt.synchronous);
  }
  return changes;
}

}  // namespace mpitune
