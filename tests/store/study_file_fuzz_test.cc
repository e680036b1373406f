// Damaged study files, at random: bit flips, truncations, zeroed blocks and runs of
// garbage over real format-2 study files (every scheduler, checkpoints, one with a
// journal after a mid-study snapshot), with a fixed seed. Each damaged file goes
// through every reader: the status read model (ReadStudy), what `resume` reads before
// it writes anything (ReadStudyFile with the format-1 upgrade, then StoredConfig) and
// what the workers of a resumed MPI study read (ReadStudyDefinition). Every one must
// fail with a one-line BadInput error naming the file, and leave every file as it was:
// the HDF5 library never sees a damaged file (it crashed or hung on them before).
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mpitune/study.h"
#include "store/study_store.h"
#include "store/study_test_util.h"
#include "study/stored_config.h"
#include "test_files.h"

namespace mpitune {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::StudyCase;
using testing::StudyDriver;

constexpr std::uint64_t kFuzzSeed = 20261126;
constexpr int kFlipsPerFile = 40;
constexpr int kTruncationsPerFile = 12;
constexpr int kZeroedBlocksPerFile = 12;
constexpr int kGarbageRunsPerFile = 6;

using Bytes = std::vector<std::uint8_t>;
using Files = std::map<std::string, Bytes>;

class StudyFileFuzzTest : public testing::StoreTest {
 protected:
  // A real study of `study_case`, driven for `calls` scheduler calls with checkpoints;
  // closed (the final snapshot) or, `killed`, snapshotted half-way with the rest in
  // its journal.
  Files MakeStudy(const StudyCase& study_case, int calls, bool killed) {
    const StudyConfig config = testing::ParseConfigOrDie(testing::StudyYaml(study_case));
    const std::string path = PathOf("study.h5");
    ClearDir();
    auto scheduler = MakeScheduler(config.space, config.scheduler);
    Result<std::unique_ptr<StudyStore>> store = StudyStore::Create(path, DefinitionOf(config), *scheduler);
    EXPECT_TRUE(store.ok()) << store.status().message();
    if (!store.ok()) return {};
    StudyDriver driver(3, 11);
    for (int i = 0; i < calls && !driver.finished(); ++i) {
      driver.Step((*store)->scheduler(), store->get());
      if (killed && i == calls / 2) {
        EXPECT_TRUE((*store)->Snapshot().ok());
      }
    }
    EXPECT_TRUE(killed ? (*store)->Sync().ok() : (*store)->Close().ok());
    store->reset();
    Files files = DirFiles();
    ClearDir();
    return files;
  }

  void ClearDir() const {
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) std::filesystem::remove(entry.path());
  }

  Files DirFiles() const {
    Files files;
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      files[entry.path().filename().string()] = testing::ReadBytes(entry.path().string());
    }
    return files;
  }

  // One damaged file through every reader.
  void ExpectRefused(const std::string& what) {
    SCOPED_TRACE(what);
    const std::string path = PathOf("study.h5");
    const Files before = DirFiles();
    const auto expect_bad_input = [&](const Status& status, const char* reader) {
      EXPECT_FALSE(status.ok()) << reader << " read a damaged file";
      EXPECT_EQ(status.kind(), ErrorKind::kBadInput) << reader << ": " << status.message();
      EXPECT_THAT(status.message(), HasSubstr(path)) << reader;
      EXPECT_THAT(status.message(), Not(HasSubstr("\n"))) << reader;
    };
    Result<Study> status_view = ReadStudy(path);
    expect_bad_input(status_view.status(), "ReadStudy (status)");
    Result<StoredStudy> stored = ReadStudyFile(path, &LegacyDefinitionUpgrade());
    Status resume = stored.status();
    if (stored.ok()) resume = StoredConfig(stored->definition, path).status();
    expect_bad_input(resume, "ReadStudyFile (resume)");
    Result<StudyDefinition> definition = ReadStudyDefinition(path, &LegacyDefinitionUpgrade());
    expect_bad_input(definition.status(), "ReadStudyDefinition (workers of resume)");
    EXPECT_TRUE(DirFiles() == before) << "a reader changed a file";
  }

  // Damages the study file of `files` in every way, `cases` counting each.
  void Fuzz(const Files& files, std::mt19937_64& rng, int& cases) {
    const Bytes& original = files.at("study.h5");
    ASSERT_GT(original.size(), 16384u);
    const auto below = [&rng](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    const auto run = [&](Bytes damaged, const std::string& what) {
      if (damaged == original) return false;  // e.g. zeros over zeros: no damage
      ClearDir();
      for (const auto& [name, bytes] : files) testing::WriteBytes(PathOf(name), bytes);
      testing::WriteBytes(PathOf("study.h5"), damaged);
      ExpectRefused(what);
      ++cases;
      return true;
    };
    for (int i = 0; i < kFlipsPerFile; ++i) {
      Bytes damaged = original;
      const std::size_t offset = below(damaged.size());
      const int bit = static_cast<int>(below(8));
      damaged[offset] ^= static_cast<std::uint8_t>(1u << bit);
      run(damaged, fmt::format("bit {} of byte {} flipped", bit, offset));
    }
    for (int i = 0; i < kTruncationsPerFile; ++i) {
      const std::size_t length = below(original.size());
      run(Bytes(original.begin(), original.begin() + static_cast<std::ptrdiff_t>(length)),
          fmt::format("truncated to {} bytes", length));
    }
    for (int done = 0; done < kZeroedBlocksPerFile;) {
      Bytes damaged = original;
      const std::size_t size = std::min<std::size_t>(1 + below(16384), damaged.size());
      const std::size_t offset = below(damaged.size() - size + 1);
      std::fill_n(damaged.begin() + static_cast<std::ptrdiff_t>(offset), size, 0);
      done += run(damaged, fmt::format("{} bytes zeroed at {}", size, offset)) ? 1 : 0;
    }
    for (int i = 0; i < kGarbageRunsPerFile; ++i) {
      Bytes damaged = original;
      const std::size_t size = 1 + below(64);
      const std::size_t offset = below(damaged.size() - size + 1);
      for (std::size_t j = 0; j < size; ++j) damaged[offset + j] = static_cast<std::uint8_t>(rng());
      run(damaged, fmt::format("{} random bytes at {}", size, offset));
    }
  }
};

TEST_F(StudyFileFuzzTest, EveryDamagedStudyFileIsRefusedByEveryReader) {
  std::mt19937_64 rng(kFuzzSeed);
  int cases = 0;
  std::vector<std::pair<StudyCase, bool>> studies;
  for (const StudyCase& study_case : testing::AllStudyCases()) studies.emplace_back(study_case, false);
  studies.emplace_back(StudyCase{"asha_killed", "asha", "promotion", 30}, true);
  for (const auto& [study_case, killed] : studies) {
    SCOPED_TRACE(study_case.name);
    const Files files = MakeStudy(study_case, 400, killed);
    ASSERT_EQ(files.count("study.h5"), 1u);
    ASSERT_EQ(files.count("study.h5.journal"), killed ? 1u : 0u);
    {  // the undamaged file reads, so every refusal below is the damage's doing
      for (const auto& [name, bytes] : files) testing::WriteBytes(PathOf(name), bytes);
      Result<Study> study = ReadStudy(PathOf("study.h5"));
      ASSERT_TRUE(study.ok()) << study.status().message();
      EXPECT_FALSE(study->trials.empty());
    }
    Fuzz(files, rng, cases);
  }
  const int per_file = kFlipsPerFile + kTruncationsPerFile + kZeroedBlocksPerFile + kGarbageRunsPerFile;
  EXPECT_GE(cases, static_cast<int>(studies.size()) * per_file - 20) << "most damages change the file";
  std::printf("%d damaged study files, each refused by 3 readers\n", cases);
}

}  // namespace
}  // namespace mpitune
