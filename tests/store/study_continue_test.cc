// Continue: a study killed several times and continued each time runs to its end
// with every trial it started, each once; the runs cut short are re-queued first,
// from their checkpoints; nothing acknowledged before a crash is lost; Close leaves a
// finished study file and no journal.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/study_store.h"
#include "store/h5_file.h"
#include "test_files.h"
#include "store/study_test_util.h"

namespace mpitune {
namespace {

using testing::AllStudyCases;
using testing::KeyOf;
using testing::ParseConfigOrDie;
using testing::ReportKey;
using testing::SameReports;
using testing::StateOf;
using testing::StudyCase;
using testing::StudyDriver;

constexpr std::uint64_t kDriverSeed = 21;

template <typename Reports>
std::vector<ReportKey> SortedKeys(const Reports& reports) {
  std::vector<ReportKey> keys;
  for (const ReportRecord& report : reports) keys.push_back(KeyOf(report));
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Multiset inclusion: every report of `subset` is in `reports` (as often).
template <typename Reports>
bool HoldsAll(const Reports& reports, const std::vector<ReportKey>& subset) {
  const std::vector<ReportKey> keys = SortedKeys(reports);
  return std::includes(keys.begin(), keys.end(), subset.begin(), subset.end());
}

class StudyContinueTest : public testing::StoreTest, public ::testing::WithParamInterface<StudyCase> {};

TEST_P(StudyContinueTest, CrashAndContinueRepeatedlyFinishesTheStudy) {
  const StudyConfig config = ParseConfigOrDie(testing::StudyYaml(GetParam()));
  const std::string path = PathOf("study.h5");
  auto scheduler = MakeScheduler(config.space, config.scheduler);
  Result<std::unique_ptr<StudyStore>> created = StudyStore::Create(path, DefinitionOf(config), *scheduler);
  ASSERT_TRUE(created.ok()) << created.status().message();
  std::unique_ptr<StudyStore> store = std::move(*created);

  // Crashes every eighth of the study or so (the study without crashes as the measure).
  const std::size_t length = testing::RunReference(config, kDriverSeed).trace.size();
  StudyDriver driver(3, kDriverSeed);
  Rng rng(static_cast<std::uint64_t>(GetParam().max_trials));
  std::vector<std::vector<ReportKey>> acknowledged;  // the reports synced before each crash
  int crashes = 0;
  int requeued = 0;
  while (!driver.finished()) {
    const std::size_t run_for = length / 16 + rng.Below(length / 8);
    for (std::size_t i = 0; i < run_for && !driver.finished(); ++i) driver.Step(store->scheduler(), store.get());
    if (driver.finished() || crashes == 6) continue;

    SCOPED_TRACE(fmt::format("crash {}", crashes + 1));
    const bool sync = crashes % 2 == 0;
    if (sync) {
      ASSERT_TRUE(store->Sync().ok());
      acknowledged.push_back(SortedKeys(testing::AllReportsOf(*store)));
    }
    if (crashes == 3) {
      ASSERT_TRUE(store->Snapshot().ok());
    }
    const std::vector<ReportRecord> before = testing::AllReportsOf(*store);
    const std::int64_t recorded = store->last_sequence();
    store.reset();  // the crash
    ++crashes;

    Result<StoredStudy> study = ReadStudyFile(path);
    ASSERT_TRUE(study.ok()) << study.status().message();
    // What was read back is what the store had, up to its last durable record.
    ASSERT_LE(study->history.reports.size(), before.size());
    EXPECT_TRUE(SameReports(study->history.reports, std::vector<ReportRecord>(
                                                        before.begin(), before.begin() + static_cast<std::ptrdiff_t>(
                                                                                             study->history.reports.size()))));
    if (sync) {
      EXPECT_EQ(study->last_sequence, recorded);
    }
    for (const std::vector<ReportKey>& synced : acknowledged) {
      EXPECT_TRUE(HoldsAll(study->history.reports, synced)) << "an acknowledged report is missing";
    }

    // The runs open at the crash end as interrupted; the trials that were running go
    // back to the scheduler and are handed out again before anything else, from their
    // checkpoints, with the same budget.
    std::vector<TrialRecord> running;
    for (const TrialRecord& trial : study->scheduler->trials()) {
      if (trial.state == TrialState::kRunning) running.push_back(trial);
    }
    EXPECT_EQ(study->scheduler->running(), static_cast<std::int64_t>(study->history.open_runs.size()));
    std::set<std::size_t> open_runs;
    for (const auto& [trial, run] : study->history.open_runs) open_runs.insert(run);

    driver.Forget();
    Result<std::unique_ptr<StudyStore>> continued = StudyStore::Continue(*study, driver.now());
    ASSERT_TRUE(continued.ok()) << continued.status().message();
    store = std::move(*continued);
    EXPECT_TRUE(store->history().open_runs.empty());
    EXPECT_EQ(store->scheduler().running(), 0);
    for (std::size_t run : open_runs) {
      const RunRecord& stored = store->history().runs[run];
      EXPECT_TRUE(stored.finished);
      EXPECT_EQ(stored.outcome, TrialOutcome::kInterrupted) << "trial " << stored.trial;
      EXPECT_EQ(stored.finished_at, driver.now());
    }
    for (const TrialRecord& trial : running) {
      EXPECT_EQ(store->scheduler().trials()[static_cast<std::size_t>(trial.id)].state, TrialState::kPending);
    }
    requeued += static_cast<int>(running.size());
    const std::size_t assigned = driver.assignments().size();
    while (driver.assignments().size() < assigned + running.size() && !driver.finished()) {
      driver.Step(store->scheduler(), store.get());
    }
    ASSERT_EQ(driver.assignments().size(), assigned + running.size());
    for (std::size_t i = 0; i < running.size(); ++i) {
      const Assignment& again = driver.assignments()[assigned + i];
      EXPECT_EQ(again.trial, running[i].id);
      EXPECT_EQ(again.resume_step, running[i].checkpoint_step);
      EXPECT_EQ(again.budget, running[i].target_budget);
    }
  }
  EXPECT_GE(crashes, 4);
  EXPECT_GT(requeued, 0) << "no crash caught a trial running";

  // The end: every trial started once and terminal, every acknowledged report kept.
  const Scheduler& final_scheduler = store->scheduler();
  // PBT starts its population and replacements only, up to max_trials.
  const bool all_started = GetParam().type != "pbt";
  if (all_started) {
    EXPECT_EQ(static_cast<std::int64_t>(final_scheduler.trials().size()), GetParam().max_trials);
  } else {
    EXPECT_LE(static_cast<std::int64_t>(final_scheduler.trials().size()), GetParam().max_trials);
  }
  for (const TrialRecord& trial : final_scheduler.trials()) {
    EXPECT_TRUE(IsTerminal(trial.state)) << "trial " << trial.id << " is " << TrialStateName(trial.state);
  }
  for (const std::vector<ReportKey>& synced : acknowledged) EXPECT_TRUE(HoldsAll(testing::AllReportsOf(*store), synced));
  const SavedState state = StateOf(final_scheduler);
  const std::vector<ReportRecord> reports = testing::AllReportsOf(*store);
  const std::int64_t recorded = store->last_sequence();
  ASSERT_TRUE(store->Close().ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".journal"));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

  Result<StoredStudy> study = ReadStudyFile(path);
  ASSERT_TRUE(study.ok()) << study.status().message();
  EXPECT_TRUE(study->history.done);
  EXPECT_EQ(study->last_sequence, recorded);
  EXPECT_EQ(study->journal_events, 0);
  EXPECT_TRUE(StateOf(*study->scheduler) == state);
  EXPECT_TRUE(SameReports(study->history.reports, reports));
  EXPECT_TRUE(study->history.open_runs.empty());
  for (const RunRecord& run : study->history.runs) EXPECT_TRUE(run.finished) << "trial " << run.trial;

  // The file's own trial table: one row per trial, no id twice, all terminal.
  Result<store::H5File> file = store::H5File::OpenReadOnly(path);
  ASSERT_TRUE(file.ok()) << file.status().message();
  Result<std::vector<std::int64_t>> ids = file->ReadInts("/trials/trial_id");
  Result<std::vector<std::string>> states = file->ReadStrings("/trials/state");
  ASSERT_TRUE(ids.ok() && states.ok());
  EXPECT_EQ(ids->size(), final_scheduler.trials().size());
  EXPECT_EQ(std::set<std::int64_t>(ids->begin(), ids->end()).size(), ids->size()) << "a trial id is there twice";
  std::set<std::string> terminal;
  for (int s = 0; s <= static_cast<int>(TrialState::kLost); ++s) {
    if (IsTerminal(static_cast<TrialState>(s))) terminal.insert(TrialStateName(static_cast<TrialState>(s)));
  }
  for (const std::string& name : *states) EXPECT_EQ(terminal.count(name), 1u) << name;
}

INSTANTIATE_TEST_SUITE_P(AllSchedulers, StudyContinueTest, ::testing::ValuesIn(AllStudyCases()),
                         testing::StudyCaseName);

class StudyContinueFromStartTest : public testing::StoreTest {};

// A study killed before its first event continues as a fresh one.
TEST_F(StudyContinueFromStartTest, ContinueRightAfterCreate) {
  const StudyConfig config = ParseConfigOrDie(testing::StudyYaml({"asha", "asha", "promotion", 6}));
  const std::string path = PathOf("study.h5");
  auto scheduler = MakeScheduler(config.space, config.scheduler);
  {
    Result<std::unique_ptr<StudyStore>> store = StudyStore::Create(path, DefinitionOf(config), *scheduler);
    ASSERT_TRUE(store.ok()) << store.status().message();
  }
  Result<StoredStudy> study = ReadStudyFile(path);
  ASSERT_TRUE(study.ok()) << study.status().message();
  EXPECT_EQ(study->last_sequence, 0);
  EXPECT_TRUE(study->scheduler->trials().empty());
  Result<std::unique_ptr<StudyStore>> store = StudyStore::Continue(*study, 0.0);
  ASSERT_TRUE(store.ok()) << store.status().message();
  StudyDriver driver(3, 5);
  for (int guard = 0; guard < 10000 && !driver.finished(); ++guard) driver.Step((*store)->scheduler(), store->get());
  EXPECT_TRUE(driver.finished());
  EXPECT_EQ((*store)->scheduler().trials().size(), 6u);
  ASSERT_TRUE((*store)->Close().ok());
}

}  // namespace
}  // namespace mpitune
