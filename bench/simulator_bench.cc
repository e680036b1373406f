// Simulator at scale: 10,000 virtual workers run 1,000,000 ASHA trials (curve
// objective, budgets 1..27, eta 3) and the figures are printed. Run:
//   build/bench/simulator_bench [workers] [trials]
// Target: under 10 s on a 2-core machine.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "mpitune/objective.h"
#include "sim/simulator.h"

namespace mpitune {
namespace {

int Run(std::int64_t workers, std::int64_t trials) {
  ParamSpec lr{"lr", ParamType::kLogUniform, 1e-4, 1e-1, false, {}};
  ParamSpec width{"width", ParamType::kInt, 16, 1024, true, {}};
  ParamSpec dropout{"dropout", ParamType::kUniform, 0.0, 0.5, false, {}};
  const SearchSpace space = *SearchSpace::Create({width, lr, dropout});
  SchedulerOptions options;
  options.kind = SchedulerKind::kAsha;
  options.max_trials = trials;
  options.min_budget = 1;
  options.max_budget = 27;
  options.eta = 3;
  options.seed = 1;

  const auto start = std::chrono::steady_clock::now();
  auto scheduler = MakeScheduler(space, options);
  auto objective = MakeObjective("curve", space, options.max_budget, options.seed);
  if (!objective.ok()) {
    std::fprintf(stderr, "%s\n", objective.status().message().c_str());
    return 1;
  }
  SimulationOptions simulation;
  simulation.workers = workers;
  const SimulationResult result = Simulate(*scheduler, **objective, simulation);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::printf("simulator: %lld workers, %lld ASHA trials (budgets 1..27, eta 3, curve)\n",
              static_cast<long long>(workers), static_cast<long long>(result.trials_started));
  std::printf("  wall time        %.2f s\n", seconds);
  std::printf("  events           %lld (%.2f M events/s)\n", static_cast<long long>(result.events),
              static_cast<double>(result.events) / seconds / 1e6);
  std::printf("  virtual makespan %.1f s, utilisation %.1f%%\n", result.makespan, 100.0 * result.utilisation);
  std::printf("  best value       %.6f (trial %lld)\n", result.best_value,
              static_cast<long long>(result.best_trial.value_or(-1)));
  return 0;
}

}  // namespace
}  // namespace mpitune

int main(int argc, char** argv) {
  const std::int64_t workers = argc > 1 ? std::atoll(argv[1]) : 10'000;
  const std::int64_t trials = argc > 2 ? std::atoll(argv[2]) : 1'000'000;
  return mpitune::Run(workers, trials);
}
