// Damaged study files through the mpitune binary (issue 10, item 1): `status`,
// `resume` and `run` end at once with one line naming the file and exit code 2; none
// crashes, hangs or changes a file. Before study files were sealed, one flipped bit
// in a global heap crashed all three inside HDF5 (SIGSEGV), and a zeroed 16 KiB block
// made `status` spin for minutes and `resume` ignore SIGTERM.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "cli/cli_test_util.h"

namespace {

using namespace mpitune::cli_testing;

using Bytes = std::vector<char>;

constexpr int kTimeoutSeconds = 20;

Bytes ReadBytes(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

void WriteBytes(const fs::path& path, const Bytes& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

class DamagedStudyCliTest : public CliTest {
 protected:
  // A finished study of configs/<config>, stored in s.h5; returns the file's bytes.
  Bytes MakeStudy(const std::string& config, int max_trials) {
    run_args_ = {"run", Config(config), "--storage", "s.h5", "--max-trials", std::to_string(max_trials)};
    const Invocation made = Run(run_args_, 120);
    EXPECT_EQ(made.exit_code, 0) << made.err;
    EXPECT_FALSE(fs::exists(dir_ / "s.h5.journal"));
    return ReadBytes(dir_ / "s.h5");
  }

  // `damaged` as s.h5 through status, status --json and resume (and run, with
  // `with_run`): each a one-line BadInput error naming the file, nothing changed.
  void ExpectRefused(const Bytes& damaged, const std::string& what, bool with_run = false) {
    SCOPED_TRACE(what);
    WriteBytes(dir_ / "s.h5", damaged);
    std::vector<std::vector<std::string>> commands = {
        {"status", "s.h5"}, {"status", "s.h5", "--json"}, {"resume", "s.h5"}};
    if (with_run) commands.push_back(run_args_);
    for (const std::vector<std::string>& command : commands) {
      SCOPED_TRACE(command[0]);
      const Invocation result = Run(command, kTimeoutSeconds);
      ASSERT_NE(result.exit_code, 124) << "still running after " << kTimeoutSeconds << " s";
      ASSERT_NE(result.exit_code, 137) << "ignored SIGTERM";
      ExpectOneLineError(result, 2, "s.h5");
      ASSERT_TRUE(ReadBytes(dir_ / "s.h5") == damaged) << "the damaged file was changed";
      for (const char* left : {"s.h5.journal", "s.h5.tmp"}) EXPECT_FALSE(fs::exists(dir_ / left)) << left;
    }
    ++cases_;
  }

  std::vector<std::string> run_args_;
  int cases_ = 0;
};

// The first object of the file's first global heap (the root's variable-length
// string attributes, config_yaml among them): its size field, every byte of it.
TEST_F(DamagedStudyCliTest, AFlippedBitInTheGlobalHeapIsBadInputNotASegfault) {
  const Bytes study = MakeStudy("default.yaml", 30);
  const std::string text(study.begin(), study.end());
  const std::size_t heap = text.find("GCOL");
  ASSERT_NE(heap, std::string::npos);
  ASSERT_NE(text.find("# The default study", heap), std::string::npos) << "config_yaml lives in that heap";
  const std::size_t first_object_size = heap + 16 + 8;
  for (std::size_t byte = 0; byte < 8; ++byte) {
    Bytes damaged = study;
    damaged[first_object_size + byte] = static_cast<char>(damaged[first_object_size + byte] ^ 0x80);
    ExpectRefused(damaged, "bit 7 of global heap byte " + std::to_string(24 + byte), /*with_run=*/true);
    if (HasFatalFailure()) return;
  }
}

TEST_F(DamagedStudyCliTest, AZeroedBlockEndsStatusAndResumeAtOnce) {
  const Bytes study = MakeStudy("default.yaml", 300);
  constexpr std::size_t kBlock = 16384;
  for (std::size_t offset = 0; offset < study.size(); offset += 4096) {
    Bytes damaged = study;
    std::fill(damaged.begin() + static_cast<std::ptrdiff_t>(offset),
              damaged.begin() + static_cast<std::ptrdiff_t>(std::min(study.size(), offset + kBlock)), '\0');
    if (damaged == study) continue;
    ExpectRefused(damaged, "16 KiB zeroed at " + std::to_string(offset));
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(cases_, 50);
}

// Random damage (fixed seed) to studies of other schedulers, one with built-in
// objectives' checkpoints; the in-process fuzz test (tests/store) runs many more.
TEST_F(DamagedStudyCliTest, RandomDamageThroughTheBinary) {
  std::mt19937_64 rng(1126);
  const auto below = [&rng](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  for (const auto& [config, trials] :
       {std::pair{"sha-sync.yaml", 40}, std::pair{"hartmann6-hyperband.yaml", 40}, std::pair{"sgd-asha.yaml", 12}}) {
    SCOPED_TRACE(config);
    fs::remove(dir_ / "s.h5");
    const Bytes study = MakeStudy(config, trials);
    for (int i = 0; i < 8; ++i) {
      Bytes damaged = study;
      const std::size_t offset = below(study.size());
      damaged[offset] = static_cast<char>(damaged[offset] ^ (1 << below(8)));
      ExpectRefused(damaged, "bit flip at " + std::to_string(offset));
      const std::size_t length = below(study.size());
      ExpectRefused(Bytes(study.begin(), study.begin() + static_cast<std::ptrdiff_t>(length)),
                    "truncated to " + std::to_string(length));
      if (HasFatalFailure()) return;
    }
  }
  EXPECT_EQ(cases_, 48);
}

}  // namespace
