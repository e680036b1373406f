// A run whose final snapshot cannot be written (issue 10, item 4): Close syncs every
// record before it tries, so the journal holds the whole study, and WriteOwedSnapshot
// (what `run` and `resume` call on a finished study) writes the snapshot later and
// removes the journal, once.
#include <filesystem>
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/study_store.h"
#include "store/study_test_util.h"
#include "test_files.h"

namespace mpitune {
namespace {

using ::testing::HasSubstr;
using testing::ParseConfigOrDie;
using testing::SameReports;
using testing::StateOf;
using testing::StudyDriver;

class OwedSnapshotTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    config_ = ParseConfigOrDie(testing::StudyYaml({"hyperband", "hyperband", "promotion", 30}));
    path_ = PathOf("study.h5");
  }

  std::unique_ptr<StudyStore> Create() {
    scheduler_ = MakeScheduler(config_.space, config_.scheduler);
    Result<std::unique_ptr<StudyStore>> store = StudyStore::Create(path_, DefinitionOf(config_), *scheduler_);
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(*store) : nullptr;
  }

  StudyConfig config_;
  std::string path_;
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(OwedSnapshotTest, AFailedFinalSnapshotLeavesTheWholeStudyInTheJournalAndIsWrittenLater) {
  std::unique_ptr<StudyStore> store = Create();
  ASSERT_NE(store, nullptr);
  StudyDriver driver(3, 5);
  while (!driver.finished()) driver.Step(store->scheduler(), store.get());
  std::filesystem::create_directory(path_ + ".tmp");  // where the snapshot is written
  const Status closed = store->Close();
  ASSERT_FALSE(closed.ok());
  EXPECT_THAT(closed.message(), HasSubstr(path_ + ".tmp"));
  const SavedState final_state = StateOf(*scheduler_);
  store.reset();

  Result<StoredStudy> journaled = ReadStudyFile(path_);
  ASSERT_TRUE(journaled.ok()) << journaled.status().message();
  EXPECT_TRUE(journaled->history.done) << "the end of the study reached the journal";
  EXPECT_TRUE(StateOf(*journaled->scheduler) == final_state);
  EXPECT_TRUE(SameReports(journaled->history.reports, driver.reports()));
  EXPECT_EQ(journaled->snapshot_sequence, 0) << "only the first, empty snapshot";

  std::filesystem::remove(path_ + ".tmp");
  Result<bool> written = WriteOwedSnapshot(path_);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_TRUE(*written);
  EXPECT_FALSE(std::filesystem::exists(path_ + ".journal"));
  Result<StoredStudy> snapshot = ReadStudyFile(path_);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().message();
  EXPECT_EQ(snapshot->snapshot_sequence, journaled->last_sequence);
  EXPECT_EQ(snapshot->journal_events, 0);
  EXPECT_TRUE(snapshot->history.done);
  EXPECT_TRUE(StateOf(*snapshot->scheduler) == final_state);
  EXPECT_TRUE(SameReports(snapshot->history.reports, driver.reports()));
  EXPECT_EQ(snapshot->history.runs.size(), journaled->history.runs.size());

  const std::vector<std::uint8_t> settled = testing::ReadBytes(path_);
  Result<bool> again = WriteOwedSnapshot(path_);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_FALSE(*again);
  EXPECT_EQ(testing::ReadBytes(path_), settled);
}

// A study that is not finished owes nothing here: `resume` goes on with it and its
// first snapshot comes then.
TEST_F(OwedSnapshotTest, AStudyThatIsNotFinishedIsLeftAlone) {
  std::unique_ptr<StudyStore> store = Create();
  ASSERT_NE(store, nullptr);
  StudyDriver driver(3, 5);
  for (int i = 0; i < 150; ++i) driver.Step(store->scheduler(), store.get());
  ASSERT_TRUE(store->Sync().ok());
  store.reset();  // killed
  const std::vector<std::uint8_t> study = testing::ReadBytes(path_);
  const std::vector<std::uint8_t> journal = testing::ReadBytes(path_ + ".journal");
  Result<bool> written = WriteOwedSnapshot(path_);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_FALSE(*written);
  EXPECT_EQ(testing::ReadBytes(path_), study);
  EXPECT_EQ(testing::ReadBytes(path_ + ".journal"), journal);
}

}  // namespace
}  // namespace mpitune
