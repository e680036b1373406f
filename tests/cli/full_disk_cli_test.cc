// `resume` on a full file system (issue 10, item 2): one error line, exit code 1, the
// study file as it was, nothing left behind, and no crash. Before, HDF5 wrote the
// snapshot itself: a failed write left it a file it could neither write nor close,
// and its exit handler (H5F__close_cb in H5_term_library) died with SIGSEGV.
//
// The file system is a real one that fills up: a small tmpfs mounted for the test
// (as root). Where mounting is not allowed, a file size limit (RLIMIT_FSIZE, `ulimit
// -f`, SIGXFSZ ignored) makes the same writes fail, with EFBIG instead of ENOSPC.
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "cli/cli_test_util.h"

namespace {

using namespace mpitune::cli_testing;

// A study that stops itself cleanly: its first trial reports and sends SIGTERM to
// the mpitune process that started it.
constexpr const char* kStoppingStudy = R"(study:
  name: full
  seed: 3
space:
  x: {type: uniform, low: 0, high: 1}
scheduler:
  type: asha
  max_trials: 30
  min_budget: 1
  max_budget: 9
  eta: 3
trial:
  command: [sh, -c, "echo mpitune: step=1 loss={x}; kill -TERM $PPID; sleep 5"]
)";

std::string Bytes(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

class FullDiskCliTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    full_ = dir_ / "full";
    fs::create_directory(full_);
    // MPITUNE_TEST_NO_MOUNT=1 tries the stand-in where a mount would work.
    mounted_ =
        ::geteuid() == 0 && std::getenv("MPITUNE_TEST_NO_MOUNT") == nullptr &&
        std::system(
            fmt::format("mount -t tmpfs -o size=256k tmpfs {} 2>/dev/null", ShellQuote(full_.string())).c_str()) == 0;
  }
  void TearDown() override {
    if (mounted_) {
      EXPECT_EQ(std::system(fmt::format("umount {}", ShellQuote(full_.string())).c_str()), 0);
    }
    CliTest::TearDown();
  }

  // Leaves `keep` bytes free on the tmpfs.
  void FillUpTo(std::size_t keep) {
    struct statvfs info {};
    ASSERT_EQ(::statvfs(full_.c_str(), &info), 0);
    const std::size_t available = static_cast<std::size_t>(info.f_bavail) * info.f_frsize;
    if (available <= keep) return;
    std::ofstream filler(full_ / "filler", std::ios::binary);
    filler << std::string(available - keep, 'x');
  }

  fs::path full_;
  bool mounted_ = false;
};

TEST_F(FullDiskCliTest, ResumeOnAFullFileSystemFailsCleanlyWithoutASegfault) {
  const std::string config = WriteYaml("full.yaml", kStoppingStudy);
  const Invocation stopped = Run({"run", config, "--storage", "s.h5"}, 60);
  ASSERT_EQ(stopped.exit_code, 75) << stopped.out << stopped.err;
  ASSERT_NE(stopped.err.find("interrupted by SIGTERM"), std::string::npos) << stopped.err;
  const std::string study = Bytes(dir_ / "s.h5");
  ASSERT_GT(study.size(), 16384u);
  const std::string status_before = Run({"status", "s.h5", "--json", "--history"}).out;

  if (!mounted_) {
    std::fprintf(stderr, "no tmpfs could be mounted: a file size limit stands in for a full disk\n");
  }
  // From no room at all to nearly enough for a snapshot: each fails at another write.
  int cases = 0;
  for (const std::size_t keep_kib : {0, 4, 8, 12, 16, 24, 32, 40, 48}) {
    SCOPED_TRACE(fmt::format("{} KiB free", keep_kib));
    for (const auto& entry : fs::directory_iterator(full_)) fs::remove_all(entry.path());
    fs::copy_file(dir_ / "s.h5", full_ / "s.h5");
    std::string prefix;
    if (mounted_) {
      FillUpTo(keep_kib * 1024);
    } else {
      // Room for the few lines of stdout and stderr, which are files here too.
      prefix = fmt::format("trap '' XFSZ; ulimit -f {}; ", keep_kib + 4);
    }
    const Invocation resumed = Run({"resume", "full/s.h5"}, 60, prefix);
    EXPECT_EQ(resumed.exit_code, 1) << "not an ordinary failure (139: SIGSEGV)\n" << resumed.out << resumed.err;
    const std::vector<std::string> lines = Lines(resumed.err);
    ASSERT_EQ(lines.size(), 1u) << resumed.err;
    EXPECT_EQ(lines[0].rfind("mpitune: error: full/s.h5", 0), 0u) << lines[0];
    EXPECT_TRUE(lines[0].find(mounted_ ? "No space left on device" : "File too large") != std::string::npos)
        << lines[0];
    EXPECT_TRUE(Bytes(full_ / "s.h5") == study) << "the study file changed";
    EXPECT_FALSE(fs::exists(full_ / "s.h5.tmp")) << "a partial snapshot was left behind";
    ++cases;
  }
  EXPECT_EQ(cases, 9);

  // With room again, the study is what it was.
  fs::remove(full_ / "filler");
  fs::remove(full_ / "s.h5.journal");
  const Invocation after = Run({"status", "full/s.h5", "--json", "--history"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(after.out.substr(after.out.find("\"name\"")), status_before.substr(status_before.find("\"name\"")));
}

}  // namespace
