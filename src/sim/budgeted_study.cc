#include "sim/budgeted_study.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/time_plan.h"
#include "mpitune/objective.h"
#include "mpitune/space.h"

namespace mpitune {
namespace {

// The curve objective's cost per unit is 0.5..2.0 (mean 1.25) virtual seconds; this
// scales it so that its mean is the spec's unit cost.
class ScaledCostObjective final : public Objective {
 public:
  ScaledCostObjective(std::unique_ptr<Objective> inner, double scale) : inner_(std::move(inner)), scale_(scale) {}
  const std::string& name() const override { return inner_->name(); }
  std::unique_ptr<ObjectiveSession> Start(const Config& config, TrialId trial, double resume_step) const override {
    return inner_->Start(config, trial, resume_step);
  }
  double CostPerBudget(const Config& config) const override { return scale_ * inner_->CostPerBudget(config); }

 private:
  std::unique_ptr<Objective> inner_;
  double scale_;
};

constexpr double kCurveMeanCost = 1.25;

SearchSpace CurveSpace() {
  auto param = [](const char* name, ParamType type, double low, double high) {
    ParamSpec spec;
    spec.name = name;
    spec.type = type;
    spec.low = low;
    spec.high = high;
    return spec;
  };
  const ParamSpec lr = param("lr", ParamType::kLogUniform, 1e-4, 1e-1);
  const ParamSpec width = param("width", ParamType::kInt, 16, 512);
  const ParamSpec momentum = param("momentum", ParamType::kUniform, 0.0, 0.99);
  return SearchSpace::Create({lr, width, momentum}).value();
}

}  // namespace

BudgetedStudyResult RunBudgetedStudy(const BudgetedStudySpec& spec) {
  BudgetedStudyResult result;
  SchedulerOptions options;
  options.kind = spec.kind;
  options.variant = AshaVariant::kPromotion;
  options.seed = spec.seed;
  if (spec.max_budget > 0.0) options.max_budget = spec.max_budget;
  const double estimate = spec.unit_seconds * spec.estimate_factor;
  if (spec.plan) {
    TimePlanInput input;
    input.scheduler = options;
    input.given.max_budget = spec.max_budget > 0.0;
    input.time_budget = spec.time_budget;
    input.workers = spec.workers;
    input.unit_seconds = estimate;
    input.stop_grace = spec.stop_grace;
    options = PlanForTime(input).value().scheduler;
  }
  result.scheduler = options;
  const SearchSpace space = CurveSpace();
  std::unique_ptr<Scheduler> scheduler = MakeScheduler(space, options);
  const ScaledCostObjective objective(MakeObjective("curve", space, options.max_budget, spec.seed).value(),
                                      spec.unit_seconds / kCurveMeanCost);
  SimulationOptions simulation;
  simulation.workers = spec.workers;
  simulation.deadline.deadline = spec.time_budget;
  simulation.deadline.stop_grace = spec.stop_grace;
  simulation.deadline.unit_seconds = estimate;
  simulation.deadline.replan_max_trials = spec.plan && spec.replan;
  simulation.deadline.replan_max_budget = spec.plan && spec.replan && spec.max_budget <= 0.0;
  simulation.stop_latency = spec.stop_grace;
  result.simulation = Simulate(*scheduler, objective, simulation);
  result.overrun = std::max(0.0, result.simulation.makespan - spec.time_budget);
  result.worker_share = result.simulation.busy_time / (static_cast<double>(spec.workers) * spec.time_budget);
  return result;
}

EqualTimeComparison CompareAtEqualTime(double units_per_worker, int seeds) {
  std::vector<double> planned;
  std::vector<double> defaults;
  for (int seed = 1; seed <= seeds; ++seed) {
    BudgetedStudySpec spec;
    spec.time_budget = 3600.0;
    spec.workers = 16;
    spec.unit_seconds = spec.time_budget / units_per_worker;
    spec.stop_grace = spec.unit_seconds;
    spec.max_budget = 27.0;
    spec.seed = static_cast<std::uint64_t>(seed);
    planned.push_back(RunBudgetedStudy(spec).simulation.best_value);
    spec.plan = false;
    defaults.push_back(RunBudgetedStudy(spec).simulation.best_value);
  }
  auto median = [](std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values.empty() ? 0.0 : values[values.size() / 2];
  };
  return EqualTimeComparison{median(planned), median(defaults)};
}

}  // namespace mpitune
