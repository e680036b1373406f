// The study definition round-trips through HDF5 exactly, with no YAML involved:
// every parameter type, choices that mix types (each kept in its own), values at the
// edges of int64 and double, and the scheduler options.
#include "store/definition_h5.h"

#include <bit>
#include <cstdint>
#include <limits>
#include <string>
#include <variant>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/space_test_util.h"
#include "test_files.h"

namespace mpitune::store {
namespace {

using ::testing::HasSubstr;

class DefinitionH5Test : public mpitune::testing::StoreTest {
 protected:
  // Writes `written` into a new file `name` and reads it back.
  Result<StudyDefinition> WriteAndRead(const StudyDefinition& written, const std::string& name) {
    const std::string path = PathOf(name);
    {
      Result<H5File> file = H5File::Create(path);
      if (!file.ok()) return file.status();
      MPITUNE_RETURN_IF_ERROR(WriteDefinition(*file, written));
      MPITUNE_RETURN_IF_ERROR(file->Close());
    }
    Result<H5File> file = H5File::OpenReadOnly(path);
    if (!file.ok()) return file.status();
    return ReadDefinition(*file);
  }
};

StudyDefinition Sample() {
  StudyDefinition definition;
  definition.name = "round-trip";
  definition.metric = "val_auc";
  definition.space = mpitune::testing::MustCreate({
      mpitune::testing::Uniform("lr", -1.5, 2.25),
      mpitune::testing::LogUniform("wd", 1e-8, 1e-1),
      mpitune::testing::Int("layers", 1, 9, true),
      mpitune::testing::Choice("mixed", {ParamValue(true), ParamValue(std::int64_t{9007199254740993}),
                                         ParamValue(0.1), ParamValue("adam; DROP TABLE"), ParamValue(false)}),
      mpitune::testing::Constant("feature_config.features[:].embedding_dim", ParamValue(std::int64_t{16})),
  });
  definition.scheduler.kind = SchedulerKind::kHyperband;
  definition.scheduler.variant = AshaVariant::kStopping;
  definition.scheduler.mode = MetricMode::kMax;
  definition.scheduler.max_trials = 1234;
  definition.scheduler.min_budget = 0.5;
  definition.scheduler.max_budget = 40.5;
  definition.scheduler.eta = 2.5;
  definition.scheduler.grace = 3;
  definition.scheduler.seed = std::numeric_limits<std::uint64_t>::max();
  definition.scheduler.sampler.kind = SamplerKind::kQuasiRandom;
  definition.scheduler.sampler.grid_points = 7;
  definition.report_every = 0.25;
  definition.time_budget = 5400.5;
  definition.derived = std::vector<std::string>{"scheduler.max_trials", "scheduler.eta"};
  definition.config_yaml = "study:\n  name: round-trip  # ünïcode\n";
  return definition;
}

TEST_F(DefinitionH5Test, EverySamplerKindRoundTrips) {
  for (const SamplerKind kind : {SamplerKind::kRandom, SamplerKind::kQuasiRandom, SamplerKind::kGrid, SamplerKind::kTpe}) {
    StudyDefinition written = Sample();
    written.scheduler.sampler.kind = kind;
    Result<StudyDefinition> read = WriteAndRead(written, std::string("sampler-") + SamplerKindName(kind) + ".h5");
    ASSERT_TRUE(read.ok()) << read.status().message();
    EXPECT_EQ(read->scheduler.sampler.kind, kind);
  }
}

TEST_F(DefinitionH5Test, EveryFieldRoundTripsExactly) {
  const StudyDefinition written = Sample();
  Result<StudyDefinition> read = WriteAndRead(written, "d.h5");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->name, written.name);
  EXPECT_EQ(read->metric, written.metric);
  EXPECT_EQ(read->config_yaml, written.config_yaml);
  EXPECT_EQ(read->report_every, written.report_every);
  EXPECT_EQ(read->time_budget, written.time_budget);
  EXPECT_EQ(read->derived, written.derived);
  EXPECT_EQ(read->space.Hash(), written.space.Hash());
  ASSERT_EQ(read->space.size(), written.space.size());
  for (std::size_t i = 0; i < written.space.size(); ++i) {
    const ParamSpec& a = read->space.param(i);
    const ParamSpec& b = written.space.param(i);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.low, b.low);
    EXPECT_EQ(a.high, b.high);
    EXPECT_EQ(a.log, b.log);
    EXPECT_EQ(a.choices, b.choices) << a.name;  // variant equality: the types too
  }
  EXPECT_TRUE(std::holds_alternative<bool>(read->space.param(3).choices[0]));
  EXPECT_EQ(std::get<std::int64_t>(read->space.param(3).choices[1]), 9007199254740993);
  const SchedulerOptions& a = read->scheduler;
  const SchedulerOptions& b = written.scheduler;
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.variant, b.variant);
  EXPECT_EQ(a.mode, b.mode);
  EXPECT_EQ(a.max_trials, b.max_trials);
  EXPECT_EQ(a.min_budget, b.min_budget);
  EXPECT_EQ(a.max_budget, b.max_budget);
  EXPECT_EQ(a.eta, b.eta);
  EXPECT_EQ(a.grace, b.grace);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.sampler.kind, b.sampler.kind);
  EXPECT_EQ(a.sampler.grid_points, b.sampler.grid_points);
}

TEST_F(DefinitionH5Test, AFileWithoutATimeBudgetReadsAsNotStoredAndABadOneIsRefused) {
  // Files written before the budget was stored have no such attribute: their config
  // text says (StoredTimeBudget), so "not stored" must not read as "no budget".
  StudyDefinition written = Sample();
  written.time_budget.reset();
  written.derived.reset();
  Result<StudyDefinition> read = WriteAndRead(written, "older.h5");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_FALSE(read->time_budget.has_value());
  EXPECT_FALSE(read->derived.has_value());

  written.derived = std::vector<std::string>{};  // stored, and empty: nothing derived
  read = WriteAndRead(written, "nothing-derived.h5");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->derived, std::vector<std::string>{});

  written.time_budget = -1.0;
  read = WriteAndRead(written, "negative.h5");
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), HasSubstr("time_budget"));
}

TEST_F(DefinitionH5Test, AChangedSpaceIsCaughtByItsHash) {
  const std::string path = PathOf("d.h5");
  {
    Result<H5File> file = H5File::Create(path);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(WriteDefinition(*file, Sample()).ok());
    // As a damaged or edited file would have it: another bound.
    ASSERT_TRUE(file->WriteAttribute("/space/lr", "high", 3.0).ok());
    ASSERT_TRUE(file->Close().ok());
  }
  Result<H5File> file = H5File::OpenReadOnly(path);
  ASSERT_TRUE(file.ok());
  Result<StudyDefinition> read = ReadDefinition(*file);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().kind(), ErrorKind::kBadInput);
  EXPECT_THAT(read.status().message(), HasSubstr("does not match its hash"));
}

}  // namespace
}  // namespace mpitune::store
