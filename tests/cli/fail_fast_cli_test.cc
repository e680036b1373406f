// A study whose trials all fail (issue 9, item 2): it stops after trial.fail_fast
// failures with no success, says why in one line, and exits 3 whenever it ends with no
// trial that succeeded.
#include <string>

#include "cli/cli_test_util.h"

namespace {

using namespace mpitune::cli_testing;

class FailFastCliTest : public CliTest {
 protected:
  std::string Study(const std::string& command, int max_trials, const std::string& trial_extra = "") {
    return WriteYaml("study.yaml", fmt::format("study: {{name: ff, seed: 5}}\n"
                                               "space:\n  x: {{type: uniform, low: 0, high: 1}}\n"
                                               "scheduler: {{type: fifo, max_trials: {}, min_budget: 1, "
                                               "max_budget: 1}}\n"
                                               "trial:\n  command: {}\n{}"
                                               "resources: {{gpus_per_trial: 0}}\n",
                                               max_trials, command, trial_extra));
  }
};

// Regression: a missing script failed all 20 trials, one after the other, and the study
// exited 0.
TEST_F(FailFastCliTest, EveryTrialFailingStopsAfterFailFastAndExitsThree) {
  const Invocation run = Run({"run", Study("[/nonexistent/train.py, \"{x}\"]", 20)});
  ExpectOneLineError(run, 3, "the first 5 trials all failed (trial.fail_fast: 5), so no more were started");
  EXPECT_NE(run.err.find("last: trial 4: cannot run"), std::string::npos) << run.err;
  EXPECT_NE(run.out.find("trials: 5 (failed 5)"), std::string::npos) << run.out;
  // The study is kept, to go on with once the command is fixed.
  const Invocation status = Run({"status", "ff.h5"});
  EXPECT_NE(status.out.find("file: ff.h5 (stopped)"), std::string::npos) << status.out;
}

TEST_F(FailFastCliTest, WithoutFailFastEveryTrialRunsAndTheStudyStillExitsThree) {
  const Invocation run = Run({"run", Study("[/bin/sh, -c, \"exit 7\"]", 7, "  fail_fast: 0\n")});
  ExpectOneLineError(run, 3, "no trial succeeded: all 7 trials failed (last: trial 6: exited with code 7)");
  EXPECT_NE(run.out.find("trials: 7 (failed 7)"), std::string::npos) << run.out;
  // A finished study with no success is reported again the same way.
  ExpectOneLineError(Run({"run", "study.yaml"}), 3, "no trial succeeded");
}

TEST_F(FailFastCliTest, OneTrialThatSucceedsTurnsFailFastOff) {
  const Invocation run = Run(
      {"run", Study("[/bin/sh, -c, \"[ $MPITUNE_TRIAL_ID = 0 ] && echo mpitune: step=1 loss=1 || exit 1\"]", 8)});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("trials: 8 (completed 1, failed 7)"), std::string::npos) << run.out;
}

TEST_F(FailFastCliTest, FailFastIsChecked) {
  ExpectOneLineError(Run({"run", Study("[\"true\"]", 3, "  fail_fast: -1\n")}), 2,
                     "study.yaml: trial.fail_fast: expected an integer >= 0, got -1");
}

}  // namespace
