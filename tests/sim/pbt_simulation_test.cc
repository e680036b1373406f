// Population-based training in virtual time on the PBT paper's toy problem (h0, h1 in
// [0, 2], 8 members on 4 workers, 10 budget units each, 10 seeds): at the same total budget, with the same number of members, PBT ends with a better member
// than random search (each member trained with one fixed h to the end), by a margin
// asserted here; and the same seed gives the same study.
#include <gtest/gtest.h>

#include <cstdio>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mpitune/objective.h"
#include "mpitune/scheduler.h"
#include "sim/simulator.h"

namespace mpitune {
namespace {

constexpr std::int64_t kMembers = 8;
constexpr double kMaxBudget = 10.0;

SearchSpace ToySpace() {
  ParamSpec h0{"h0", ParamType::kUniform, 0.0, 2.0, false, {}};
  ParamSpec h1{"h1", ParamType::kUniform, 0.0, 2.0, false, {}};
  Result<SearchSpace> space = SearchSpace::Create({h0, h1});
  EXPECT_TRUE(space.ok());
  return *space;
}

struct Outcome {
  double best_loss = 0.0;
  std::int64_t exploits = 0;
  double utilisation = 0.0;
  std::vector<ExploitRecord> lineage;
};

Outcome RunToyStudy(SchedulerKind kind, std::uint64_t seed, bool synchronous = false) {
  const SearchSpace space = ToySpace();
  SchedulerOptions options;
  options.kind = kind;
  options.max_trials = kMembers;  // random search: kMembers members, none replaced
  options.min_budget = kMaxBudget;
  options.max_budget = kMaxBudget;
  options.seed = seed;
  options.pbt.population = kMembers;
  options.pbt.perturbation_interval = 1.0;
  options.pbt.synchronous = synchronous;
  EXPECT_TRUE(ValidateSchedulerOptions(options).ok());
  std::unique_ptr<Scheduler> scheduler = MakeScheduler(space, options);
  Result<std::unique_ptr<Objective>> objective = MakeObjective("pbt_toy", space, kMaxBudget, seed);
  EXPECT_TRUE(objective.ok()) << objective.status().message();
  SimulationOptions simulation;
  simulation.workers = 4;  // members take turns
  const SimulationResult result = Simulate(*scheduler, **objective, simulation);
  EXPECT_TRUE(result.best_trial.has_value());
  // Every member trains to max_budget: neither study spends more than the other.
  for (const TrialRecord& trial : scheduler->trials()) {
    if (trial.state == TrialState::kCompleted) {
      EXPECT_DOUBLE_EQ(trial.last_step, kMaxBudget);
    }
  }
  return Outcome{result.best_value, result.exploits, result.utilisation, scheduler->Exploits()};
}

double MeanBestLoss(SchedulerKind kind, bool synchronous = false) {
  double sum = 0.0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) sum += RunToyStudy(kind, seed, synchronous).best_loss;
  return sum / 10.0;
}

TEST(PbtSimulation, BeatsRandomSearchAtTheSameBudgetOnThePaperToyProblem) {
  const double random_search = MeanBestLoss(SchedulerKind::kFifo);
  const double pbt = MeanBestLoss(SchedulerKind::kPbt);
  const double pbt_synchronous = MeanBestLoss(SchedulerKind::kPbt, true);
  // The figures behind the asserted margins (loss = 1.2 - Q, lower is better).
  std::printf("mean best loss over 10 seeds: random search %.4f, pbt %.4f, pbt synchronous %.4f\n", random_search,
              pbt, pbt_synchronous);
  // Measured: random 0.0640, pbt 0.0542 (0.85 x), synchronous 0.0454 (0.71 x).
  EXPECT_LT(pbt, 0.9 * random_search);
  EXPECT_LT(pbt_synchronous, 0.75 * random_search);
}

TEST(PbtSimulation, ExploitsHappenAndTheSameSeedGivesTheSameStudy) {
  const Outcome first = RunToyStudy(SchedulerKind::kPbt, 7);
  const Outcome again = RunToyStudy(SchedulerKind::kPbt, 7);
  EXPECT_GT(first.exploits, 0);
  EXPECT_EQ(first.best_loss, again.best_loss);
  ASSERT_EQ(first.lineage.size(), again.lineage.size());
  for (std::size_t i = 0; i < first.lineage.size(); ++i) {
    EXPECT_EQ(first.lineage[i].recipient, again.lineage[i].recipient);
    EXPECT_EQ(first.lineage[i].donor, again.lineage[i].donor);
    EXPECT_EQ(first.lineage[i].new_config, again.lineage[i].new_config);
  }
  EXPECT_NE(RunToyStudy(SchedulerKind::kPbt, 8).best_loss, first.best_loss);
}

}  // namespace
}  // namespace mpitune
