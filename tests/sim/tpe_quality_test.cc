// The model-based sampler earns its keep: on Hartmann-6 with asynchronous Hyperband,
// four virtual workers and the same number of trials, it finds better configurations
// than random sampling in the median over seeds (pending trials act as liars here).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "mpitune/objective.h"
#include "mpitune/scheduler.h"
#include "sim/simulator.h"

namespace mpitune {
namespace {

double MedianBest(SamplerKind sampler) {
  std::vector<ParamSpec> params;
  for (const char* name : {"x1", "x2", "x3", "x4", "x5", "x6"}) params.push_back(ParamSpec{name, ParamType::kUniform, 0, 1, false, {}});
  const SearchSpace space = *SearchSpace::Create(params);
  auto objective = MakeObjective("hartmann6", space, 27.0, 1);
  EXPECT_TRUE(objective.ok());
  std::vector<double> best;
  for (std::uint64_t seed = 1; seed <= 7; ++seed) {
    SchedulerOptions options;
    options.kind = SchedulerKind::kHyperband;
    options.max_trials = 150;
    options.min_budget = 1.0;
    options.max_budget = 27.0;
    options.eta = 3.0;
    options.seed = seed;
    options.sampler.kind = sampler;
    auto scheduler = MakeScheduler(space, options);
    SimulationOptions simulation;
    simulation.workers = 4;
    const SimulationResult result = Simulate(*scheduler, **objective, simulation);
    EXPECT_TRUE(result.best_trial.has_value());
    best.push_back(result.best_value);
  }
  std::sort(best.begin(), best.end());
  return best[best.size() / 2];
}

TEST(TpeQuality, BeatsRandomSamplingOnHartmann6) {
  const double tpe = MedianBest(SamplerKind::kTpe);
  const double random = MedianBest(SamplerKind::kRandom);
  EXPECT_LT(tpe, random - 0.1) << "tpe " << tpe << ", random " << random;
}

}  // namespace
}  // namespace mpitune
