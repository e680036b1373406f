#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "mpitune/objective.h"
#include "mpitune/rng.h"
#include "mpitune/space.h"

namespace mpitune {
namespace {

constexpr double kPi = std::numbers::pi;

ParamSpec Uniform(const std::string& name, double low, double high) {
  ParamSpec spec;
  spec.name = name;
  spec.type = ParamType::kUniform;
  spec.low = low;
  spec.high = high;
  return spec;
}

SearchSpace MakeSpace(std::vector<ParamSpec> params) {
  Result<SearchSpace> space = SearchSpace::Create(std::move(params));
  EXPECT_TRUE(space.ok()) << space.status().message();
  return space.value();
}

std::unique_ptr<Objective> Make(const std::string& name, const SearchSpace& space,
                                double max_budget, std::uint64_t seed = 1) {
  Result<std::unique_ptr<Objective>> objective = MakeObjective(name, space, max_budget, seed);
  EXPECT_TRUE(objective.ok()) << objective.status().message();
  return std::move(objective.value());
}

// The value of `config` at `budget` in a fresh session of trial `trial`.
double Evaluate(const Objective& objective, const Config& config, double budget,
                TrialId trial = 0) {
  return objective.Start(config, trial, 0.0)->Advance(budget);
}

SearchSpace BraninSpace() { return MakeSpace({Uniform("x1", -5, 10), Uniform("x2", 0, 15)}); }

SearchSpace HartmannSpace() {
  std::vector<ParamSpec> params;
  for (int i = 1; i <= 6; ++i) params.push_back(Uniform(fmt::format("x{}", i), 0, 1));
  return MakeSpace(params);
}

// lr, layers, activation, dropout: numeric, int, string choice and log scale.
SearchSpace MixedSpace() {
  ParamSpec lr;
  lr.name = "lr";
  lr.type = ParamType::kLogUniform;
  lr.low = 1e-4;
  lr.high = 1e-1;
  ParamSpec layers;
  layers.name = "layers";
  layers.type = ParamType::kInt;
  layers.low = 1;
  layers.high = 8;
  ParamSpec activation;
  activation.name = "activation";
  activation.type = ParamType::kChoice;
  activation.choices = {std::string("relu"), std::string("tanh"), std::string("gelu")};
  return MakeSpace({lr, layers, activation, Uniform("dropout", 0.0, 0.5)});
}

std::vector<Config> RandomConfigs(const SearchSpace& space, int count, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<Config> configs;
  std::vector<double> unit(space.size());
  for (int i = 0; i < count; ++i) {
    for (double& u : unit) u = rng.Uniform();
    configs.push_back(space.Decode(unit));
  }
  return configs;
}

TEST(BuiltinObjectivesTest, NamesTheBuiltinObjectives) {
  EXPECT_EQ(BuiltinObjectiveNames(), (std::vector<std::string>{"branin", "hartmann6", "curve", "sgd", "pbt_toy"}));
}

SearchSpace ToySpace() {
  Result<SearchSpace> space = SearchSpace::Create(
      {ParamSpec{"h0", ParamType::kUniform, 0, 2, false, {}}, ParamSpec{"h1", ParamType::kUniform, 0, 2, false, {}}});
  EXPECT_TRUE(space.ok());
  return *space;
}

TEST(PbtToyObjectiveTest, TakesFiveGradientStepsPerBudgetUnit) {
  Result<std::unique_ptr<Objective>> toy = MakeObjective("pbt_toy", ToySpace(), 10, 0);
  ASSERT_TRUE(toy.ok()) << toy.status().message();
  std::unique_ptr<ObjectiveSession> session = (*toy)->Start(Config{{1.0, 0.5}}, 0, 0.0);
  // theta_i <- theta_i (1 - 2 * 0.01 * h_i), five times.
  const double theta0 = 0.9 * std::pow(0.98, 5);
  const double theta1 = 0.9 * std::pow(0.99, 5);
  EXPECT_NEAR(session->Advance(1), theta0 * theta0 + theta1 * theta1, 1e-12);
}

TEST(PbtToyObjectiveTest, ACheckpointCarriesThetaToAnotherConfig) {
  Result<std::unique_ptr<Objective>> toy = MakeObjective("pbt_toy", ToySpace(), 10, 0);
  ASSERT_TRUE(toy.ok());
  std::unique_ptr<ObjectiveSession> donor = (*toy)->Start(Config{{2.0, 2.0}}, 0, 0.0);
  donor->Advance(3);
  const std::vector<std::uint8_t> checkpoint = donor->Checkpoint();
  // The recipient goes on from the donor's theta at step 3, with its own h.
  std::unique_ptr<ObjectiveSession> recipient = (*toy)->Start(Config{{0.0, 0.0}}, 1, 3.0);
  ASSERT_TRUE(recipient->Restore(checkpoint).ok());
  const double at_three = donor->Advance(3);  // no further step
  EXPECT_EQ(recipient->Advance(4), at_three);  // h = 0: theta stays the donor's
  EXPECT_FALSE(recipient->Restore({1, 2, 3}).ok());
}

TEST(PbtToyObjectiveTest, NeedsNumericH0AndH1) {
  Result<std::unique_ptr<Objective>> toy = MakeObjective("pbt_toy", BraninSpace(), 10, 0);
  ASSERT_FALSE(toy.ok());
  EXPECT_NE(toy.status().message().find("'h0'"), std::string::npos) << toy.status().message();
}

TEST(BuiltinObjectivesTest, UnknownNameFails) {
  Result<std::unique_ptr<Objective>> objective = MakeObjective("rosenbrock", BraninSpace(), 10, 0);
  ASSERT_FALSE(objective.ok());
  EXPECT_EQ(objective.status().kind(), ErrorKind::kBadInput);
  EXPECT_NE(objective.status().message().find("'rosenbrock'"), std::string::npos);
}

TEST(BuiltinObjectivesTest, NonPositiveMaxBudgetFails) {
  EXPECT_FALSE(MakeObjective("curve", BraninSpace(), 0.0, 0).ok());
}

TEST(BraninTest, MinimaAtFullFidelity) {
  const SearchSpace space = BraninSpace();
  const auto objective = Make("branin", space, 27);
  EXPECT_EQ(objective->name(), "branin");
  for (const auto& [x1, x2] : std::vector<std::pair<double, double>>{
           {kPi, 2.275}, {-kPi, 12.275}, {3 * kPi, 2.475}}) {
    EXPECT_NEAR(Evaluate(*objective, Config{{x1, x2}}, 27), 0.397887, 1e-5) << x1 << ", " << x2;
  }
  // Away from the minima it is clearly worse.
  EXPECT_GT(Evaluate(*objective, Config{{0.0, 0.0}}, 27), 10.0);
}

TEST(BraninTest, LowFidelityIsBiased) {
  const SearchSpace space = BraninSpace();
  const auto objective = Make("branin", space, 100);
  const Config optimum{{kPi, 2.275}};
  const double full = Evaluate(*objective, optimum, 100);
  const double low = Evaluate(*objective, optimum, 1);
  EXPECT_GT(std::abs(low - full), 0.1);
  // Budgets past max_budget are full fidelity.
  EXPECT_DOUBLE_EQ(Evaluate(*objective, optimum, 250), full);
  EXPECT_EQ(objective->CostPerBudget(optimum), 1.0);
}

TEST(BraninTest, AcceptsAnIntParameterAndAnyParameterOrder) {
  ParamSpec x1;
  x1.name = "x1";
  x1.type = ParamType::kInt;
  x1.low = -5;
  x1.high = 10;
  const SearchSpace space = MakeSpace({Uniform("x2", 0, 15), Uniform("other", 0, 1), x1});
  const auto objective = Make("branin", space, 10);
  const auto reference = Make("branin", BraninSpace(), 10);
  EXPECT_DOUBLE_EQ(Evaluate(*objective, Config{{4.0, 0.5, 3.0}}, 10),
                   Evaluate(*reference, Config{{3.0, 4.0}}, 10));
}

TEST(BraninTest, MissingParameterIsNamed) {
  Result<std::unique_ptr<Objective>> objective =
      MakeObjective("branin", MakeSpace({Uniform("x1", -5, 10)}), 10, 0);
  ASSERT_FALSE(objective.ok());
  EXPECT_EQ(objective.status().kind(), ErrorKind::kBadInput);
  EXPECT_EQ(objective.status().message(),
            "trial.objective: branin needs a numeric parameter 'x2' in space");
}

TEST(BraninTest, StringChoiceIsNotNumeric) {
  ParamSpec x2;
  x2.name = "x2";
  x2.type = ParamType::kChoice;
  x2.choices = {std::string("a"), std::string("b")};
  Result<std::unique_ptr<Objective>> objective =
      MakeObjective("branin", MakeSpace({Uniform("x1", -5, 10), x2}), 10, 0);
  ASSERT_FALSE(objective.ok());
  EXPECT_NE(objective.status().message().find("'x2'"), std::string::npos);
}

TEST(Hartmann6Test, MinimumAtFullFidelity) {
  const SearchSpace space = HartmannSpace();
  const auto objective = Make("hartmann6", space, 81);
  const Config optimum{{0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573}};
  EXPECT_NEAR(Evaluate(*objective, optimum, 81), -3.32237, 1e-4);
  // Lower fidelity shrinks every alpha, so the optimum looks less deep.
  EXPECT_GT(Evaluate(*objective, optimum, 1), -3.32237 + 0.05);
  for (const Config& config : RandomConfigs(space, 200, 7)) {
    EXPECT_GT(Evaluate(*objective, config, 81), -3.32237);
  }
}

TEST(Hartmann6Test, MissingParameterIsNamed) {
  std::vector<ParamSpec> params;
  for (int i = 1; i <= 5; ++i) params.push_back(Uniform(fmt::format("x{}", i), 0, 1));
  Result<std::unique_ptr<Objective>> objective =
      MakeObjective("hartmann6", MakeSpace(params), 10, 0);
  ASSERT_FALSE(objective.ok());
  EXPECT_EQ(objective.status().message(),
            "trial.objective: hartmann6 needs a numeric parameter 'x6' in space");
}

TEST(CurveTest, IsDeterministicPerSeedTrialAndBudget) {
  const SearchSpace space = MixedSpace();
  const auto a = Make("curve", space, 27, 42);
  const auto b = Make("curve", space, 27, 42);
  const auto other = Make("curve", space, 27, 43);
  int differs = 0;
  for (const Config& config : RandomConfigs(space, 20, 3)) {
    for (double budget : {1.0, 3.0, 9.0, 27.0}) {
      const double value = Evaluate(*a, config, budget, 5);
      EXPECT_TRUE(std::isfinite(value));
      EXPECT_EQ(value, Evaluate(*b, config, budget, 5));
      // A session evaluates at the budget it is given, whatever came before.
      auto session = a->Start(config, 5, 1.0);
      session->Advance(budget / 2);
      EXPECT_EQ(session->Advance(budget), value);
      if (value != Evaluate(*other, config, budget, 5)) ++differs;
    }
  }
  EXPECT_GT(differs, 0);
}

TEST(CurveTest, NoiseIsSmallAndPerTrial) {
  const SearchSpace space = MixedSpace();
  const auto objective = Make("curve", space, 27, 1);
  const Config config = RandomConfigs(space, 1, 9)[0];
  double low = 1e9;
  double high = -1e9;
  for (TrialId trial = 0; trial < 100; ++trial) {
    const double value = Evaluate(*objective, config, 9, trial);
    low = std::min(low, value);
    high = std::max(high, value);
  }
  EXPECT_GT(high - low, 0.005);
  EXPECT_LE(high - low, 0.02);
}

TEST(CurveTest, DecreasesWithBudgetOnAverage) {
  const SearchSpace space = MixedSpace();
  const auto objective = Make("curve", space, 27, 5);
  const std::vector<Config> configs = RandomConfigs(space, 200, 11);
  double previous = INFINITY;
  for (double budget : {1.0, 3.0, 9.0, 27.0, 81.0}) {
    double sum = 0.0;
    for (std::size_t i = 0; i < configs.size(); ++i) {
      sum += Evaluate(*objective, configs[i], budget, static_cast<TrialId>(i));
    }
    const double mean = sum / static_cast<double>(configs.size());
    EXPECT_LT(mean, previous) << "budget " << budget;
    EXPECT_GT(mean, 0.05);
    previous = mean;
  }
}

// Successive halving is only interesting if the ranking at a low budget is not
// the ranking at the top: some pairs of curves must cross by more than the noise.
TEST(CurveTest, SomeCurvesCross) {
  const SearchSpace space = MixedSpace();
  const auto objective = Make("curve", space, 27, 5);
  const std::vector<Config> configs = RandomConfigs(space, 60, 13);
  std::vector<double> early;
  std::vector<double> late;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    early.push_back(Evaluate(*objective, configs[i], 1, static_cast<TrialId>(i)));
    late.push_back(Evaluate(*objective, configs[i], 27, static_cast<TrialId>(i)));
  }
  int crossing = 0;
  int pairs = 0;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    for (std::size_t j = 0; j < configs.size(); ++j) {
      if (i == j) continue;
      ++pairs;
      if (early[i] + 0.05 < early[j] && late[i] > late[j] + 0.05) ++crossing;
    }
  }
  EXPECT_GT(crossing, pairs / 50);
  // ... but the low budget still says something about the top one.
  EXPECT_LT(crossing, pairs / 4);
}

TEST(CurveTest, CostDependsOnTheConfigWithinBounds) {
  const SearchSpace space = MixedSpace();
  const auto objective = Make("curve", space, 27, 5);
  double low = 1e9;
  double high = -1e9;
  for (const Config& config : RandomConfigs(space, 200, 17)) {
    const double cost = objective->CostPerBudget(config);
    EXPECT_GE(cost, 0.5);
    EXPECT_LE(cost, 2.0);
    low = std::min(low, cost);
    high = std::max(high, cost);
  }
  EXPECT_GT(high - low, 1.0);
}

// Config validation rejects an empty space, but a default SearchSpace is empty.
TEST(CurveTest, WorksOnAnEmptySpace) {
  const SearchSpace space;
  const auto objective = Make("curve", space, 27, 5);
  EXPECT_TRUE(std::isfinite(Evaluate(*objective, Config{}, 3)));
  EXPECT_EQ(objective->CostPerBudget(Config{}), 1.0);
}

}  // namespace
}  // namespace mpitune
