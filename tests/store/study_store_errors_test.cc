// Reading damaged or foreign study files: missing, text, truncated, an HDF5 file that
// is not a study, a newer format, a journal with a flipped byte. Each is a BadInput
// error naming the file, or (a damaged journal record) a replay that stops before the
// record; reading never changes a byte on disk. Create never overwrites a file.
#include <hdf5.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/file_seal.h"
#include "store/h5_file.h"
#include "store/journal.h"
#include "store/study_store.h"
#include "store/study_test_util.h"
#include "test_files.h"

namespace mpitune {
namespace {

using ::testing::HasSubstr;
using testing::ParseConfigOrDie;
using testing::ReadBytes;
using testing::StateOf;
using testing::StudyDriver;
using testing::WriteBytes;

using Files = std::map<std::string, std::vector<std::uint8_t>>;

// Where each journal record lies in the file: its offset and its size, header included.
struct RecordSpan {
  std::size_t offset = 0;
  std::size_t size = 0;
};
std::vector<RecordSpan> RecordSpans(const std::vector<std::uint8_t>& journal) {
  std::vector<RecordSpan> spans;
  std::size_t offset = store::kJournalHeaderSize;
  while (offset + store::kJournalRecordHeaderSize <= journal.size()) {
    const std::size_t length = journal[offset] | (journal[offset + 1] << 8) | (journal[offset + 2] << 16) |
                               (static_cast<std::size_t>(journal[offset + 3]) << 24);
    spans.push_back({offset, store::kJournalRecordHeaderSize + length});
    offset += spans.back().size;
  }
  EXPECT_EQ(offset, journal.size());
  return spans;
}

class StudyFileErrorsTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    config_ = ParseConfigOrDie(testing::StudyYaml({"asha", "asha", "promotion", 12}));
  }

  // A real study after `calls` scheduler calls, synced; closed (no journal) or killed
  // (every event in the journal, none in a snapshot). Returns its last sequence.
  std::int64_t MakeStudy(const std::string& path, int calls, bool close) {
    auto scheduler = MakeScheduler(config_.space, config_.scheduler);
    Result<std::unique_ptr<StudyStore>> store = StudyStore::Create(path, DefinitionOf(config_), *scheduler);
    EXPECT_TRUE(store.ok()) << store.status().message();
    if (!store.ok()) return -1;
    StudyDriver driver(3, 8);
    for (int i = 0; i < calls; ++i) driver.Step((*store)->scheduler(), store->get());
    EXPECT_TRUE((*store)->Sync().ok());
    if (close) {
      EXPECT_TRUE((*store)->Close().ok());
    }
    return (*store)->last_sequence();
  }

  Files DirFiles() const {
    Files files;
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      files[entry.path().filename().string()] = ReadBytes(entry.path().string());
    }
    return files;
  }

  // ReadStudyFile fails with a BadInput error naming `named`, and changes no file.
  std::string ExpectBadInput(const std::string& path, const std::string& named) {
    const Files before = DirFiles();
    Result<StoredStudy> study = ReadStudyFile(path);
    EXPECT_EQ(DirFiles(), before) << "reading changed the directory";
    EXPECT_FALSE(study.ok());
    if (study.ok()) return "";
    EXPECT_EQ(study.status().kind(), ErrorKind::kBadInput) << study.status().message();
    EXPECT_THAT(study.status().message(), HasSubstr(named));
    return study.status().message();
  }

  StudyConfig config_;
};

TEST_F(StudyFileErrorsTest, MissingFile) {
  const std::string path = PathOf("missing.h5");
  EXPECT_THAT(ExpectBadInput(path, path), HasSubstr("No such file"));
  EXPECT_TRUE(DirFiles().empty());
}

TEST_F(StudyFileErrorsTest, TextFile) {
  const std::string path = PathOf("notes.h5");
  testing::WriteText(path, "study:\n  name: not-hdf5\n");
  EXPECT_THAT(ExpectBadInput(path, path), HasSubstr("HDF5"));
}

TEST_F(StudyFileErrorsTest, TruncatedStudyFile) {
  const std::string whole = PathOf("whole.h5");
  MakeStudy(whole, 60, /*close=*/true);
  std::vector<std::uint8_t> bytes = ReadBytes(whole);
  ASSERT_GT(bytes.size(), 1000u);
  bytes.resize(bytes.size() / 2);
  const std::string path = PathOf("truncated.h5");
  WriteBytes(path, bytes);
  ExpectBadInput(path, path);
}

TEST_F(StudyFileErrorsTest, HdfFileThatIsNotAStudy) {
  const std::string path = PathOf("other.h5");
  {
    Result<store::H5File> file = store::H5File::Create(path);
    ASSERT_TRUE(file.ok()) << file.status().message();
    ASSERT_TRUE(file->WriteInts("/data", std::vector<std::int64_t>{1, 2, 3}).ok());
    ASSERT_TRUE(file->Close().ok());
  }
  EXPECT_THAT(ExpectBadInput(path, path), HasSubstr("not an mpitune study"));
}

TEST_F(StudyFileErrorsTest, NewerFormatVersion) {
  const std::string path = PathOf("future.h5");
  MakeStudy(path, 30, /*close=*/true);
  {  // rewrite the root's format_version in place (H5File only creates or reads)
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    const hid_t attribute = H5Aopen(file, "format_version", H5P_DEFAULT);
    ASSERT_GE(attribute, 0);
    const std::int64_t version = 99;
    EXPECT_GE(H5Awrite(attribute, H5T_NATIVE_INT64, &version), 0);
    H5Aclose(attribute);
    H5Fclose(file);
  }
  ASSERT_TRUE(store::SealFileInPlace(path).ok()) << "as the newer mpitune would have sealed it";
  const std::string message = ExpectBadInput(path, path);
  EXPECT_THAT(message, HasSubstr("version 99"));
}

TEST_F(StudyFileErrorsTest, JournalThatIsNotAJournal) {
  const std::string path = PathOf("study.h5");
  MakeStudy(path, 30, /*close=*/true);
  testing::WriteText(path + ".journal", "this is not a journal, but long enough to have a header");
  EXPECT_THAT(ExpectBadInput(path, path + ".journal"), HasSubstr("not an mpitune journal"));
}

// A FIFO where the journal should be: a reader must not wait in open for a writer
// that never comes.
TEST_F(StudyFileErrorsTest, JournalThatIsAFifoIsRefusedAtOnce) {
  const std::string path = PathOf("study.h5");
  MakeStudy(path, 30, /*close=*/true);
  ASSERT_EQ(::mkfifo((path + ".journal").c_str(), 0644), 0);
  Result<StoredStudy> study = ReadStudyFile(path);  // (DirFiles would wait on the FIFO)
  ASSERT_FALSE(study.ok());
  EXPECT_EQ(study.status().kind(), ErrorKind::kBadInput);
  EXPECT_EQ(study.status().message(), path + ".journal: not a regular file");
}

// A damaged record ends the replay just before it (the records after a bad one were
// never acknowledged, so they are not trusted either): the study reads as if the
// journal stopped there, and nothing on disk changes. Continue then goes on from
// there, the damaged tail cut off.
enum class Damage { kFlipLast, kFlipMiddle, kTornLast };

class JournalDamageTest : public StudyFileErrorsTest, public ::testing::WithParamInterface<Damage> {};

TEST_P(JournalDamageTest, ReplayStopsBeforeTheDamagedRecord) {
  const std::string path = PathOf("study.h5");
  const std::int64_t recorded = MakeStudy(path, 80, /*close=*/false);
  std::vector<std::uint8_t> journal = ReadBytes(path + ".journal");
  const std::vector<RecordSpan> spans = RecordSpans(journal);
  ASSERT_EQ(static_cast<std::int64_t>(spans.size()), recorded) << "every event is a journal record";
  const std::size_t damaged = GetParam() == Damage::kFlipMiddle ? spans.size() / 2 : spans.size() - 1;
  const RecordSpan span = spans[damaged];

  // What the study is with the journal cut right before the damaged record.
  const std::string cut = PathOf("cut.h5");
  std::filesystem::copy_file(path, cut);
  WriteBytes(cut + ".journal", std::vector<std::uint8_t>(journal.begin(), journal.begin() + span.offset));
  Result<StoredStudy> expected = ReadStudyFile(cut);
  ASSERT_TRUE(expected.ok()) << expected.status().message();
  EXPECT_EQ(expected->last_sequence, static_cast<std::int64_t>(damaged));
  std::filesystem::remove(cut);
  std::filesystem::remove(cut + ".journal");

  if (GetParam() == Damage::kTornLast) {
    journal.resize(span.offset + span.size / 2);  // a crash in the middle of its write
  } else {
    journal[span.offset + span.size / 2] ^= 0x10;
  }
  WriteBytes(path + ".journal", journal);
  const Files before = DirFiles();
  Result<StoredStudy> study = ReadStudyFile(path);
  ASSERT_TRUE(study.ok()) << study.status().message();
  EXPECT_EQ(DirFiles(), before);
  EXPECT_EQ(study->last_sequence, static_cast<std::int64_t>(damaged));
  EXPECT_EQ(study->journal_events, static_cast<std::int64_t>(damaged));
  EXPECT_TRUE(study->torn_tail);
  EXPECT_TRUE(StateOf(*study->scheduler) == StateOf(*expected->scheduler));
  EXPECT_TRUE(testing::SameReports(study->history.reports, expected->history.reports));
  EXPECT_EQ(study->history.runs.size(), expected->history.runs.size());

  Result<std::unique_ptr<StudyStore>> store = StudyStore::Continue(*study, 10.0);
  ASSERT_TRUE(store.ok()) << store.status().message();
  const std::int64_t continued = (*store)->last_sequence();
  store->reset();
  Result<StoredStudy> again = ReadStudyFile(path);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->last_sequence, continued);
  EXPECT_FALSE(again->torn_tail);
}

INSTANTIATE_TEST_SUITE_P(Damages, JournalDamageTest,
                         ::testing::Values(Damage::kFlipLast, Damage::kFlipMiddle, Damage::kTornLast),
                         [](const ::testing::TestParamInfo<Damage>& param_info) {
                           switch (param_info.param) {
                             case Damage::kFlipLast: return std::string("FlippedByteInLastRecord");
                             case Damage::kFlipMiddle: return std::string("FlippedByteInMiddleRecord");
                             case Damage::kTornLast: return std::string("TornLastRecord");
                           }
                           return std::string();
                         });

// A snapshot older than its journal (say, restored from a backup): the records that
// would join them are missing, which is an error naming the journal, not a replay.
TEST_F(StudyFileErrorsTest, JournalThatDoesNotFollowTheSnapshot) {
  const std::string path = PathOf("study.h5");
  auto scheduler = MakeScheduler(config_.space, config_.scheduler);
  Result<std::unique_ptr<StudyStore>> store = StudyStore::Create(path, DefinitionOf(config_), *scheduler);
  ASSERT_TRUE(store.ok()) << store.status().message();
  const std::vector<std::uint8_t> first_snapshot = ReadBytes(path);
  StudyDriver driver(3, 8);
  for (int i = 0; i < 30; ++i) driver.Step((*store)->scheduler(), store->get());
  ASSERT_TRUE((*store)->Snapshot().ok());
  for (int i = 0; i < 30; ++i) driver.Step((*store)->scheduler(), store->get());
  ASSERT_TRUE((*store)->Sync().ok());
  store->reset();
  WriteBytes(path, first_snapshot);
  EXPECT_THAT(ExpectBadInput(path, path + ".journal"), HasSubstr("records are missing"));
}

TEST_F(StudyFileErrorsTest, CreateOnAnExistingStudyFails) {
  const std::string path = PathOf("study.h5");
  MakeStudy(path, 30, /*close=*/false);
  const Files before = DirFiles();
  auto scheduler = MakeScheduler(config_.space, config_.scheduler);
  Result<std::unique_ptr<StudyStore>> store = StudyStore::Create(path, DefinitionOf(config_), *scheduler);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().kind(), ErrorKind::kBadInput);
  EXPECT_THAT(store.status().message(), HasSubstr(path));
  EXPECT_EQ(DirFiles(), before) << "the study or its journal changed";
}

TEST_F(StudyFileErrorsTest, CreateOnAnyExistingFileFails) {
  const std::string path = PathOf("precious.txt");
  testing::WriteText(path, "not mine to overwrite");
  const Files before = DirFiles();
  auto scheduler = MakeScheduler(config_.space, config_.scheduler);
  Result<std::unique_ptr<StudyStore>> store = StudyStore::Create(path, DefinitionOf(config_), *scheduler);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr(path));
  EXPECT_EQ(DirFiles(), before);
}

// A journal left beside a deleted study file belongs to another study: a new study of
// that name starts empty.
TEST_F(StudyFileErrorsTest, CreateIgnoresAStaleJournal) {
  const std::string old_path = PathOf("old.h5");
  ASSERT_GT(MakeStudy(old_path, 40, /*close=*/false), 0);
  const std::string path = PathOf("study.h5");
  std::filesystem::rename(old_path + ".journal", path + ".journal");
  auto scheduler = MakeScheduler(config_.space, config_.scheduler);
  Result<std::unique_ptr<StudyStore>> store = StudyStore::Create(path, DefinitionOf(config_), *scheduler);
  ASSERT_TRUE(store.ok()) << store.status().message();
  store->reset();
  Result<StoredStudy> study = ReadStudyFile(path);
  ASSERT_TRUE(study.ok()) << study.status().message();
  EXPECT_EQ(study->last_sequence, 0);
  EXPECT_EQ(study->journal_events, 0);
  EXPECT_TRUE(study->scheduler->trials().empty());
}

// What the workers of a resumed MPI study read: the stored definition alone, with the
// effective overrides, from a study that is still running (killed: all in the journal).
TEST_F(StudyFileErrorsTest, ReadStudyDefinitionGivesTheStoredConfigWithoutTheHistory) {
  const std::string path = PathOf("study.h5");
  config_.scheduler.max_trials = 9;  // as an override would
  config_.trial.report_every = 0.5;
  MakeStudy(path, 25, /*close=*/false);
  const Files before = DirFiles();
  Result<StudyDefinition> definition = ReadStudyDefinition(path);
  ASSERT_TRUE(definition.ok()) << definition.status().message();
  Result<StudyConfig> config = StoredConfig(*definition, path);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(DirFiles(), before);
  EXPECT_EQ(config->scheduler.max_trials, 9);
  EXPECT_EQ(config->trial.report_every, 0.5);
  EXPECT_EQ(config->space.Hash(), config_.space.Hash());
  EXPECT_EQ(config->name, config_.name);
  EXPECT_EQ(config->storage, path);

  testing::WriteText(PathOf("notes.h5"), "not a study\n");
  Result<StudyDefinition> text = ReadStudyDefinition(PathOf("notes.h5"));
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().kind(), ErrorKind::kBadInput);
  EXPECT_THAT(text.status().message(), HasSubstr(PathOf("notes.h5")));
}

}  // namespace
}  // namespace mpitune
