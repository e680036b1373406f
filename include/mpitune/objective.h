// Built-in objectives: in-process trials for demos, tests, benchmarks and the
// simulator. Each maps (config, budget) to a metric (lower is better for all of
// them) and says how much (virtual) time a budget unit costs, so that the simulator
// can study schedulers at scale without running anything.
//
//   branin      multi-fidelity Branin (Kandasamy et al. 2017): params x1 in [-5,10],
//               x2 in [0,15]; the fidelity z = budget / max_budget bends the
//               coefficients, so low budgets see a biased function. Minimum 0.397887.
//   hartmann6   Hartmann-6 with fidelity-dependent alpha (alpha - 0.1 (1 - z)):
//               params x1..x6 in [0,1]; minimum -3.32237 at full fidelity.
//   curve       surrogate learning curves over any space: loss(b) = final +
//               scale * b^-rate with final/scale/rate smooth functions of the
//               config's unit-cube position plus per-(trial, step) noise; cost per
//               budget unit varies with the config (bigger models are slower).
//   sgd         a real 2-layer MLP trained by minibatch SGD on synthetic data: params
//               lr (required), width, batch, momentum, weight_decay, activation; the
//               budget is epochs, the metric validation MSE (NaN/Inf if it diverges).
//   pbt_toy     the PBT paper's toy problem: params h0, h1 (numeric); theta in R^2 takes
//               5 gradient steps per budget unit on 1.2 - (h0 theta0^2 + h1 theta1^2);
//               the metric is theta0^2 + theta1^2; its checkpoint carries theta.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mpitune/space.h"
#include "mpitune/status.h"
#include "mpitune/trial.h"

namespace mpitune {

// One trial's run of a built-in objective. Stateful objectives (a model being
// trained) keep their weights here; analytic ones are stateless.
class ObjectiveSession {
 public:
  virtual ~ObjectiveSession() = default;
  // Trains/evaluates up to `budget` (> the previous call's) and returns the metric.
  virtual double Advance(double budget) = 0;
  // Opaque checkpoint of the session (empty for stateless objectives).
  virtual std::vector<std::uint8_t> Checkpoint() const { return {}; }
  virtual Status Restore(const std::vector<std::uint8_t>& /*bytes*/) { return Status::Ok(); }
};

class Objective {
 public:
  virtual ~Objective() = default;
  virtual const std::string& name() const = 0;
  // Starts a trial; `resume_step` > 0 continues from there (stateless objectives
  // just evaluate at later budgets).
  virtual std::unique_ptr<ObjectiveSession> Start(const Config& config, TrialId trial,
                                                  double resume_step) const = 0;
  // Virtual seconds one budget unit of this config costs (simulator only).
  virtual double CostPerBudget(const Config& config) const = 0;
};

// The built-in objectives' names, for configs to check against before anything is
// built (MakeObjective below lives in the trial library).
inline std::vector<std::string> BuiltinObjectiveNames() { return {"branin", "hartmann6", "curve", "sgd", "pbt_toy"}; }

// Checks that `space` has what the objective needs (e.g. numeric x1, x2 for
// branin) and fails with a message naming the missing parameter.
// `max_budget` sets the fidelity scale, `seed` the noise stream.
Result<std::unique_ptr<Objective>> MakeObjective(const std::string& name, const SearchSpace& space,
                                                 double max_budget, std::uint64_t seed);

}  // namespace mpitune
