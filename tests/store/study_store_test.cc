// Exact resume: a stored study killed at any scheduler call (the store destroyed
// without Close, after a Sync or not, right after a snapshot or long after one) reads
// back as exactly the scheduler state and report history of the calls it recorded, as
// the same calls leave a plain scheduler.
#include "store/study_store.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "mpitune/study.h"
#include "test_files.h"
#include "store/study_test_util.h"

namespace mpitune {
namespace {

using testing::AllStudyCases;
using testing::ParseConfigOrDie;
using testing::ReferenceRun;
using testing::SameReports;
using testing::StateOf;
using testing::StudyCase;
using testing::StudyDriver;

constexpr std::uint64_t kDriverSeed = 13;  // a course with failures and NaN metrics in every set-up

// What the crashes of one study left, as ReadStudyFile saw it.
struct CrashCounts {
  int crashes = 0;
  int lost_buffered = 0;  // the last records were only buffered, so absent
  int replayed = 0;       // read back through journal records
  int at_snapshot = 0;    // right after a snapshot: nothing to replay
};

// A study driven through a StudyStore, with the store's sequence number after every
// scheduler call (taken right after the call's own record, before the runtime facts
// that follow it).
struct StoreDrive {
  std::string path;
  std::unique_ptr<Scheduler> scheduler;
  std::unique_ptr<StudyStore> store;
  StudyDriver driver{3, kDriverSeed};
  std::vector<std::int64_t> sequence_after = {0};
  std::int64_t durable = 0;            // acknowledged: synced or in a snapshot
  std::int64_t snapshot_sequence = 0;  // of the last snapshot
  std::size_t snapshot_call = 0;       // the call it followed
};

class StudyStoreResumeTest : public testing::StoreTest, public ::testing::WithParamInterface<StudyCase> {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    config_ = ParseConfigOrDie(testing::StudyYaml(GetParam()));
    // Under changing NextWithin limits: the journal's limits must replay too.
    reference_ = testing::RunReference(config_, kDriverSeed, /*limits=*/true);
  }

  void Start(StoreDrive& run, const std::string& name) {
    run.path = PathOf(name);
    run.scheduler = MakeScheduler(config_.space, config_.scheduler);
    Result<std::unique_ptr<StudyStore>> store = StudyStore::Create(run.path, DefinitionOf(config_), *run.scheduler);
    ASSERT_TRUE(store.ok()) << store.status().message();
    run.store = std::move(*store);
    run.driver.set_after_call([&run] { run.sequence_after.push_back(run.store->last_sequence()); });
    run.driver.set_limits(true);
  }

  // The next call, which must be the reference's.
  void Step(StoreDrive& run) {
    const std::size_t call = run.sequence_after.size();
    ASSERT_EQ(run.driver.Step(run.store->scheduler(), run.store.get()), reference_.trace[call - 1])
        << "the store's scheduler decided otherwise at call " << call;
  }

  void Snapshot(StoreDrive& run) {
    ASSERT_TRUE(run.store->Snapshot().ok());
    run.durable = run.snapshot_sequence = run.store->last_sequence();
    run.snapshot_call = run.sequence_after.size() - 1;
  }

  void Sync(StoreDrive& run) {
    ASSERT_TRUE(run.store->Sync().ok());
    run.durable = run.store->last_sequence();
  }

  // The study at `path`, written by `run` up to sequence `recorded`, reads back as the
  // reference after the last call whose records it holds (every acknowledged record
  // there, those only buffered absent; synced: none), or as at the last snapshot when
  // no call after it is.
  void CheckReadBack(const StoreDrive& run, const std::string& path, std::int64_t recorded, bool synced,
                     CrashCounts& counts) {
    Result<StoredStudy> study = ReadStudyFile(path);
    ASSERT_TRUE(study.ok()) << study.status().message();
    const std::int64_t last = study->last_sequence;
    EXPECT_GE(last, run.durable) << "acknowledged records are missing";
    EXPECT_LE(last, recorded);
    if (synced) {
      EXPECT_EQ(last, recorded) << "a synced record is missing";
    }
    EXPECT_EQ(study->snapshot_sequence, run.snapshot_sequence);
    EXPECT_EQ(study->journal_events, last - run.snapshot_sequence);
    EXPECT_FALSE(study->torn_tail);

    std::size_t applied = run.snapshot_call;
    for (std::size_t call = run.snapshot_call + 1; call < run.sequence_after.size(); ++call) {
      if (run.sequence_after[call] > last) break;
      if (reference_.recorded[call]) applied = call;
    }
    EXPECT_TRUE(StateOf(*study->scheduler) == reference_.states[applied])
        << "the scheduler read back is not the one after call " << applied << ":"
        << testing::StateDiff(StateOf(*study->scheduler), reference_.states[applied]);
    const auto reports = run.driver.reports().begin();
    const std::vector<ReportRecord> made(reports, reports + static_cast<std::ptrdiff_t>(reference_.reports_after[applied]));
    EXPECT_TRUE(SameReports(study->history.reports, made));
    EXPECT_EQ(study->history.done, reference_.done_after[applied]);

    ++counts.crashes;
    counts.lost_buffered += last < recorded ? 1 : 0;
    counts.replayed += study->journal_events > 0 ? 1 : 0;
    counts.at_snapshot += last == run.snapshot_sequence && last == recorded ? 1 : 0;
  }

  StudyConfig config_;
  ReferenceRun reference_;
};

// Crashes at 44 calls spread over the whole study, each a fresh stored study driven
// to call k and destroyed there without Close (after a Sync, or not). Four calls are
// snapshot points: a study crashing at k took a snapshot at the last of them before k
// (one, as a snapshot costs tens of milliseconds), so crashes right at a snapshot,
// right after one and far after one all occur.
TEST_P(StudyStoreResumeTest, CrashAtAnyCallReadsBackTheRecordedState) {
  const std::size_t total = reference_.trace.size();
  ASSERT_GT(total, 100u);

  std::set<std::size_t> snapshots;
  Rng rng(7);
  while (snapshots.size() < 4) snapshots.insert(1 + rng.Below(total - 1));
  std::set<std::size_t> crashes;
  for (std::size_t i = 0; i < 36; ++i) crashes.insert(i * total / 35);
  for (std::size_t s : snapshots) {
    crashes.insert(s);
    crashes.insert(s + 1);
  }

  CrashCounts synced, unsynced;
  int index = 0;
  for (std::size_t k : crashes) {
    // Both ways right at a snapshot; elsewhere one or the other.
    const bool both = snapshots.count(k) != 0;
    for (const bool sync : {false, true}) {
      if (!both && sync != (index % 2 == 1)) continue;
      SCOPED_TRACE(fmt::format("crash after call {} of {} ({})", k, total, sync ? "synced" : "not synced"));
      StoreDrive run;
      Start(run, fmt::format("crash-{}-{}.h5", k, sync));
      const auto after = snapshots.upper_bound(k);
      const std::size_t snapshot_at = after == snapshots.begin() ? 0 : *std::prev(after);
      for (std::size_t i = 1; i <= k && !HasFatalFailure(); ++i) {
        Step(run);
        if (i == snapshot_at) Snapshot(run);
      }
      if (sync) Sync(run);
      ASSERT_TRUE(run.store->error().ok()) << run.store->error().message();
      const std::int64_t recorded = run.store->last_sequence();
      run.store.reset();  // the crash: no Close, buffered records die with the process
      CheckReadBack(run, run.path, recorded, sync, sync ? synced : unsynced);
    }
    ++index;
    if (HasFailure()) break;  // one crash's report is enough
  }
  EXPECT_GE(crashes.size(), 40u);
  EXPECT_EQ(synced.crashes + unsynced.crashes, static_cast<int>(crashes.size() + snapshots.size()));
  // The study crossed failures and NaN metrics.
  EXPECT_GT(reference_.driver.failures(), 0);
  EXPECT_GT(reference_.driver.nan_reports(), 0);
  EXPECT_GE(synced.crashes, 20);
  EXPECT_GE(unsynced.crashes, 20);
  EXPECT_GT(synced.at_snapshot, 0);
  // Both paths ran: journal replay, and snapshots with nothing after them.
  EXPECT_GT(synced.replayed, 0);
  EXPECT_GT(unsynced.replayed, 0);
  EXPECT_GT(unsynced.at_snapshot, 0);
  // Without a Sync, some crashes lost records that were only buffered.
  EXPECT_GT(unsynced.lost_buffered, 0);
  EXPECT_EQ(synced.lost_buffered, 0);
}

// The files as they are on disk after every single call (what a kill -9 at that
// moment leaves: the last snapshot and the records written so far), and after a Sync
// at every third call, read back as the reference state after the calls they hold.
TEST_P(StudyStoreResumeTest, CrashImageAfterEveryCallReadsBackExactly) {
  StoreDrive run;
  Start(run, "study.h5");
  const std::string image = PathOf("image.h5");
  Rng rng(3);
  CrashCounts synced, unsynced;
  std::uintmax_t checked_size = 0;  // the journal size last checked, with...
  std::int64_t checked_snapshot = -1;  // ...the snapshot it followed
  for (std::size_t i = 1; i <= reference_.trace.size(); ++i) {
    SCOPED_TRACE(fmt::format("call {}", i));
    Step(run);
    if (rng.Below(40) == 0) Snapshot(run);
    for (const bool sync : {false, true}) {
      if (sync) {
        if (i % 3 != 0) continue;
        Sync(run);
      }
      // Records are only appended between snapshots: the same size after the same
      // snapshot is the same file, already checked (but after a Sync, which must have
      // put every record there).
      const std::uintmax_t size = std::filesystem::file_size(run.path + ".journal");
      if (!sync && size == checked_size && run.snapshot_sequence == checked_snapshot) continue;
      checked_size = size;
      checked_snapshot = run.snapshot_sequence;
      std::filesystem::copy_file(run.path, image, std::filesystem::copy_options::overwrite_existing);
      std::filesystem::copy_file(run.path + ".journal", image + ".journal",
                                 std::filesystem::copy_options::overwrite_existing);
      CheckReadBack(run, image, run.store->last_sequence(), sync, sync ? synced : unsynced);
    }
    ASSERT_FALSE(HasFailure());
  }
  EXPECT_TRUE(run.driver.finished());
  EXPECT_GT(unsynced.lost_buffered, 0);
  EXPECT_GT(synced.crashes, 0);
  ASSERT_TRUE(run.store->Close().ok());
}

INSTANTIATE_TEST_SUITE_P(AllSchedulers, StudyStoreResumeTest, ::testing::ValuesIn(AllStudyCases()),
                         testing::StudyCaseName);

// ---------------------------------------------------------------------------

class StudyStoreCrashTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    config_ = ParseConfigOrDie(testing::StudyYaml({"fifo", "fifo", "", 5}));
    scheduler_ = MakeScheduler(config_.space, config_.scheduler);
    path_ = PathOf("study.h5");
    Result<std::unique_ptr<StudyStore>> store = StudyStore::Create(path_, DefinitionOf(config_), *scheduler_);
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
  }

  Result<StoredStudy> CrashAndRead() {
    store_.reset();
    return ReadStudyFile(path_);
  }

  StudyConfig config_;
  std::unique_ptr<Scheduler> scheduler_;
  std::string path_;
  std::unique_ptr<StudyStore> store_;
};

// Runtime facts are buffered until the next Tick: a crash before it loses them (and
// nothing else); once a Tick has written them, a crash without a Sync keeps them.
TEST_F(StudyStoreCrashTest, BufferedRecordsAreAbsentWrittenOnesSurvive) {
  NextAction action = store_->scheduler().Next(1.0);
  ASSERT_TRUE(std::holds_alternative<Assignment>(action));
  const TrialId trial = std::get<Assignment>(action).trial;
  ASSERT_TRUE(store_->Sync().ok());
  store_->RunStarted(trial, 2, "gpu1");
  store_->Checkpointed(trial, 0.5, {1, 2, 3});
  EXPECT_EQ(store_->last_sequence(), 3);
  Result<StoredStudy> study = CrashAndRead();
  ASSERT_TRUE(study.ok()) << study.status().message();
  EXPECT_EQ(study->last_sequence, 1);
  ASSERT_EQ(study->history.runs.size(), 1u);
  EXPECT_EQ(study->history.runs[0].rank, 0);
  EXPECT_EQ(study->history.runs[0].device, "cpu");
  EXPECT_TRUE(study->history.checkpoints.empty());

  // Written (a Tick a few ms later) but never synced: still there after the crash.
  Result<std::unique_ptr<StudyStore>> store = StudyStore::Continue(*study, 2.0);
  ASSERT_TRUE(store.ok()) << store.status().message();
  store_ = std::move(*store);
  action = store_->scheduler().Next(2.001);
  ASSERT_TRUE(std::holds_alternative<Assignment>(action));
  EXPECT_EQ(std::get<Assignment>(action).trial, trial) << "the interrupted trial comes back first";
  store_->RunStarted(trial, 3, "gpu2");
  store_->Checkpointed(trial, 0.25, {4, 5});
  ASSERT_TRUE(store_->Tick(2.01).ok());
  const std::int64_t recorded = store_->last_sequence();
  study = CrashAndRead();
  ASSERT_TRUE(study.ok()) << study.status().message();
  EXPECT_EQ(study->last_sequence, recorded);
  ASSERT_EQ(study->history.runs.size(), 2u);
  EXPECT_EQ(study->history.runs[0].outcome, TrialOutcome::kInterrupted);
  EXPECT_EQ(study->history.runs[1].rank, 3);
  EXPECT_EQ(study->history.runs[1].device, "gpu2");
  ASSERT_EQ(study->history.checkpoints.count(trial), 1u);
  EXPECT_EQ(study->history.checkpoints[trial].state, (std::vector<std::uint8_t>{4, 5}));
  EXPECT_EQ(study->history.checkpoints[trial].step, 0.25);
}

// Each process that writes the study leaves a session (study clock, wall clock) in
// the snapshot it writes at open, so even a kill -9 right after keeps it: the read
// model maps study times to wall times with them.
TEST_F(StudyStoreCrashTest, EveryOpenRecordsItsSessionAtOnce) {
  const double before = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  Result<StoredStudy> study = CrashAndRead();
  ASSERT_TRUE(study.ok()) << study.status().message();
  ASSERT_EQ(study->history.sessions.size(), 1u);
  EXPECT_EQ(study->history.sessions[0].study_time, 0.0);
  EXPECT_GT(study->history.sessions[0].wall_time, before - 600.0);
  EXPECT_LE(study->history.sessions[0].wall_time, before);

  Result<std::unique_ptr<StudyStore>> store = StudyStore::Continue(*study, 7.5);
  ASSERT_TRUE(store.ok()) << store.status().message();
  store_ = std::move(*store);
  study = CrashAndRead();
  ASSERT_TRUE(study.ok()) << study.status().message();
  ASSERT_EQ(study->history.sessions.size(), 2u);
  EXPECT_EQ(study->history.sessions[1].study_time, 7.5);
  EXPECT_GE(study->history.sessions[1].wall_time, before);

  Study view;
  view.sessions = study->history.sessions;
  EXPECT_DOUBLE_EQ(*WallTimeOf(view, 2.0), view.sessions[0].wall_time + 2.0);
  EXPECT_DOUBLE_EQ(*WallTimeOf(view, 9.0), view.sessions[1].wall_time + 1.5);
  view.sessions.clear();
  EXPECT_FALSE(WallTimeOf(view, 1.0).has_value());
}

// What a run's command printed that made no report (issue 9, item 1) reaches /runs
// through the journal and the snapshot alike.
TEST_F(StudyStoreCrashTest, MetricLineCountsOfARunAreKeptInJournalAndSnapshot) {
  NextAction action = store_->scheduler().Next(1.0);
  ASSERT_TRUE(std::holds_alternative<Assignment>(action));
  const TrialId trial = std::get<Assignment>(action).trial;
  store_->RunStarted(trial, 1, "cpu");
  store_->RunOutput(trial, MetricLineCounts{3, 1, 2});
  store_->RunEnded(trial, 0, 1.0, "exited with code 0 without reporting loss");
  store_->scheduler().Finished(trial, TrialOutcome::kFailed, 1.5);
  ASSERT_TRUE(store_->Sync().ok());
  for (const char* from : {"journal", "snapshot"}) {
    Result<StoredStudy> study = ReadStudyFile(path_);
    ASSERT_TRUE(study.ok()) << study.status().message();
    ASSERT_EQ(study->history.runs.size(), 1u);
    EXPECT_EQ(study->history.runs[0].lines, (MetricLineCounts{3, 1, 2})) << from;
    EXPECT_EQ(study->history.runs[0].outcome, TrialOutcome::kFailed) << from;
    ASSERT_TRUE(store_->Snapshot().ok());
  }
}

// A crash between a snapshot's rename and the journal's reset leaves records that
// the snapshot already holds: the reader skips them by their sequence numbers.
TEST_F(StudyStoreCrashTest, JournalRecordsAlreadyInTheSnapshotAreSkipped) {
  StudyDriver driver(3, kDriverSeed);
  for (int i = 0; i < 40; ++i) driver.Step(store_->scheduler(), store_.get());
  ASSERT_TRUE(store_->Sync().ok());
  const std::vector<std::uint8_t> journal = testing::ReadBytes(path_ + ".journal");
  ASSERT_TRUE(store_->Snapshot().ok());
  const std::int64_t recorded = store_->last_sequence();
  const SavedState state = StateOf(*scheduler_);
  const std::vector<ReportRecord> reports = testing::AllReportsOf(*store_);
  store_.reset();
  testing::WriteBytes(path_ + ".journal", journal);  // as if Reset never ran

  Result<StoredStudy> study = ReadStudyFile(path_);
  ASSERT_TRUE(study.ok()) << study.status().message();
  EXPECT_EQ(study->last_sequence, recorded);
  EXPECT_EQ(study->snapshot_sequence, recorded);
  EXPECT_EQ(study->journal_events, 0);
  EXPECT_TRUE(StateOf(*study->scheduler) == state);
  EXPECT_TRUE(SameReports(study->history.reports, reports));
}

// Close ends the store: what comes after it (a late call of a driver's shutdown path)
// records nothing, touches no file, and starts no work; as after a failure, the
// scheduler itself still takes reports and finishes.
TEST_F(StudyStoreCrashTest, AfterCloseNothingIsRecordedAndNextSaysDone) {
  StudyDriver driver(3, kDriverSeed);
  for (int i = 0; i < 20; ++i) driver.Step(store_->scheduler(), store_.get());
  ASSERT_TRUE(store_->Close().ok());
  const std::vector<std::uint8_t> file = testing::ReadBytes(path_);
  const std::int64_t recorded = store_->last_sequence();
  const std::size_t runs = store_->history().runs.size();
  const StoredCheckpoint* checkpoint = store_->FindCheckpoint(0);
  const std::vector<std::uint8_t> checkpoint_before = checkpoint ? checkpoint->state : std::vector<std::uint8_t>{};

  EXPECT_TRUE(std::holds_alternative<Done>(store_->scheduler().Next(100.0)));
  store_->scheduler().Finished(0, TrialOutcome::kFailed, 100.0);
  store_->RunStarted(0, 1, "gpu0");
  store_->Checkpointed(0, 1.0, {1});
  EXPECT_TRUE(store_->Tick(200.0).ok());
  EXPECT_TRUE(store_->Sync().ok());
  EXPECT_TRUE(store_->Snapshot().ok());
  EXPECT_TRUE(store_->Close().ok());
  EXPECT_EQ(store_->last_sequence(), recorded);
  EXPECT_EQ(store_->history().runs.size(), runs);
  checkpoint = store_->FindCheckpoint(0);
  EXPECT_EQ(checkpoint ? checkpoint->state : std::vector<std::uint8_t>{}, checkpoint_before);
  EXPECT_EQ(testing::ReadBytes(path_), file);
  EXPECT_FALSE(std::filesystem::exists(path_ + ".journal"));
}

class StudyStoreWaitTest : public testing::StoreTest {};

// A Next answered Wait can change the scheduler: SHA closes its first rung on the Wait
// that finds max_trials started. The store records Waits, so a study read back right
// after one is the scheduler as it was then, bit for bit.
TEST_F(StudyStoreWaitTest, AWaitThatChangesTheSchedulerIsReplayed) {
  const StudyConfig config = ParseConfigOrDie(testing::StudyYaml({"sha", "sha", "", 3}));
  auto scheduler = MakeScheduler(config.space, config.scheduler);
  const std::string path = PathOf("study.h5");
  Result<std::unique_ptr<StudyStore>> store = StudyStore::Create(path, DefinitionOf(config), *scheduler);
  ASSERT_TRUE(store.ok()) << store.status().message();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(std::holds_alternative<Assignment>((*store)->scheduler().Next(1.0 + i)));
  const SavedState before = StateOf(*scheduler);
  ASSERT_TRUE(std::holds_alternative<Wait>((*store)->scheduler().Next(4.0)));
  const SavedState after = StateOf(*scheduler);
  // The case this test is about: a Wait with an effect. Should SHA's Wait ever lose
  // its effect, this test needs another scheduler call that has one.
  ASSERT_FALSE(after == before) << "SHA's Wait at max_trials no longer changes its state";
  ASSERT_TRUE((*store)->Sync().ok());
  store->reset();
  Result<StoredStudy> study = ReadStudyFile(path);
  ASSERT_TRUE(study.ok()) << study.status().message();
  EXPECT_EQ(study->last_sequence, 4);
  EXPECT_TRUE(StateOf(*study->scheduler) == after) << testing::StateDiff(StateOf(*study->scheduler), after);
}

}  // namespace
}  // namespace mpitune
