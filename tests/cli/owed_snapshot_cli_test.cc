// A run whose final snapshot cannot be written (issue 10, item 4): its journal keeps
// the whole study, `status` reports it finished, but the .h5 that h5py reads holds
// none of it. Before, a later `run` or `resume` reported the study finished and exited
// 0 without ever writing that snapshot; now opening the study for writing writes it.
//
// The final snapshot fails because a directory sits where it is written (<file>.tmp):
// the same failure as a read-only directory, and one that holds for root too.
#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli_test_util.h"

namespace {

using namespace mpitune::cli_testing;

class OwedSnapshotCliTest : public CliTest, public ::testing::WithParamInterface<std::string> {
 protected:
  // The trial count of the study file alone, as h5py would see it.
  int TrialsInTheFileAlone() const {
    fs::create_directories(dir_ / "alone");
    fs::copy_file(dir_ / "s.h5", dir_ / "alone" / "s.h5", fs::copy_options::overwrite_existing);
    const Invocation status = Run({"status", "alone/s.h5"});
    EXPECT_EQ(status.exit_code, 0) << status.err;
    const std::size_t at = status.out.find("trials: ");
    return at == std::string::npos ? -1 : std::stoi(status.out.substr(at + 8));
  }
};

TEST_P(OwedSnapshotCliTest, OpeningAFinishedStudyForWritingWritesTheSnapshotItIsOwed) {
  const std::string config = WriteYaml("slow.yaml", kSlowCommandStudy);
  StartInBackground({"run", config, "--storage", "s.h5"});
  for (int i = 0; i < 2400 && !BackgroundEnded(); ++i) {
    if (fs::exists(dir_ / "s.h5.journal") && fs::file_size(dir_ / "s.h5.journal") > 16) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_FALSE(BackgroundEnded()) << "the study ended before it could be got in the way of";
  fs::create_directory(dir_ / "s.h5.tmp");
  const int exit_code = WaitForBackground();
  const std::string err = ReadFile(dir_ / "run.err");
  ASSERT_EQ(exit_code, 1) << err;
  EXPECT_NE(err.find("s.h5.tmp"), std::string::npos) << err;
  ASSERT_TRUE(fs::exists(dir_ / "s.h5.journal")) << "the journal holds the study";
  EXPECT_NE(Run({"status", "s.h5"}).out.find("(finished)"), std::string::npos);
  EXPECT_EQ(TrialsInTheFileAlone(), 0);

  fs::remove(dir_ / "s.h5.tmp");
  const std::vector<std::string> args = GetParam() == "resume"
                                            ? std::vector<std::string>{"resume", "s.h5"}
                                            : std::vector<std::string>{"run", config, "--storage", "s.h5"};
  const Invocation again = Run(args, 120);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("study already finished in s.h5 (24 trials"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("wrote its final snapshot, which its last run could not"), std::string::npos) << again.out;
  EXPECT_FALSE(fs::exists(dir_ / "s.h5.journal"));
  EXPECT_EQ(TrialsInTheFileAlone(), 24);

  // Owed once: the next run changes nothing.
  const Invocation third = Run(args, 120);
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_EQ(third.out.find("wrote its final snapshot"), std::string::npos) << third.out;
}

INSTANTIATE_TEST_SUITE_P(Commands, OwedSnapshotCliTest, ::testing::Values("run", "resume"));

}  // namespace
