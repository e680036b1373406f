// Restarting a study right after `kill -9` of its job (issue 10, item 5): a rank that
// is still dying holds the journal's lock for a moment. Before, the restart failed
// about one time in five with "journal is open in another writer"; now it waits for
// the lock, says so, and goes on. Here `flock` plays the dying rank for two seconds.
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "cli/cli_test_util.h"

namespace {

using namespace mpitune::cli_testing;

class JournalLockCliTest : public CliTest {};

TEST_F(JournalLockCliTest, ResumeRightAfterAKillWaitsForTheDyingWriter) {
  const std::string config = WriteYaml("slow.yaml", kSlowCommandStudy);
  StartInBackground({"run", config, "--storage", "s.h5"});
  const fs::path journal = dir_ / "s.h5.journal";
  for (int i = 0; i < 2400 && !BackgroundEnded(); ++i) {
    if (fs::exists(journal) && fs::file_size(journal) > 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_FALSE(BackgroundEnded()) << ReadFile(dir_ / "run.err");
  ASSERT_EQ(::kill(BackgroundPid(), SIGKILL), 0);
  WaitForBackground();
  ASSERT_TRUE(fs::exists(journal));

  const std::string hold = fmt::format("cd {} && (flock s.h5.journal sleep 2 &)", ShellQuote(dir_.string()));
  ASSERT_EQ(std::system(hold.c_str()), 0);
  const std::string held = fmt::format("cd {} && flock -n s.h5.journal true", ShellQuote(dir_.string()));
  for (int i = 0; i < 200 && std::system(held.c_str()) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_NE(std::system(held.c_str()), 0) << "flock did not take the lock";

  const auto start = std::chrono::steady_clock::now();
  const Invocation resumed = Run({"resume", "s.h5"}, 120);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("resuming s.h5"), std::string::npos) << resumed.out;
  const std::vector<std::string> lines = Lines(resumed.err);
  ASSERT_EQ(lines.size(), 1u) << resumed.err;
  EXPECT_EQ(lines[0],
            "mpitune: s.h5.journal: another process still holds this journal; waiting up to 30 s for it to let go");
  EXPECT_NE(Run({"status", "s.h5"}).out.find("(finished)"), std::string::npos);
}

}  // namespace
