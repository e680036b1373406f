// The progress line: its text, plain lines at the asked pace where stderr is no
// terminal (a Slurm log), and none with -q.
#include "cli/progress_line.h"

#include <string>

#include "cli/cli_test_util.h"

namespace {

using namespace mpitune::cli_testing;

TEST(ProgressLineTest, SaysWhereTheStudyStands) {
  mpitune::StudyProgress progress;
  progress.elapsed = 12.34;
  progress.max_trials = 500;
  progress.trials = 120;
  progress.running = 3;
  progress.paused = 40;
  progress.ended = 77;
  progress.failed = 2;
  progress.trials_this_run = 120;
  EXPECT_EQ(mpitune::cli::FormatProgress(progress, "loss"),
            "[12.3 s] trials 120/500: 3 running, 40 paused, 77 ended (2 failed); no result yet; 9.7 trials/s");
  progress.best = 35;
  progress.best_value = 0.4423941;
  EXPECT_EQ(mpitune::cli::FormatProgress(progress, "loss"),
            "[12.3 s] trials 120/500: 3 running, 40 paused, 77 ended (2 failed); best loss 0.442394 (trial 35); "
            "9.7 trials/s");
}

class ProgressCliTest : public CliTest {};

TEST_F(ProgressCliTest, PlainLinesAtTheAskedPaceAndNoneWhenQuiet) {
  const std::string path = WriteYaml(
      "slow.yaml",
      BraninYaml("", "  command: [/bin/sh, -c, \"sleep 0.1; echo mpitune: step=$MPITUNE_BUDGET loss={x1}\"]\n"));
  const Invocation shown = Run({"run", path, "--no-store", "--max-trials", "10", "--progress-every", "0.2"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  std::size_t lines = 0;
  for (const std::string& line : Lines(shown.err)) {
    ASSERT_EQ(line.rfind("progress: [", 0), 0u) << line;
    EXPECT_NE(line.find(" trials "), std::string::npos) << line;
    ++lines;
  }
  // About 1.4 s of trials, a line every 0.2 s; stderr is a file here, so no escapes.
  EXPECT_GE(lines, 3u) << shown.err;
  EXPECT_EQ(shown.err.find('\r'), std::string::npos);
  EXPECT_EQ(shown.out.find("progress:"), std::string::npos);

  const Invocation quiet = Run({"run", path, "--no-store", "--max-trials", "10", "--progress-every", "0.2", "-q"});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err, "");
}

}  // namespace
