#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mpitune/objective.h"
#include "gpu/gpu.h"
#include "mpitune/space.h"
#include "trial/sgd_objective.h"

namespace mpitune {
namespace {

ParamSpec Constant(const std::string& name, ParamValue value) {
  ParamSpec spec;
  spec.name = name;
  spec.type = ParamType::kConstant;
  spec.choices = {std::move(value)};
  return spec;
}

// Every hyperparameter as a constant, so one config (all zeros) is "the" config.
SearchSpace Space(double lr, double momentum = 0.0, const std::string& activation = "relu",
                  double weight_decay = 0.0) {
  Result<SearchSpace> space = SearchSpace::Create({
      Constant("lr", lr),
      Constant("width", std::int64_t{16}),
      Constant("batch", std::int64_t{64}),
      Constant("momentum", momentum),
      Constant("activation", activation),
      Constant("weight_decay", weight_decay),
  });
  EXPECT_TRUE(space.ok()) << space.status().message();
  return space.value();
}

// The CPU reference unless told otherwise: bit-exact expectations are about it.
std::unique_ptr<Objective> Make(const SearchSpace& space, std::uint64_t seed = 7,
                                SgdDevice device = SgdDevice::kCpu) {
  Result<std::unique_ptr<Objective>> objective = MakeSgdObjective(space, seed, device);
  EXPECT_TRUE(objective.ok()) << objective.status().message();
  return std::move(objective.value());
}

Config TheConfig(const SearchSpace& space) { return Config{std::vector<double>(space.size(), 0.0)}; }

// The validation losses after each of `steps` in one uninterrupted session.
std::vector<double> Curve(const Objective& objective, const Config& config,
                          const std::vector<double>& steps) {
  std::unique_ptr<ObjectiveSession> session = objective.Start(config, 3, 0.0);
  std::vector<double> losses;
  for (const double step : steps) losses.push_back(session->Advance(step));
  return losses;
}

TEST(SgdObjectiveTest, IsRegistered) {
  const std::vector<std::string> names = BuiltinObjectiveNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "sgd"), names.end());
}

TEST(SgdObjectiveTest, LossDecreasesOverEpochs) {
  for (const double momentum : {0.0, 0.9}) {
    const SearchSpace space = Space(momentum > 0.0 ? 0.005 : 0.05, momentum);
    const std::unique_ptr<Objective> objective = Make(space);
    const std::vector<double> losses = Curve(*objective, TheConfig(space), {0.0, 1, 3, 9, 27});
    for (std::size_t i = 1; i < losses.size(); ++i) {
      EXPECT_LT(losses[i], losses[i - 1]) << "momentum " << momentum << " epoch step " << i;
    }
    // Well below where it started: the model learns, not just drifts.
    EXPECT_LT(losses.back(), 0.5 * losses.front()) << "momentum " << momentum;
  }
}

TEST(SgdObjectiveTest, WeightDecayChangesTheCurve) {
  const SearchSpace plain = Space(0.05);
  const SearchSpace decayed = Space(0.05, 0.0, "relu", 0.1);
  const double without = Curve(*Make(plain), TheConfig(plain), {3})[0];
  const double with = Curve(*Make(decayed), TheConfig(decayed), {3})[0];
  EXPECT_TRUE(std::isfinite(with));
  EXPECT_NE(with, without);
}

TEST(SgdObjectiveTest, TanhLearnsToo) {
  const SearchSpace space = Space(0.05, 0.0, "tanh");
  const std::vector<double> losses = Curve(*Make(space), TheConfig(space), {0.0, 9});
  EXPECT_LT(losses[1], 0.5 * losses[0]);
}

TEST(SgdObjectiveTest, HugeLearningRateDivergesWithoutThrowing) {
  const SearchSpace space = Space(50.0);
  std::vector<double> losses;
  ASSERT_NO_THROW(losses = Curve(*Make(space), TheConfig(space), {1, 2, 27}));
  const double last = losses.back();
  EXPECT_TRUE(!std::isfinite(last) || last > 1e6) << last;
}

TEST(SgdObjectiveTest, SameSeedSameCurveOtherSeedOther) {
  const SearchSpace space = Space(0.05);
  const std::vector<double> steps = {0.5, 1, 2, 3};
  const std::vector<double> a = Curve(*Make(space, 7), TheConfig(space), steps);
  const std::vector<double> b = Curve(*Make(space, 7), TheConfig(space), steps);
  const std::vector<double> c = Curve(*Make(space, 8), TheConfig(space), steps);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(SgdObjectiveTest, CheckpointRestoreReproducesTheCurveExactly) {
  const SearchSpace space = Space(0.01, 0.9, "relu", 1e-3);
  const std::unique_ptr<Objective> objective = Make(space);
  const Config config = TheConfig(space);
  // Pauses land mid-epoch (1.5) and on epoch boundaries (3), as ASHA's rungs would.
  const std::vector<double> steps = {1, 1.5, 3, 4, 9};
  const std::vector<double> uninterrupted = Curve(*objective, config, steps);

  std::vector<double> resumed;
  std::vector<std::uint8_t> bytes;
  double from = 0.0;
  for (const double step : steps) {
    std::unique_ptr<ObjectiveSession> session = objective->Start(config, 3, from);
    if (!bytes.empty()) {
      ASSERT_TRUE(session->Restore(bytes).ok());
    }
    resumed.push_back(session->Advance(step));
    bytes = session->Checkpoint();
    from = step;
  }
  EXPECT_EQ(resumed, uninterrupted);  // bit-exact, not just close
}

TEST(SgdObjectiveTest, BadCheckpointsAreRefusedAndLeaveTheSessionAlone) {
  const SearchSpace space = Space(0.05);
  const std::unique_ptr<Objective> objective = Make(space);
  std::unique_ptr<ObjectiveSession> session = objective->Start(TheConfig(space), 3, 0.0);
  const double before = session->Advance(1);
  std::vector<std::uint8_t> good = session->Checkpoint();
  ASSERT_FALSE(good.empty());

  EXPECT_FALSE(session->Restore({}).ok());
  std::vector<std::uint8_t> truncated(good.begin(), good.end() - 1);
  EXPECT_FALSE(session->Restore(truncated).ok());
  std::vector<std::uint8_t> longer = good;
  longer.push_back(0);
  EXPECT_FALSE(session->Restore(longer).ok());
  std::vector<std::uint8_t> version = good;
  version[0] = 99;
  const Status status = session->Restore(version);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("version"), std::string::npos) << status.message();

  // A checkpoint of another width does not fit this model.
  Result<SearchSpace> wide = SearchSpace::Create({Constant("lr", 0.05), Constant("width", std::int64_t{8})});
  ASSERT_TRUE(wide.ok());
  const std::unique_ptr<Objective> other = Make(wide.value());
  const std::vector<std::uint8_t> foreign = other->Start(TheConfig(wide.value()), 3, 0.0)->Checkpoint();
  EXPECT_FALSE(session->Restore(foreign).ok());

  // None of that touched the session: asking for the same budget gives the same loss.
  EXPECT_EQ(session->Advance(1), before);
  ASSERT_TRUE(session->Restore(good).ok());
  EXPECT_EQ(session->Advance(1), before);
}

TEST(SgdObjectiveTest, NeedsANumericLr) {
  Result<SearchSpace> space = SearchSpace::Create({Constant("width", std::int64_t{8})});
  ASSERT_TRUE(space.ok());
  Result<std::unique_ptr<Objective>> objective = MakeObjective("sgd", space.value(), 27.0, 1);
  ASSERT_FALSE(objective.ok());
  EXPECT_EQ(objective.status().message(), "trial.objective: sgd needs a numeric parameter 'lr' in space");

  Result<SearchSpace> bad_activation =
      SearchSpace::Create({Constant("lr", 0.1), Constant("activation", std::string("gelu"))});
  ASSERT_TRUE(bad_activation.ok());
  EXPECT_FALSE(MakeObjective("sgd", bad_activation.value(), 27.0, 1).ok());
}

TEST(SgdObjectiveTest, MakeObjectiveBuildsItWithTheDefaultDevice) {
  const SearchSpace space = Space(0.05);
  Result<std::unique_ptr<Objective>> objective = MakeObjective("sgd", space, 27.0, 7);
  ASSERT_TRUE(objective.ok()) << objective.status().message();
  EXPECT_EQ(objective.value()->name(), "sgd");
  const std::vector<double> losses = Curve(*objective.value(), TheConfig(space), {0.0, 2});
  EXPECT_LT(losses[1], losses[0]);
}

// The device path against the CPU reference, ReLU and tanh, with momentum and weight
// decay, over several epochs so that small differences would have time to grow.
TEST(SgdObjectiveTest, CudaMatchesTheCpuReference) {
  if (QueryGpus().count == 0) GTEST_SKIP() << "no CUDA device on this machine: the kernel can only be compared with the CPU reference on a GPU";
  for (const std::string activation : {"relu", "tanh"}) {
    const SearchSpace space = Space(0.01, 0.9, activation, 1e-3);
    const std::unique_ptr<Objective> cpu = Make(space, 7, SgdDevice::kCpu);
    const std::unique_ptr<Objective> cuda = Make(space, 7, SgdDevice::kCuda);
    ASSERT_NE(cuda, nullptr);
    const std::vector<double> steps = {0.5, 1, 3, 5};
    const std::vector<double> expected = Curve(*cpu, TheConfig(space), steps);
    const std::vector<double> actual = Curve(*cuda, TheConfig(space), steps);
    for (std::size_t i = 0; i < steps.size(); ++i) {
      // ReLU should even match exactly; tanh differs by ulps between libm and CUDA.
      EXPECT_NEAR(actual[i], expected[i], 1e-6 * std::abs(expected[i]))
          << activation << " at epoch " << steps[i];
    }
    // Deterministic on the device too: no atomics, fixed summation order.
    EXPECT_EQ(Curve(*cuda, TheConfig(space), steps), actual) << activation;
  }
}

TEST(SgdObjectiveTest, AskingForCudaWithoutADeviceSaysWhy) {
  if (QueryGpus().count > 0) return;  // the match test above covers machines with one
  Result<std::unique_ptr<Objective>> objective = MakeSgdObjective(Space(0.05), 7, SgdDevice::kCuda);
  ASSERT_FALSE(objective.ok());
  EXPECT_NE(objective.status().message().find("sgd on CUDA"), std::string::npos)
      << objective.status().message();
}

TEST(SgdObjectiveTest, DefaultsWhenOnlyLrIsGiven) {
  Result<SearchSpace> space = SearchSpace::Create({Constant("lr", 0.05)});
  ASSERT_TRUE(space.ok());
  const std::unique_ptr<Objective> objective = Make(space.value());
  EXPECT_DOUBLE_EQ(objective->CostPerBudget(TheConfig(space.value())), 1.0);  // width 32, batch 32
  const std::vector<double> losses = Curve(*objective, TheConfig(space.value()), {0.0, 1, 3});
  EXPECT_LT(losses[2], losses[0]);
}

}  // namespace
}  // namespace mpitune
