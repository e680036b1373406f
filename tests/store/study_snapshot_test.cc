// The HDF5 snapshot on its own: every scheduler's state at every call of a study
// (paused trials waiting for a promotion, workers at a SHA barrier, several Hyperband
// brackets open) is read back bit-exactly and decides like the original; the history
// and the study's attributes read back exactly.
#include "store/study_snapshot.h"

#include <bit>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "test_files.h"
#include "store/study_test_util.h"

namespace mpitune::store {
namespace {

using mpitune::testing::AllStudyCases;
using mpitune::testing::ParseConfigOrDie;
using mpitune::testing::SameReports;
using mpitune::testing::StateOf;
using mpitune::testing::StudyCase;
using mpitune::testing::StudyDriver;

constexpr std::uint64_t kDriverSeed = 101;  // a course with failures and NaN metrics in every set-up
constexpr std::size_t kLookahead = 20;

class StudySnapshotTest : public mpitune::testing::StoreTest,
                          public ::testing::WithParamInterface<StudyCase> {};

TEST_P(StudySnapshotTest, EveryStateRoundTripsAndDecidesLikeTheOriginal) {
  // Half the trials of the other tests: a snapshot costs tens of milliseconds, and the
  // situations below occur early.
  StudyCase small = GetParam();
  small.max_trials /= 2;
  const StudyConfig config = ParseConfigOrDie(mpitune::testing::StudyYaml(small));
  const mpitune::testing::ReferenceRun reference = mpitune::testing::RunReference(config, kDriverSeed);
  const std::size_t total = reference.trace.size();
  const std::string path = PathOf("snapshot.h5");
  auto scheduler = MakeScheduler(config.space, config.scheduler);
  StudyDriver driver(3, kDriverSeed);
  const StudyHistory history;
  int paused = 0;         // cuts with a trial paused at a rung, waiting for a promotion
  int at_barrier = 0;     // cuts right after a worker was told to wait with trials out
  int brackets_open = 0;  // cuts with unfinished trials in two or more brackets
  for (std::size_t cut = 0; cut <= total; ++cut) {
    SCOPED_TRACE(fmt::format("cut {} of {}", cut, total));
    std::string last;
    if (cut > 0) last = driver.Step(*scheduler, nullptr);
    const SavedState written = StateOf(*scheduler);
    ASSERT_TRUE(written == reference.states[cut]);
    ASSERT_TRUE(WriteSnapshotFile(path, DefinitionOf(config), *scheduler, history, static_cast<std::int64_t>(cut)).ok());
    Result<SnapshotContents> read = ReadSnapshotFile(path);
    ASSERT_TRUE(read.ok()) << read.status().message();
    ASSERT_TRUE(read->scheduler_state == written);
    EXPECT_EQ(read->last_sequence, static_cast<std::int64_t>(cut));

    auto loaded = MakeScheduler(config.space, config.scheduler);
    ASSERT_TRUE(loaded->Load(read->scheduler_state).ok());
    StudyDriver twin = driver;
    const std::size_t end = std::min(total, cut + kLookahead);
    for (std::size_t i = cut; i < end; ++i) {
      ASSERT_EQ(twin.Step(*loaded, nullptr), reference.trace[i]) << "call " << i + 1;
    }
    ASSERT_TRUE(StateOf(*loaded) == reference.states[end]);

    std::set<int> open_brackets;
    bool any_paused = false;
    for (const TrialRecord& trial : scheduler->trials()) {
      any_paused |= trial.state == TrialState::kPaused;
      if (!IsTerminal(trial.state)) open_brackets.insert(trial.bracket);
    }
    paused += any_paused ? 1 : 0;
    at_barrier += last.ends_with("wait") && scheduler->running() > 0 ? 1 : 0;
    brackets_open += open_brackets.size() >= 2 ? 1 : 0;
  }
  const std::string& type = GetParam().type;
  const bool promotion = GetParam().variant == "promotion";
  if ((type == "asha" || type == "hyperband") && promotion) {
    EXPECT_GT(paused, 0);
  }
  if (type == "sha") {
    EXPECT_GT(at_barrier, 0);
  }
  if (type == "hyperband") {
    EXPECT_GT(brackets_open, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(AllSchedulers, StudySnapshotTest, ::testing::ValuesIn(AllStudyCases()),
                         mpitune::testing::StudyCaseName);

// ---------------------------------------------------------------------------

class StudySnapshotFileTest : public mpitune::testing::StoreTest {};

StudyHistory SampleHistory() {
  StudyHistory history;
  RunRecord finished;
  finished.trial = 0;
  finished.rank = 2;
  finished.device = "gpu1";
  finished.assigned_at = 0.5;
  finished.finished_at = 1.25;
  finished.finished = true;
  finished.outcome = TrialOutcome::kTimedOut;
  finished.exit_code = -9;
  finished.duration = 0.75;
  finished.message = "killed after 30 s: \"timeout\"\nlast line ✓";
  RunRecord open;
  open.trial = 1;
  open.rank = 3;
  open.assigned_at = 1.0;
  history.runs = {finished, open};
  history.open_runs[1] = 1;
  const double nan = std::bit_cast<double>(std::uint64_t{0x7FF8000000000123u});
  history.reports = {{0, 1.0, 0.5, 0.6, 2},
                     {0, 2.0, nan, 0.7, 2},
                     {1, 1.0, -std::numeric_limits<double>::infinity(), 1.1, 3},
                     {1, 2.0, -0.0, 1.2, 3}};
  history.checkpoints[0] = {2.0, {0, 1, 2, 255}};
  history.checkpoints[12] = {0.0, {}};
  history.done = true;
  history.last_time = 1.25;
  return history;
}

TEST_F(StudySnapshotFileTest, HistoryAndAttributesRoundTripExactly) {
  StudyConfig config = ParseConfigOrDie(mpitune::testing::StudyYaml({"asha", "asha", "promotion", 30}));
  config.seed = 0xFEDCBA9876543210u;  // above 2^63: stored as the bits of an int64
  config.scheduler.max_trials = 77;   // an override of the YAML's value
  config.trial.report_every = 0.5;
  auto scheduler = MakeScheduler(config.space, config.scheduler);
  (void)scheduler->Next(0.5);
  (void)scheduler->Next(1.0);
  StudyHistory history = SampleHistory();
  history.measured_units = 123.5;
  history.measured_seconds = 61.75;
  history.measured_observations = 42;
  const std::string path = PathOf("study.h5");
  ASSERT_TRUE(WriteSnapshotFile(path, DefinitionOf(config), *scheduler, history, 1234).ok());

  Result<SnapshotContents> read = ReadSnapshotFile(path);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->definition.config_yaml, config.yaml_text);
  EXPECT_EQ(read->definition.scheduler.seed, 0xFEDCBA9876543210u);
  EXPECT_EQ(read->definition.scheduler.max_trials, 77);
  EXPECT_EQ(read->definition.report_every, 0.5);
  EXPECT_EQ(read->definition.space.Hash(), config.space.Hash());
  EXPECT_EQ(read->last_sequence, 1234);
  EXPECT_TRUE(read->scheduler_state == StateOf(*scheduler));

  const StudyHistory& got = read->history;
  EXPECT_TRUE(SameReports(got.reports, history.reports));
  ASSERT_EQ(got.runs.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const RunRecord& a = got.runs[i];
    const RunRecord& b = history.runs[i];
    EXPECT_EQ(a.trial, b.trial);
    EXPECT_EQ(a.rank, b.rank);
    EXPECT_EQ(a.device, b.device);
    EXPECT_EQ(a.assigned_at, b.assigned_at);
    EXPECT_EQ(a.finished_at, b.finished_at);
    EXPECT_EQ(a.finished, b.finished);
    EXPECT_EQ(a.outcome, b.outcome);
    EXPECT_EQ(a.exit_code, b.exit_code);
    EXPECT_EQ(a.duration, b.duration);
    EXPECT_EQ(a.message, b.message);
  }
  EXPECT_EQ(got.open_runs, history.open_runs);
  ASSERT_EQ(got.checkpoints.size(), 2u);
  EXPECT_EQ(got.checkpoints.at(0).state, history.checkpoints.at(0).state);
  EXPECT_EQ(got.checkpoints.at(0).step, 2.0);
  EXPECT_TRUE(got.checkpoints.at(12).state.empty());
  EXPECT_TRUE(got.done);
  EXPECT_EQ(got.last_time, 1.25);
  EXPECT_EQ(got.measured_units, 123.5);
  EXPECT_EQ(got.measured_seconds, 61.75);
  EXPECT_EQ(got.measured_observations, 42);
  // Replaced whole: no temporary file is left beside it.
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

// A snapshot replaces the file whole: a reader never sees a mix of two snapshots.
TEST_F(StudySnapshotFileTest, ASecondSnapshotReplacesTheFirst) {
  const StudyConfig config = ParseConfigOrDie(mpitune::testing::StudyYaml({"sha", "sha", "", 9}));
  auto scheduler = MakeScheduler(config.space, config.scheduler);
  const std::string path = PathOf("study.h5");
  StudyHistory history = SampleHistory();
  ASSERT_TRUE(WriteSnapshotFile(path, DefinitionOf(config), *scheduler, history, 7).ok());
  for (int i = 0; i < 4; ++i) (void)scheduler->Next(1.0 + i);
  history.reports.resize(1);
  history.runs.clear();
  history.open_runs.clear();
  history.checkpoints.clear();
  history.done = false;
  ASSERT_TRUE(WriteSnapshotFile(path, DefinitionOf(config), *scheduler, history, 8).ok());
  Result<SnapshotContents> read = ReadSnapshotFile(path);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->last_sequence, 8);
  EXPECT_TRUE(read->scheduler_state == StateOf(*scheduler));
  EXPECT_EQ(read->history.reports.size(), 1u);
  EXPECT_TRUE(read->history.runs.empty());
  EXPECT_TRUE(read->history.checkpoints.empty());
  EXPECT_FALSE(read->history.done);
}

}  // namespace
}  // namespace mpitune::store
