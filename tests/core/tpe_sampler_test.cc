// The model-based sampler: it must learn where the good configurations are for every
// parameter type, follow BOHB's rung rule, keep failures and NaN out of the good
// density, spread parallel workers, and resume exactly.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/parzen_estimator.h"
#include "core/space_test_util.h"
#include "mpitune/sampler.h"

namespace mpitune {
namespace {

using testing::MixedSpace;
using testing::MustCreate;
using testing::Uniform;

using Loss = std::function<double(const Config&)>;

std::unique_ptr<Sampler> MakeTpe(const SearchSpace& space) {
  SamplerOptions options;
  options.kind = SamplerKind::kTpe;
  return MakeSampler(space, options, 7);
}

// Runs `trials` sequential trials through the sampler: each one drawn, started,
// and observed at `rung` with its loss.
void Teach(Sampler& sampler, Rng& rng, const Loss& loss, int trials, int rung = 0, TrialId first_id = 0) {
  for (int i = 0; i < trials; ++i) {
    const Config config = *sampler.Next(rng);
    const TrialId id = first_id + i;
    sampler.Started(id, config);
    sampler.Observed(id, config, rung, loss(config));
  }
}

// Draws without telling the sampler, so every draw sees the same model.
std::vector<Config> Propose(Sampler& sampler, Rng& rng, int n) {
  std::vector<Config> out;
  for (int i = 0; i < n; ++i) out.push_back(*sampler.Next(rng));
  return out;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// On MixedSpace: best at x = 0.5, lr = 1e-3, layers = 6, batch = 256, opt = adam.
double MixedLoss(const Config& c) {
  const double x = c.values[0], lr = c.values[1], layers = c.values[2], batch = c.values[3], opt = c.values[4];
  return (x - 0.5) * (x - 0.5) + 0.1 * std::pow(std::log10(lr) + 3.0, 2) + 0.1 * (layers - 6.0) * (layers - 6.0) +
         0.05 * std::pow(std::log2(batch) - 8.0, 2) + (opt == 1.0 ? 0.0 : 0.5);
}

TEST(TpeSampler, IsNamedTpe) { EXPECT_STREQ(SamplerKindName(SamplerKind::kTpe), "tpe"); }

TEST(TpeSampler, LearnsEveryParameterType) {
  const SearchSpace space = MixedSpace();
  auto sampler = MakeTpe(space);
  Rng rng(3);
  Teach(*sampler, rng, MixedLoss, 150);
  const std::vector<Config> proposed = Propose(*sampler, rng, 200);
  std::vector<double> x_gap, lr_gap, batch_gap;
  int adam = 0, six_layers = 0;
  for (const Config& c : proposed) {
    ASSERT_TRUE(space.Contains(c));
    EXPECT_EQ(c.values[5], 0.0);
    x_gap.push_back(std::fabs(c.values[0] - 0.5));
    lr_gap.push_back(std::fabs(std::log10(c.values[1]) + 3.0));
    batch_gap.push_back(std::fabs(std::log2(c.values[3]) - 8.0));
    adam += c.values[4] == 1.0;
    six_layers += c.values[2] == 6.0;
  }
  // Uniform draws would give medians of about 0.5, 1.0 and 1.5, a third adam and an
  // eighth at six layers.
  EXPECT_LT(Median(x_gap), 0.15);
  EXPECT_LT(Median(lr_gap), 0.6);
  EXPECT_LT(Median(batch_gap), 1.0);
  EXPECT_GT(adam, 120);
  EXPECT_GT(six_layers, 60);
}

TEST(ParzenEstimator, KernelsNarrowAsInOneDimensionWhateverTheDimension) {
  // 40 points with the same column on every axis: each axis' kernel is sigma n^(-1/5),
  // in eight dimensions as in one (the multivariate n^(-1/12) barely narrowed them).
  constexpr std::size_t kRows = 40;
  std::vector<double> column(kRows);
  for (std::size_t r = 0; r < kRows; ++r) column[r] = 0.3 + 0.02 * static_cast<double>(r % 10) + 0.001 * static_cast<double>(r);
  double mean = 0.0, var = 0.0;
  for (double v : column) mean += v / kRows;
  for (double v : column) var += (v - mean) * (v - mean) / kRows;
  const double expected = std::sqrt(var) * std::pow(static_cast<double>(kRows), -0.2);
  ASSERT_GT(expected, 0.5 / (kRows + 1.0)) << "above the floor, so the rule itself is tested";
  for (const std::size_t dims : {std::size_t{1}, std::size_t{8}}) {
    const std::vector<ParzenAxis> axes(dims);
    std::vector<double> points;
    for (double v : column) points.insert(points.end(), dims, v);
    const ParzenEstimator density(axes, std::move(points));
    for (const double width : density.bandwidth()) EXPECT_NEAR(width, expected, 1e-12) << dims << " dimensions";
  }
}

TEST(ParzenEstimator, IntKernelsSpanAtLeastHalfACell) {
  // Forty results all on 7 layers (of 1..8): a narrower kernel would never propose
  // 6 or 8 again, so the model could not move to a better neighbouring integer.
  const SearchSpace space = MixedSpace();
  const std::vector<ParzenAxis> axes = ParzenAxes(space);
  ASSERT_EQ(axes[2].categories, 0);
  EXPECT_DOUBLE_EQ(axes[2].min_width, 0.5 / 8.0);
  EXPECT_EQ(axes[0].min_width, 0.0) << "uniform";
  EXPECT_EQ(axes[3].min_width, 0.0) << "log int: its cells differ in width";
  std::vector<double> points;
  for (int r = 0; r < 40; ++r) {
    const std::vector<double> unit = space.Encode(Config{{0.02 * (r % 10) - 0.1, 1e-3, 7.0, 256.0, 1.0, 0.0}});
    points.insert(points.end(), unit.begin(), unit.end());
  }
  const ParzenEstimator density(axes, std::move(points));
  EXPECT_DOUBLE_EQ(density.bandwidth()[2], 0.5 / 8.0);
  EXPECT_LT(density.bandwidth()[0], 0.5 / 8.0) << "the floor is the int axis' own";
}

TEST(TpeSampler, IsRandomUntilARungHasEnoughResults) {
  const SearchSpace space = MustCreate({Uniform("x", 0, 1)});
  auto sampler = MakeTpe(space);
  Rng rng(5);
  // One parameter needs 4 results at a rung; with 3, strongly favouring small x,
  // the draws stay uniform.
  Teach(*sampler, rng, [](const Config& c) { return c.values[0]; }, 3);
  std::vector<double> xs;
  for (const Config& c : Propose(*sampler, rng, 200)) xs.push_back(c.values[0]);
  EXPECT_NEAR(Median(xs), 0.5, 0.1);
  sampler->Observed(3, Config{{0.05}}, 0, 0.05);
  xs.clear();
  for (const Config& c : Propose(*sampler, rng, 200)) xs.push_back(c.values[0]);
  EXPECT_LT(Median(xs), 0.35) << "the fourth result fits the model";
}

TEST(TpeSampler, FitsTheHighestRungWithEnoughResults) {
  const SearchSpace space = MustCreate({Uniform("x", 0, 1)});
  auto sampler = MakeTpe(space);
  Rng rng(9);
  // Low budgets favour small x, the higher rung (learning curves cross) large x.
  Teach(*sampler, rng, [](const Config& c) { return c.values[0]; }, 40, /*rung=*/0);
  const auto upper = [](const Config& c) { return -c.values[0]; };
  for (const double x : {0.1, 0.4, 0.7}) sampler->Observed(static_cast<TrialId>(100 + 10 * x), Config{{x}}, 1, upper(Config{{x}}));
  std::vector<double> xs;
  for (const Config& c : Propose(*sampler, rng, 100)) xs.push_back(c.values[0]);
  EXPECT_LT(Median(xs), 0.3) << "three results at rung 1 are too few: rung 0 decides";

  sampler->Observed(103, Config{{0.95}}, 1, -0.95);
  xs.clear();
  for (const Config& c : Propose(*sampler, rng, 100)) xs.push_back(c.values[0]);
  EXPECT_GT(Median(xs), 0.6) << "four results at rung 1 suffice: rung 1 decides";
}

TEST(TpeSampler, FailuresAndNanRankAsWorst) {
  const SearchSpace space = MustCreate({Uniform("x", 0, 1)});
  for (const double bad : {std::nan(""), HUGE_VAL}) {
    auto sampler = MakeTpe(space);
    Rng rng(4);
    // Lower x is better, but x above 0.7 fails: the best results sit just below 0.7.
    Teach(*sampler, rng, [bad](const Config& c) { return c.values[0] > 0.7 ? bad : 1.0 - c.values[0]; }, 120);
    std::vector<double> xs;
    for (const Config& c : Propose(*sampler, rng, 200)) xs.push_back(c.values[0]);
    EXPECT_GT(Median(xs), 0.5);
    EXPECT_LT(Median(xs), 0.75) << "failed results must not count as good";
  }
}

TEST(TpeSampler, PendingTrialsSpreadParallelWorkers) {
  const SearchSpace space = MustCreate({Uniform("x", 0, 1), Uniform("y", 0, 1)});
  const auto loss = [](const Config& c) { return std::hypot(c.values[0] - 0.5, c.values[1] - 0.5); };
  // Median distance from each of forty proposals, made before any of them reports, to
  // its nearest neighbour among them.
  const auto spacing = [&](bool tell_started) {
    auto sampler = MakeTpe(space);
    Rng rng(2);
    Teach(*sampler, rng, loss, 60);
    std::vector<Config> proposed;
    for (TrialId id = 1000; id < 1040; ++id) {
      proposed.push_back(*sampler->Next(rng));
      if (tell_started) sampler->Started(id, proposed.back());
    }
    std::vector<double> nearest;
    for (const Config& a : proposed) {
      double best = HUGE_VAL;
      for (const Config& b : proposed) {
        if (&a != &b) best = std::min(best, std::hypot(a.values[0] - b.values[0], a.values[1] - b.values[1]));
      }
      nearest.push_back(best);
    }
    return Median(nearest);
  };
  EXPECT_GT(spacing(true), 1.3 * spacing(false));
}

TEST(TpeSampler, SameObservationsGiveTheSameConfigs) {
  const SearchSpace space = MixedSpace();
  auto a = MakeTpe(space);
  auto b = MakeTpe(space);
  Rng rng_a(11), rng_b(11);
  Teach(*a, rng_a, MixedLoss, 60);
  Teach(*b, rng_b, MixedLoss, 60);
  const std::vector<Config> from_a = Propose(*a, rng_a, 30);
  EXPECT_EQ(from_a, Propose(*b, rng_b, 30));
  Rng other(12);
  EXPECT_NE(from_a, Propose(*b, other, 30));
}

TEST(TpeSampler, ResumesExactlyFromSavedState) {
  const SearchSpace space = MixedSpace();
  auto original = MakeTpe(space);
  Rng rng(21);
  Teach(*original, rng, MixedLoss, 40, 0);
  Teach(*original, rng, MixedLoss, 12, 1, 40);
  for (TrialId id = 60; id < 65; ++id) original->Started(id, *original->Next(rng));  // pending
  SavedState saved;
  original->Save(saved, "sampler/");

  auto reloaded = MakeTpe(space);
  ASSERT_TRUE(reloaded->Load(saved, "sampler/").ok());
  SavedState resaved;
  reloaded->Save(resaved, "sampler/");
  EXPECT_TRUE(resaved == saved);

  Rng twin = rng;
  Teach(*original, rng, MixedLoss, 30, 1, 70);
  Teach(*reloaded, twin, MixedLoss, 30, 1, 70);
  original->Ended(61);
  reloaded->Ended(61);
  EXPECT_EQ(Propose(*original, rng, 20), Propose(*reloaded, twin, 20));
}

TEST(TpeSampler, KeepsABoundedWindowPerRung) {
  const SearchSpace space = MustCreate({Uniform("x", 0, 1)});
  auto sampler = MakeTpe(space);
  Rng rng(1);
  Teach(*sampler, rng, [](const Config& c) { return c.values[0]; }, 1000);
  SavedState saved;
  sampler->Save(saved, "");
  EXPECT_EQ(saved.GetDoubles("tpe/rung0/keys")->size(), 256u);
  EXPECT_EQ(*saved.GetInt("tpe/rung0/total"), 1000);
  EXPECT_TRUE(saved.GetInts("tpe/pending/trial")->empty());
}

TEST(TpeSampler, RefusesForeignOrInconsistentState) {
  const SearchSpace space = MustCreate({Uniform("x", 0, 1)});
  auto sampler = MakeTpe(space);
  Rng rng(1);
  Teach(*sampler, rng, [](const Config& c) { return c.values[0]; }, 10);
  SavedState saved;
  sampler->Save(saved, "");

  SavedState ragged = saved;
  ragged.Put("tpe/rung0/keys", SavedState::Doubles{1.0});
  EXPECT_FALSE(MakeTpe(space)->Load(ragged, "").ok());
  SavedState outside = saved;
  outside.Put("tpe/pending/trial", SavedState::Ints{3});
  outside.Put("tpe/pending/points", SavedState::Doubles{2.0});
  EXPECT_FALSE(MakeTpe(space)->Load(outside, "").ok());

  SamplerOptions random_options;
  SavedState random_state;
  MakeSampler(space, random_options, 1)->Save(random_state, "");
  const Status foreign = MakeTpe(space)->Load(random_state, "");
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.message().find("expected 'tpe'"), std::string::npos) << foreign.message();
}

}  // namespace
}  // namespace mpitune
