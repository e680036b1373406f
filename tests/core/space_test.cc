#include "mpitune/space.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/space_test_util.h"

namespace mpitune {
namespace {

using testing::Choice;
using testing::Constant;
using testing::Int;
using testing::LogUniform;
using testing::MustCreate;
using testing::Spec;
using testing::Uniform;

std::string CreateError(std::vector<ParamSpec> params) {
  Result<SearchSpace> space = SearchSpace::Create(std::move(params));
  EXPECT_FALSE(space.ok());
  EXPECT_EQ(space.status().kind(), ErrorKind::kBadInput);
  return space.status().message();
}

// A space with every parameter type, used by the round-trip and perturb tests.
SearchSpace MixedSpace() {
  return MustCreate({
      Uniform("momentum", 0.5, 0.99),
      LogUniform("lr", 1e-5, 1e-1),
      Int("layers", 1, 8),
      Int("batch", 16, 1024, /*log=*/true),
      Choice("opt", {std::string("sgd"), std::string("adam"), std::string("lamb")}),
      Constant("epochs", std::int64_t{10}),
  });
}

TEST(SpaceNamesTest, TypeNames) {
  EXPECT_STREQ(ParamTypeName(ParamType::kUniform), "uniform");
  EXPECT_STREQ(ParamTypeName(ParamType::kLogUniform), "loguniform");
  EXPECT_STREQ(ParamTypeName(ParamType::kInt), "int");
  EXPECT_STREQ(ParamTypeName(ParamType::kChoice), "choice");
  EXPECT_STREQ(ParamTypeName(ParamType::kConstant), "constant");
}

TEST(SpaceFormatTest, FormatsEveryAlternative) {
  EXPECT_EQ(FormatParamValue(0.001), "0.001");
  EXPECT_EQ(FormatParamValue(0.1), "0.1");
  EXPECT_EQ(FormatParamValue(1e-5), "1e-05");
  EXPECT_EQ(FormatParamValue(2.5), "2.5");
  EXPECT_EQ(FormatParamValue(std::int64_t{-42}), "-42");
  EXPECT_EQ(FormatParamValue(true), "true");
  EXPECT_EQ(FormatParamValue(false), "false");
  EXPECT_EQ(FormatParamValue(std::string("adam")), "adam");
  // Shortest round-trip: the text parses back to the very same double.
  const double third = 1.0 / 3.0;
  EXPECT_EQ(std::stod(FormatParamValue(third)), third);
}

TEST(SpaceValidationTest, AcceptsAWellFormedSpace) {
  SearchSpace space = MixedSpace();
  EXPECT_EQ(space.size(), 6u);
  EXPECT_FALSE(space.empty());
  EXPECT_EQ(space.Find("lr"), 1u);
  EXPECT_EQ(space.Find("epochs"), 5u);
  EXPECT_EQ(space.Find("nope"), std::nullopt);
  EXPECT_EQ(space.param(2).name, "layers");
}

TEST(SpaceValidationTest, RejectsEmptySpace) {
  EXPECT_EQ(CreateError({}), "space: must define at least one parameter");
}

TEST(SpaceValidationTest, RejectsDuplicateAndEmptyNames) {
  EXPECT_EQ(CreateError({Uniform("lr", 0, 1), Uniform("lr", 0, 2)}), "space: duplicate parameter 'lr'");
  EXPECT_NE(CreateError({Uniform("a", 0, 1), Uniform("", 0, 1)}).find("empty name"), std::string::npos);
}

TEST(SpaceValidationTest, RejectsBadUniformBounds) {
  EXPECT_EQ(CreateError({Uniform("x", 1, 1)}), "space.x.high: must be > low (1), got 1");
  EXPECT_EQ(CreateError({Uniform("x", 2, 1)}), "space.x.high: must be > low (2), got 1");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(CreateError({Uniform("x", nan, 1)}).rfind("space.x.low: must be finite", 0), 0u);
  EXPECT_EQ(CreateError({Uniform("x", 0, inf)}), "space.x.high: must be finite, got inf");
}

TEST(SpaceValidationTest, RejectsNonPositiveLogBounds) {
  EXPECT_EQ(CreateError({LogUniform("lr", 0, 0.1)}), "space.lr.low: must be > 0 for loguniform, got 0");
  EXPECT_EQ(CreateError({LogUniform("lr", -1, 0.1)}), "space.lr.low: must be > 0 for loguniform, got -1");
  EXPECT_EQ(CreateError({LogUniform("lr", 0.1, 0.01)}), "space.lr.high: must be > low (0.1), got 0.01");
  EXPECT_EQ(CreateError({Int("n", 0, 10, /*log=*/true)}), "space.n.low: must be >= 1 for log int, got 0");
}

TEST(SpaceValidationTest, RejectsNonIntegerIntBounds) {
  EXPECT_EQ(CreateError({Int("n", 1.5, 4)}), "space.n.low: must be an integer for int, got 1.5");
  EXPECT_EQ(CreateError({Int("n", 1, 4.25)}), "space.n.high: must be an integer for int, got 4.25");
  EXPECT_EQ(CreateError({Int("n", 4, 4)}), "space.n.high: must be > low (4), got 4");
  EXPECT_EQ(CreateError({Int("n", 0, 1e17)}).rfind("space.n.high: must be within", 0), 0u);
}

TEST(SpaceValidationTest, RejectsBadChoicesAndConstants) {
  EXPECT_EQ(CreateError({Choice("opt", {})}), "space.opt.values: must not be empty");
  EXPECT_EQ(CreateError({Choice("opt", {std::string("a"), std::string("a")})}).rfind("space.opt.values: duplicate", 0),
            0u);
  ParamSpec two = Constant("c", 1.0);
  two.choices.push_back(2.0);
  EXPECT_EQ(CreateError({two}), "space.c.values: constant needs exactly one value, got 2");
  ParamSpec none = Constant("c", 1.0);
  none.choices.clear();
  EXPECT_EQ(CreateError({none}), "space.c.values: constant needs exactly one value, got 0");
}

TEST(SpaceValidationTest, RejectsFieldsThatDoNotApply) {
  ParamSpec log_uniform = Uniform("x", 0, 1);
  log_uniform.log = true;
  EXPECT_EQ(CreateError({log_uniform}).rfind("space.x.log:", 0), 0u);
  ParamSpec values_on_int = Int("n", 0, 3);
  values_on_int.choices = {1.0};
  EXPECT_EQ(CreateError({values_on_int}).rfind("space.n.values:", 0), 0u);
}

TEST(SpaceValidationTest, ReportsTheFirstBadParameterByName) {
  const std::string message = CreateError({Uniform("ok", 0, 1), LogUniform("bad", 0, 1)});
  EXPECT_EQ(message.rfind("space.bad.low:", 0), 0u) << message;
}

TEST(SpaceDecodeTest, EveryTypeStaysInRange) {
  SearchSpace space = MixedSpace();
  Rng rng(7);
  std::set<double> layers;
  std::set<double> options;
  for (int n = 0; n < 20000; ++n) {
    std::vector<double> unit(space.size());
    for (double& u : unit) u = rng.Uniform();
    const Config config = space.Decode(unit);
    ASSERT_TRUE(space.Contains(config));
    EXPECT_GE(config.values[0], 0.5);
    EXPECT_LT(config.values[0], 0.99);
    EXPECT_GE(config.values[1], 1e-5);
    EXPECT_LE(config.values[1], 1e-1);
    layers.insert(config.values[2]);
    EXPECT_GE(config.values[3], 16);
    EXPECT_LE(config.values[3], 1024);
    EXPECT_EQ(config.values[3], std::floor(config.values[3]));
    options.insert(config.values[4]);
    EXPECT_EQ(config.values[5], 0.0);
  }
  EXPECT_EQ(layers, (std::set<double>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(options, (std::set<double>{0, 1, 2}));
}

TEST(SpaceDecodeTest, EdgesOfTheUnitCube) {
  SearchSpace space = MixedSpace();
  const std::vector<double> zeros(space.size(), 0.0);
  const std::vector<double> almost_one(space.size(), std::nextafter(1.0, 0.0));
  const Config low = space.Decode(zeros);
  const Config high = space.Decode(almost_one);
  EXPECT_EQ(low.values, (std::vector<double>{0.5, 1e-5, 1, 16, 0, 0}));
  EXPECT_EQ(high.values[2], 8);
  EXPECT_EQ(high.values[3], 1024);
  EXPECT_EQ(high.values[4], 2);
  EXPECT_LE(high.values[1], 1e-1);
  EXPECT_TRUE(space.Contains(high));
  // Out-of-cube inputs are clamped rather than leaving the space.
  EXPECT_TRUE(space.Contains(space.Decode(std::vector<double>(space.size(), 1.5))));
  EXPECT_TRUE(space.Contains(space.Decode(std::vector<double>(space.size(), -0.5))));
}

TEST(SpaceDecodeTest, LogUniformPutsEqualMassPerDecade) {
  SearchSpace space = MustCreate({LogUniform("lr", 1e-5, 1e-1)});
  Rng rng(11);
  constexpr int kDraws = 20000;
  std::array<int, 4> per_decade{};
  for (int n = 0; n < kDraws; ++n) {
    const std::array<double, 1> unit{rng.Uniform()};
    const double v = space.Decode(unit).values[0];
    const int decade = static_cast<int>(std::floor(std::log10(v))) + 5;
    ASSERT_GE(decade, 0);
    per_decade[static_cast<std::size_t>(std::min(decade, 3))]++;
  }
  for (int count : per_decade) EXPECT_NEAR(count / static_cast<double>(kDraws), 0.25, 0.02);
}

TEST(SpaceDecodeTest, IntUniformGivesEachValueEqualMass) {
  SearchSpace space = MustCreate({Int("n", -2, 2)});
  Rng rng(3);
  std::array<int, 5> counts{};
  constexpr int kDraws = 20000;
  for (int n = 0; n < kDraws; ++n) {
    const std::array<double, 1> unit{rng.Uniform()};
    counts[static_cast<std::size_t>(space.Decode(unit).values[0] + 2)]++;
  }
  for (int count : counts) EXPECT_NEAR(count / static_cast<double>(kDraws), 0.2, 0.02);
}

TEST(SpaceDecodeTest, IntLogIsLogUniform) {
  // [1, 1023] on the log axis [log 1, log 1024): each power-of-two octave [2^k, 2^(k+1))
  // gets a tenth of the mass.
  SearchSpace space = MustCreate({Int("n", 1, 1023, /*log=*/true)});
  Rng rng(5);
  std::array<int, 10> per_octave{};
  constexpr int kDraws = 20000;
  std::set<double> seen;
  for (int n = 0; n < kDraws; ++n) {
    const std::array<double, 1> unit{rng.Uniform()};
    const double v = space.Decode(unit).values[0];
    ASSERT_GE(v, 1);
    ASSERT_LE(v, 1023);
    ASSERT_EQ(v, std::floor(v));
    seen.insert(v);
    per_octave[static_cast<std::size_t>(std::floor(std::log2(v)))]++;
  }
  for (int count : per_octave) EXPECT_NEAR(count / static_cast<double>(kDraws), 0.1, 0.015);
  EXPECT_TRUE(seen.count(1) && seen.count(2) && seen.count(3));
  // 1 owns [log 1, log 2): a tenth of the axis.
  EXPECT_TRUE(seen.count(1023) || seen.count(1022));
}

TEST(SpaceValueTest, ChoicesOfStringsNumbersAndBools) {
  SearchSpace space = MustCreate({
      Choice("opt", {std::string("sgd"), std::string("adam")}),
      Choice("width", {std::int64_t{64}, std::int64_t{128}, 0.5}),
      Choice("flag", {true, false}),
      Constant("name", std::string("resnet")),
      Int("n", 1, 5),
      Uniform("x", 0, 1),
  });
  Config config{{1, 2, 0, 0, 3, 0.25}};
  ASSERT_TRUE(space.Contains(config));
  EXPECT_EQ(space.Value(config, 0), ParamValue(std::string("adam")));
  EXPECT_EQ(space.Value(config, 1), ParamValue(0.5));
  EXPECT_EQ(space.Value(config, 2), ParamValue(true));
  EXPECT_EQ(space.Value(config, 3), ParamValue(std::string("resnet")));
  EXPECT_EQ(space.Value(config, 4), ParamValue(std::int64_t{3}));
  EXPECT_EQ(space.Value(config, 5), ParamValue(0.25));
  EXPECT_EQ(space.Format(config, 0), "adam");
  EXPECT_EQ(space.Format(config, 1), "0.5");
  EXPECT_EQ(space.Format(config, 2), "true");
  EXPECT_EQ(space.Format(config, 4), "3");
  EXPECT_EQ(space.Numeric(config, 0), std::nullopt);
  EXPECT_EQ(space.Numeric(config, 1), 0.5);
  EXPECT_EQ(space.Numeric(config, 2), 1.0);
  EXPECT_EQ(space.Numeric(config, 3), std::nullopt);
  EXPECT_EQ(space.Numeric(config, 4), 3.0);
  EXPECT_EQ(space.Numeric(config, 5), 0.25);
  config.values[1] = 0;
  EXPECT_EQ(space.Numeric(config, 1), 64.0);
  // Every option is reachable through Decode.
  std::set<std::string> widths;
  for (double u : {0.0, 0.34, 0.67, 0.99}) {
    const std::vector<double> unit{0, u, 0, 0, 0, 0};
    widths.insert(space.Format(space.Decode(unit), 1));
  }
  EXPECT_EQ(widths, (std::set<std::string>{"64", "128", "0.5"}));
}

TEST(SpaceContainsTest, RejectsOutOfRangeValues) {
  SearchSpace space = MixedSpace();
  const Config good{{0.7, 1e-3, 4, 64, 1, 0}};
  ASSERT_TRUE(space.Contains(good));
  const auto with = [&](std::size_t i, double v) {
    Config c = good;
    c.values[i] = v;
    return c;
  };
  EXPECT_FALSE(space.Contains(with(0, 1.0)));
  EXPECT_FALSE(space.Contains(with(1, 0.0)));
  EXPECT_FALSE(space.Contains(with(2, 4.5)));
  EXPECT_FALSE(space.Contains(with(2, 9)));
  EXPECT_FALSE(space.Contains(with(3, 8)));
  EXPECT_FALSE(space.Contains(with(4, 3)));
  EXPECT_FALSE(space.Contains(with(4, 0.5)));
  EXPECT_FALSE(space.Contains(with(5, 1)));
  EXPECT_FALSE(space.Contains(with(0, std::numeric_limits<double>::quiet_NaN())));
  EXPECT_FALSE(space.Contains(Config{{0.7}}));
}

TEST(SpaceEncodeTest, RoundTripsThroughTheUnitCube) {
  SearchSpace space = MixedSpace();
  Rng rng(13);
  for (int n = 0; n < 5000; ++n) {
    std::vector<double> unit(space.size());
    for (double& u : unit) u = rng.Uniform();
    const Config config = space.Decode(unit);
    const std::vector<double> encoded = space.Encode(config);
    ASSERT_EQ(encoded.size(), space.size());
    for (double u : encoded) {
      ASSERT_GE(u, 0.0);
      ASSERT_LT(u, 1.0);
    }
    const Config again = space.Decode(encoded);
    // Discrete parameters come back exactly; continuous ones up to rounding.
    EXPECT_NEAR(again.values[0], config.values[0], 1e-12);
    EXPECT_NEAR(again.values[1] / config.values[1], 1.0, 1e-12);
    EXPECT_EQ(again.values[2], config.values[2]);
    EXPECT_EQ(again.values[3], config.values[3]);
    EXPECT_EQ(again.values[4], config.values[4]);
    EXPECT_EQ(again.values[5], config.values[5]);
    // Continuous parameters also map back to (almost) the same unit coordinate.
    EXPECT_NEAR(encoded[0], unit[0], 1e-9);
    EXPECT_NEAR(encoded[1], unit[1], 1e-9);
  }
}

TEST(SpaceEncodeTest, DiscreteValuesEncodeToCellCentres) {
  SearchSpace space = MustCreate({Int("n", 0, 3), Choice("c", {1.0, 2.0})});
  EXPECT_EQ(space.Encode(Config{{0, 0}}), (std::vector<double>{0.125, 0.25}));
  EXPECT_EQ(space.Encode(Config{{3, 1}}), (std::vector<double>{0.875, 0.75}));
}

TEST(SpacePerturbTest, StaysInRange) {
  SearchSpace space = MixedSpace();
  Rng rng(17);
  Config config{{0.98, 0.09, 8, 1000, 2, 0}};
  for (int n = 0; n < 5000; ++n) {
    config = space.Perturb(config, rng, PerturbOptions{});
    ASSERT_TRUE(space.Contains(config)) << n;
  }
}

TEST(SpacePerturbTest, MultipliesByTheFactors) {
  SearchSpace space = MustCreate({Uniform("x", 0, 10), LogUniform("lr", 1e-4, 1)});
  Rng rng(19);
  PerturbOptions options;
  options.resample_probability = 0.0;
  std::set<double> xs;
  for (int n = 0; n < 200; ++n) {
    const Config out = space.Perturb(Config{{5, 0.01}}, rng, options);
    xs.insert(out.values[0]);
    EXPECT_TRUE(out.values[1] == 0.01 * 0.8 || out.values[1] == 0.01 * 1.2) << out.values[1];
  }
  EXPECT_EQ(xs, (std::set<double>{5 * 0.8, 5 * 1.2}));
  // Clamped at the top of the range.
  for (int n = 0; n < 50; ++n) EXPECT_LE(space.Perturb(Config{{9.9, 0.95}}, rng, options).values[1], 1.0);
}

TEST(SpacePerturbTest, IntsAlwaysMove) {
  SearchSpace space = MustCreate({Int("n", 0, 100)});
  Rng rng(23);
  PerturbOptions options;
  options.resample_probability = 0.0;
  for (double start : {0.0, 1.0, 2.0, 3.0, 4.0, 50.0, 99.0}) {
    std::set<double> seen;
    for (int n = 0; n < 100; ++n) {
      const double v = space.Perturb(Config{{start}}, rng, options).values[0];
      EXPECT_NE(v, start) << start;
      EXPECT_EQ(v, std::round(v));
      EXPECT_TRUE(v >= 0 && v <= 100);
      seen.insert(v);
    }
    // Both directions are taken; 0 can only go up.
    EXPECT_EQ(seen.size(), start == 0 ? 1u : 2u) << start;
  }
  // At the top of the range an upward move would be clamped away, so it reflects.
  std::set<double> top;
  for (int n = 0; n < 100; ++n) top.insert(space.Perturb(Config{{100}}, rng, options).values[0]);
  EXPECT_EQ(top, (std::set<double>{80, 99}));
  // A two-value range flips between its values.
  SearchSpace pair = MustCreate({Int("b", 0, 1)});
  for (int n = 0; n < 20; ++n) {
    EXPECT_EQ(pair.Perturb(Config{{0}}, rng, options).values[0], 1);
    EXPECT_EQ(pair.Perturb(Config{{1}}, rng, options).values[0], 0);
  }
}

TEST(SpacePerturbTest, ChoicesMoveToNeighbours) {
  SearchSpace space = MustCreate({Choice("c", {1.0, 2.0, 3.0, 4.0, 5.0}), Choice("one", {true})});
  Rng rng(29);
  PerturbOptions options;
  options.resample_probability = 0.0;
  for (double start : {0.0, 1.0, 2.0, 3.0, 4.0}) {
    std::set<double> seen;
    for (int n = 0; n < 100; ++n) {
      const Config out = space.Perturb(Config{{start, 0}}, rng, options);
      seen.insert(out.values[0]);
      EXPECT_EQ(out.values[1], 0);
    }
    std::set<double> expected;
    if (start == 0) {
      expected = {1};  // reflected at the low end
    } else if (start == 4) {
      expected = {3};  // reflected at the high end
    } else {
      expected = {start - 1, start + 1};
    }
    EXPECT_EQ(seen, expected) << start;
  }
}

TEST(SpacePerturbTest, ResampleCoversTheRange) {
  SearchSpace space = MustCreate({Int("n", 0, 9), Constant("c", 1.0)});
  Rng rng(31);
  PerturbOptions options;
  options.resample_probability = 1.0;
  std::set<double> seen;
  for (int n = 0; n < 1000; ++n) {
    const Config out = space.Perturb(Config{{5, 0}}, rng, options);
    seen.insert(out.values[0]);
    EXPECT_EQ(out.values[1], 0);
  }
  EXPECT_EQ(seen.size(), 10u);
}

TEST(SpacePerturbTest, DeterministicPerSeed) {
  SearchSpace space = MixedSpace();
  const Config start{{0.7, 1e-3, 4, 64, 1, 0}};
  const auto walk = [&](std::uint64_t seed) {
    Rng rng(seed);
    std::vector<Config> path;
    Config c = start;
    for (int n = 0; n < 100; ++n) path.push_back(c = space.Perturb(c, rng, PerturbOptions{}));
    return path;
  };
  EXPECT_EQ(walk(1), walk(1));
  EXPECT_NE(walk(1), walk(2));
}

TEST(SpaceHashTest, StableAndSensitiveToDefinitions) {
  const auto hash = [](std::vector<ParamSpec> params) { return MustCreate(std::move(params)).Hash(); };
  const std::uint64_t base = MixedSpace().Hash();
  EXPECT_EQ(base, MixedSpace().Hash());
  EXPECT_NE(hash({Uniform("x", 0, 1)}), hash({Uniform("x", 0, 2)}));
  EXPECT_NE(hash({Uniform("x", 0, 1)}), hash({Uniform("x", 0.5, 1)}));
  EXPECT_NE(hash({Uniform("x", 0, 1)}), hash({Uniform("y", 0, 1)}));
  EXPECT_NE(hash({Uniform("x", 1, 2)}), hash({LogUniform("x", 1, 2)}));
  EXPECT_NE(hash({Int("n", 1, 8)}), hash({Int("n", 1, 8, /*log=*/true)}));
  EXPECT_NE(hash({Int("n", 1, 8)}), hash({Int("n", 1, 9)}));
  EXPECT_NE(hash({Choice("c", {std::string("a")})}), hash({Choice("c", {std::string("b")})}));
  EXPECT_NE(hash({Choice("c", {std::string("1")})}), hash({Choice("c", {std::int64_t{1}})}));
  EXPECT_NE(hash({Constant("c", 1.0)}), hash({Constant("c", 2.0)}));
  EXPECT_NE(hash({Uniform("a", 0, 1), Uniform("b", 0, 1)}), hash({Uniform("b", 0, 1), Uniform("a", 0, 1)}));
  // Fields a type does not use leave the fingerprint alone.
  ParamSpec choice = Choice("c", {1.0, 2.0});
  ParamSpec choice_with_bounds = choice;
  choice_with_bounds.low = 7;
  choice_with_bounds.high = 9;
  EXPECT_EQ(hash({choice}), hash({choice_with_bounds}));
  // The value is a fixed function of the definition, not of the process.
  EXPECT_EQ(hash({Uniform("x", 0, 1)}), hash({Uniform("x", 0, 1)}));
}

}  // namespace
}  // namespace mpitune
