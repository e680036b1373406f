#include "mpitune/sampler.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/space_test_util.h"

namespace mpitune {
namespace {

using testing::Choice;
using testing::Constant;
using testing::Int;
using testing::LogUniform;
using testing::MixedSpace;
using testing::MustCreate;
using testing::Spec;
using testing::Uniform;

SamplerOptions Options(SamplerKind kind, int grid_points = 5) {
  SamplerOptions options;
  options.kind = kind;
  options.grid_points = grid_points;
  return options;
}

std::vector<Config> Draw(Sampler& sampler, Rng& rng, int n) {
  std::vector<Config> out;
  for (int i = 0; i < n; ++i) {
    std::optional<Config> config = sampler.Next(rng);
    if (!config) break;
    out.push_back(*config);
  }
  return out;
}

std::vector<Config> DrawFresh(const SearchSpace& space, SamplerKind kind, std::uint64_t seed, int n) {
  std::unique_ptr<Sampler> sampler = MakeSampler(space, Options(kind), seed);
  Rng rng(seed);
  return Draw(*sampler, rng, n);
}

// Largest gap between the empirical CDF of `values` and the uniform CDF on [0,1).
double KolmogorovDistance(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const auto n = static_cast<double>(values.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    worst = std::max(worst, std::fabs(static_cast<double>(i + 1) / n - values[i]));
    worst = std::max(worst, std::fabs(values[i] - static_cast<double>(i) / n));
  }
  return worst;
}

TEST(SamplerTest, KindNames) {
  EXPECT_STREQ(SamplerKindName(SamplerKind::kRandom), "random");
  EXPECT_STREQ(SamplerKindName(SamplerKind::kQuasiRandom), "quasi");
  EXPECT_STREQ(SamplerKindName(SamplerKind::kGrid), "grid");
}

TEST(SamplerTest, RandomAndQuasiStayInSpaceAndAreUnlimited) {
  SearchSpace space = MixedSpace();
  for (SamplerKind kind : {SamplerKind::kRandom, SamplerKind::kQuasiRandom}) {
    std::unique_ptr<Sampler> sampler = MakeSampler(space, Options(kind), 42);
    EXPECT_EQ(sampler->Capacity(), std::nullopt);
    Rng rng(42);
    const std::vector<Config> configs = Draw(*sampler, rng, 2000);
    ASSERT_EQ(configs.size(), 2000u);
    std::set<double> layers;
    for (const Config& c : configs) {
      ASSERT_TRUE(space.Contains(c)) << SamplerKindName(kind);
      layers.insert(c.values[2]);
    }
    EXPECT_EQ(layers.size(), 8u) << SamplerKindName(kind);
  }
}

TEST(SamplerTest, RandomIsDeterministicFromSeed) {
  SearchSpace space = MixedSpace();
  EXPECT_EQ(DrawFresh(space, SamplerKind::kRandom, 1, 100), DrawFresh(space, SamplerKind::kRandom, 1, 100));
  EXPECT_NE(DrawFresh(space, SamplerKind::kRandom, 1, 100), DrawFresh(space, SamplerKind::kRandom, 2, 100));
}

TEST(SamplerTest, RandomDrawsFromTheStudyRng) {
  SearchSpace space = MixedSpace();
  std::unique_ptr<Sampler> sampler = MakeSampler(space, Options(SamplerKind::kRandom), 0);
  Rng a(5);
  Rng b(5);
  const Config config = *sampler->Next(a);
  std::vector<double> unit(space.size());
  for (double& u : unit) u = b.Uniform();
  EXPECT_EQ(config, space.Decode(unit));
  EXPECT_EQ(a.state(), b.state());
}

TEST(HaltonTest, DeterministicFromSeedAndIndependentOfTheStudyRng) {
  SearchSpace space = MixedSpace();
  EXPECT_EQ(DrawFresh(space, SamplerKind::kQuasiRandom, 1, 100), DrawFresh(space, SamplerKind::kQuasiRandom, 1, 100));
  EXPECT_NE(DrawFresh(space, SamplerKind::kQuasiRandom, 1, 100), DrawFresh(space, SamplerKind::kQuasiRandom, 2, 100));
  // The sequence depends on `seed` only: whatever the study Rng is, it is untouched.
  std::unique_ptr<Sampler> a = MakeSampler(space, Options(SamplerKind::kQuasiRandom), 9);
  std::unique_ptr<Sampler> b = MakeSampler(space, Options(SamplerKind::kQuasiRandom), 9);
  Rng rng_a(1);
  Rng rng_b(2);
  const Rng::State before = rng_a.state();
  EXPECT_EQ(Draw(*a, rng_a, 50), Draw(*b, rng_b, 50));
  EXPECT_EQ(rng_a.state(), before);
}

TEST(HaltonTest, FirstDimensionIsVanDerCorput) {
  // Base 2 has a single permutation fixing 0, so dimension 0 is the plain
  // van der Corput sequence from index 1: 1/2, 1/4, 3/4, 1/8, ...
  SearchSpace space = MustCreate({Spec("x", ParamType::kUniform, 0, 1)});
  const std::vector<Config> configs = DrawFresh(space, SamplerKind::kQuasiRandom, 77, 7);
  const std::vector<double> expected = {0.5, 0.25, 0.75, 0.125, 0.625, 0.375, 0.875};
  ASSERT_EQ(configs.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(configs[i].values[0], expected[i]);
}

TEST(HaltonTest, LowerDiscrepancyThanRandom) {
  std::vector<ParamSpec> params;
  for (int d = 0; d < 8; ++d) params.push_back(Spec(fmt::format("x{}", d), ParamType::kUniform, 0, 1));
  SearchSpace space = MustCreate(params);
  constexpr int kPoints = 1024;
  const std::vector<Config> quasi = DrawFresh(space, SamplerKind::kQuasiRandom, 3, kPoints);
  const std::vector<Config> random = DrawFresh(space, SamplerKind::kRandom, 3, kPoints);
  double worst_random = 0.0;
  for (std::size_t d = 0; d < space.size(); ++d) {
    std::vector<double> q;
    std::vector<double> r;
    for (int i = 0; i < kPoints; ++i) {
      q.push_back(quasi[static_cast<std::size_t>(i)].values[d]);
      r.push_back(random[static_cast<std::size_t>(i)].values[d]);
    }
    EXPECT_LT(KolmogorovDistance(q), 0.01) << "dimension " << d;
    worst_random = std::max(worst_random, KolmogorovDistance(r));
  }
  // Random points deviate by ~1/sqrt(n): a sanity check on the yardstick itself.
  EXPECT_GT(worst_random, 0.01);
}

TEST(HaltonTest, SaveLoadContinuesTheSequence) {
  SearchSpace space = MixedSpace();
  std::unique_ptr<Sampler> original = MakeSampler(space, Options(SamplerKind::kQuasiRandom), 4);
  Rng rng(4);
  Draw(*original, rng, 37);
  SavedState state;
  original->Save(state, "sampler/");
  EXPECT_TRUE(state.Has("sampler/index"));
  std::unique_ptr<Sampler> restored = MakeSampler(space, Options(SamplerKind::kQuasiRandom), 4);
  ASSERT_TRUE(restored->Load(state, "sampler/").ok());
  Rng other(123);
  EXPECT_EQ(Draw(*restored, other, 50), Draw(*original, rng, 50));
}

TEST(SamplerTest, RandomSaveLoadContinuesWithTheRng) {
  SearchSpace space = MixedSpace();
  std::unique_ptr<Sampler> original = MakeSampler(space, Options(SamplerKind::kRandom), 4);
  Rng rng(4);
  Draw(*original, rng, 10);
  SavedState state;
  original->Save(state, "s/");
  std::unique_ptr<Sampler> restored = MakeSampler(space, Options(SamplerKind::kRandom), 4);
  ASSERT_TRUE(restored->Load(state, "s/").ok());
  Rng copy = rng;
  EXPECT_EQ(Draw(*restored, copy, 20), Draw(*original, rng, 20));
  SavedState again;
  restored->Save(again, "s/");
  SavedState expected;
  original->Save(expected, "s/");
  EXPECT_EQ(again, expected);
}

TEST(SamplerTest, LoadRejectsMissingOrForeignState) {
  SearchSpace space = MixedSpace();
  for (SamplerKind kind : {SamplerKind::kRandom, SamplerKind::kQuasiRandom, SamplerKind::kGrid}) {
    std::unique_ptr<Sampler> sampler = MakeSampler(space, Options(kind), 1);
    const Status missing = sampler->Load(SavedState(), "sampler/");
    EXPECT_FALSE(missing.ok());
    EXPECT_EQ(missing.kind(), ErrorKind::kBadInput);
    EXPECT_NE(missing.message().find("sampler/"), std::string::npos) << missing.message();

    // A state written under another prefix is not found under this one.
    SavedState elsewhere;
    sampler->Save(elsewhere, "a/");
    EXPECT_FALSE(sampler->Load(elsewhere, "b/").ok());
  }
  // A grid cannot resume from a quasi-random sampler's state.
  SavedState quasi_state;
  MakeSampler(space, Options(SamplerKind::kQuasiRandom), 1)->Save(quasi_state, "");
  const Status foreign = MakeSampler(space, Options(SamplerKind::kGrid), 1)->Load(quasi_state, "");
  EXPECT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.kind(), ErrorKind::kBadInput);
  // Nor from an index beyond its end.
  SavedState beyond;
  beyond.PutString("kind", "grid");
  beyond.PutInt("index", 1'000'000);
  EXPECT_FALSE(MakeSampler(space, Options(SamplerKind::kGrid), 1)->Load(beyond, "").ok());
}

TEST(GridTest, EnumeratesTheProductLastParameterFastest) {
  SearchSpace space = MustCreate({
      Choice("opt", {std::string("sgd"), std::string("adam")}),
      Spec("n", ParamType::kInt, 1, 3),
      Constant("c", true),
      Spec("x", ParamType::kUniform, 0, 1),
  });
  std::unique_ptr<Sampler> sampler = MakeSampler(space, Options(SamplerKind::kGrid, 3), 0);
  ASSERT_EQ(sampler->Capacity(), 2 * 3 * 1 * 3);
  std::vector<Config> expected;
  for (double opt : {0.0, 1.0}) {
    for (double n : {1.0, 2.0, 3.0}) {
      for (double x : {0.0, 0.5, 1.0}) expected.push_back(Config{{opt, n, 0.0, x}});
    }
  }
  Rng rng(0);
  EXPECT_EQ(Draw(*sampler, rng, 100), expected);
  EXPECT_EQ(sampler->Next(rng), std::nullopt);
  EXPECT_EQ(sampler->Next(rng), std::nullopt);
}

TEST(GridTest, ContinuousAxesIncludeBothEnds) {
  SearchSpace space = MustCreate({Spec("lr", ParamType::kLogUniform, 1e-4, 1)});
  std::unique_ptr<Sampler> sampler = MakeSampler(space, Options(SamplerKind::kGrid, 5), 0);
  Rng rng(0);
  const std::vector<Config> configs = Draw(*sampler, rng, 100);
  ASSERT_EQ(configs.size(), 5u);
  const std::vector<double> expected = {1e-4, 1e-3, 1e-2, 1e-1, 1};
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(configs[i].values[0] / expected[i], 1.0, 1e-12);
  EXPECT_EQ(configs.front().values[0], 1e-4);
  EXPECT_EQ(configs.back().values[0], 1.0);

  SearchSpace linear = MustCreate({Spec("x", ParamType::kUniform, -1, 1)});
  std::unique_ptr<Sampler> grid = MakeSampler(linear, Options(SamplerKind::kGrid, 5), 0);
  std::vector<double> xs;
  for (const Config& c : Draw(*grid, rng, 100)) xs.push_back(c.values[0]);
  EXPECT_EQ(xs, (std::vector<double>{-1, -0.5, 0, 0.5, 1}));
}

TEST(GridTest, WideIntsAreSpacedAndDeduplicated) {
  SearchSpace space = MustCreate({Spec("n", ParamType::kInt, 0, 100)});
  std::unique_ptr<Sampler> sampler = MakeSampler(space, Options(SamplerKind::kGrid, 5), 0);
  Rng rng(0);
  std::vector<double> values;
  for (const Config& c : Draw(*sampler, rng, 100)) values.push_back(c.values[0]);
  EXPECT_EQ(values, (std::vector<double>{0, 25, 50, 75, 100}));

  // Log spacing over [1, 10] with 8 points crowds the low end: 1, 1.39, 1.93, 2.68,
  // 3.73, 5.18, 7.20, 10 round to 1, 1, 2, 3, 4, 5, 7, 10 and the repeat goes away.
  SearchSpace log_space = MustCreate({Spec("n", ParamType::kInt, 1, 10, /*log=*/true)});
  std::unique_ptr<Sampler> log_grid = MakeSampler(log_space, Options(SamplerKind::kGrid, 8), 0);
  EXPECT_EQ(log_grid->Capacity(), 7);
  values.clear();
  for (const Config& c : Draw(*log_grid, rng, 100)) values.push_back(c.values[0]);
  EXPECT_EQ(values, (std::vector<double>{1, 2, 3, 4, 5, 7, 10}));

  // Narrow ints use every value even when that is fewer than grid_points.
  SearchSpace narrow = MustCreate({Spec("n", ParamType::kInt, 3, 5)});
  EXPECT_EQ(MakeSampler(narrow, Options(SamplerKind::kGrid, 5), 0)->Capacity(), 3);
}

TEST(GridTest, EveryPointIsInTheSpace) {
  SearchSpace space = MixedSpace();
  std::unique_ptr<Sampler> sampler = MakeSampler(space, Options(SamplerKind::kGrid, 4), 0);
  // x:4, lr:4, layers:4 of 8, batch:4 log-spaced, opt:3, epochs:1.
  ASSERT_EQ(sampler->Capacity(), 4 * 4 * 4 * 4 * 3);
  Rng rng(0);
  const std::vector<Config> configs = Draw(*sampler, rng, 10000);
  EXPECT_EQ(static_cast<std::int64_t>(configs.size()), *sampler->Capacity());
  std::set<std::vector<double>> distinct;
  for (const Config& c : configs) {
    ASSERT_TRUE(space.Contains(c));
    distinct.insert(c.values);
  }
  EXPECT_EQ(distinct.size(), configs.size());
}

TEST(GridTest, SaveLoadMidSequenceContinuesIdentically) {
  SearchSpace space = MixedSpace();
  std::unique_ptr<Sampler> original = MakeSampler(space, Options(SamplerKind::kGrid, 3), 0);
  Rng rng(0);
  Draw(*original, rng, 50);
  SavedState state;
  original->Save(state, "grid/");
  std::unique_ptr<Sampler> restored = MakeSampler(space, Options(SamplerKind::kGrid, 3), 0);
  ASSERT_TRUE(restored->Load(state, "grid/").ok());
  const std::vector<Config> rest = Draw(*original, rng, 100000);
  EXPECT_EQ(Draw(*restored, rng, 100000), rest);
  EXPECT_EQ(static_cast<std::int64_t>(rest.size()) + 50, *original->Capacity());
  EXPECT_EQ(restored->Next(rng), std::nullopt);
}

}  // namespace
}  // namespace mpitune
