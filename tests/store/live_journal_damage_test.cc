// Another process damages the journal of a running study (issue 10, item 3): before,
// the run went on, its final snapshot failed on "not an mpitune journal (bad magic)",
// and the study could not be opened again; deleting the journal lost every result.
// Now the writer sees the damage at its next write, keeps the damaged file aside,
// writes the journal again from the records it holds since the last snapshot, and the
// study holds everything it recorded, at once and at the end.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/outside_damage.h"
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

constexpr std::uint64_t kDriverSeed = 21;

using testing::OutsideDamage;

class StudyStoreDamageTest : public testing::StoreTest {};

class LiveJournalDamageTest : public testing::StoreTest, public ::testing::WithParamInterface<OutsideDamage> {
 protected:
  std::vector<std::string> KeptAside() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("study.h5.journal.damaged-", 0) == 0) names.push_back(name);
    }
    return names;
  }
};

TEST_P(LiveJournalDamageTest, TheStudyKeepsEverythingItRecorded) {
  const StudyConfig config = ParseConfigOrDie(testing::StudyYaml({"asha", "asha", "promotion", 30}));
  const testing::ReferenceRun reference = testing::RunReference(config, kDriverSeed);
  const std::string path = PathOf("study.h5");
  auto scheduler = MakeScheduler(config.space, config.scheduler);
  Result<std::unique_ptr<StudyStore>> created = StudyStore::Create(path, DefinitionOf(config), *scheduler);
  ASSERT_TRUE(created.ok()) << created.status().message();
  std::unique_ptr<StudyStore> store = std::move(*created);
  StudyDriver driver(3, kDriverSeed);
  std::size_t calls = 0;
  const auto step = [&] {
    driver.Step(store->scheduler(), store.get());
    ++calls;
  };
  const std::size_t total = reference.trace.size();
  ASSERT_GT(total, 200u);
  for (std::size_t i = 0; i < total / 3; ++i) step();
  ASSERT_TRUE(store->Snapshot().ok());
  for (std::size_t i = 0; i < total / 3; ++i) step();  // in the journal only
  ASSERT_TRUE(store->Tick(driver.now()).ok());

  testing::DamageFromOutside(path + ".journal", GetParam(), PathOf("other"));
  ASSERT_FALSE(HasFatalFailure());
  ::testing::internal::CaptureStderr();
  // The next check (before a write, or every half second) finds the damage.
  const Status ticked = store->Tick(driver.now() + 1.0);
  const std::string warning = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(ticked.ok()) << ticked.message();
  EXPECT_THAT(warning, HasSubstr("mpitune: warning: " + path + ".journal"));
  EXPECT_THAT(warning, HasSubstr("it was written again with the"));
  EXPECT_EQ(std::count(warning.begin(), warning.end(), '\n'), 1) << warning;
  EXPECT_EQ(KeptAside().size(), GetParam() == OutsideDamage::kDeleted ? 0u : 1u);

  // A reader sees every call made so far.
  {
    Result<StoredStudy> now = ReadStudyFile(path);
    ASSERT_TRUE(now.ok()) << now.status().message();
    EXPECT_TRUE(StateOf(*now->scheduler) == reference.states[calls])
        << testing::StateDiff(StateOf(*now->scheduler), reference.states[calls]);
    EXPECT_TRUE(SameReports(now->history.reports, driver.reports()));
  }

  ::testing::internal::CaptureStderr();
  while (!driver.finished()) step();
  ASSERT_TRUE(store->Close().ok()) << store->error().message();
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "") << "one damage, one warning";
  store.reset();
  EXPECT_FALSE(std::filesystem::exists(path + ".journal"));
  Result<StoredStudy> end = ReadStudyFile(path);
  ASSERT_TRUE(end.ok()) << end.status().message();
  EXPECT_TRUE(end->history.done);
  EXPECT_TRUE(StateOf(*end->scheduler) == reference.states.back());
  EXPECT_TRUE(SameReports(end->history.reports, reference.driver.reports()));
}

INSTANTIATE_TEST_SUITE_P(Damages, LiveJournalDamageTest,
                         ::testing::Values(OutsideDamage::kTruncatedToZero, OutsideDamage::kTruncatedInPart,
                                           OutsideDamage::kOverwritten, OutsideDamage::kHeaderOverwritten,
                                           OutsideDamage::kAppendedTo, OutsideDamage::kReplaced,
                                           OutsideDamage::kDeleted),
                         testing::OutsideDamageName);

// The damage comes after the last write: the final snapshot (made from the records
// the writer holds, not read back from the file) has everything, and Close removes
// the journal this process wrote again, never the file someone put in its place.
TEST_F(StudyStoreDamageTest, AJournalReplacedRightBeforeCloseLosesNothing) {
  const StudyConfig config = ParseConfigOrDie(testing::StudyYaml({"fifo", "fifo", "", 12}));
  const std::string path = PathOf("study.h5");
  auto scheduler = MakeScheduler(config.space, config.scheduler);
  Result<std::unique_ptr<StudyStore>> store = StudyStore::Create(path, DefinitionOf(config), *scheduler);
  ASSERT_TRUE(store.ok()) << store.status().message();
  StudyDriver driver(3, kDriverSeed);
  while (!driver.finished()) driver.Step((*store)->scheduler(), store->get());
  ASSERT_TRUE((*store)->Sync().ok());
  testing::WriteText(PathOf("other"), "not the journal\n");
  std::filesystem::rename(PathOf("other"), path + ".journal");
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE((*store)->Close().ok()) << (*store)->error().message();
  EXPECT_THAT(::testing::internal::GetCapturedStderr(), HasSubstr("was replaced by another file"));
  store->reset();
  EXPECT_FALSE(std::filesystem::exists(path + ".journal"));
  int aside = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    if (entry.path().filename().string().rfind("study.h5.journal.damaged-", 0) == 0) {
      ++aside;
      EXPECT_EQ(testing::ReadBytes(entry.path().string()).size(), 16u) << "the foreign file, as it was";
    }
  }
  EXPECT_EQ(aside, 1);
  Result<StoredStudy> end = ReadStudyFile(path);
  ASSERT_TRUE(end.ok()) << end.status().message();
  EXPECT_TRUE(end->history.done);
  EXPECT_TRUE(SameReports(end->history.reports, driver.reports()));
}

}  // namespace
}  // namespace mpitune
