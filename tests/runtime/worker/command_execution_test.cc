// A command trial's run with a real /bin/sh process: reports come out of its metric
// lines, and an Exploit stops it, replaces its checkpoint folder with a copy of the
// donor's and starts it again with the new value, restoring from that copy.
#include "runtime/worker/command_execution.h"

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "test_files.h"

namespace mpitune {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class CommandExecutionTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    testing::StoreTest::SetUp();
    ParamSpec x;
    x.name = "x";
    x.low = 0.0;
    x.high = 10.0;
    settings_.space = *SearchSpace::Create({x});
    settings_.trials_dir = (dir_ / "s.trials").string();
    // Says where it restores from and with which x, then reports a step a few times,
    // keeping its checkpoint up to date; it lingers so a stop has something to stop.
    settings_.spec.command = {"/bin/sh", "-c",
                              "echo \"x={x} from=$MPITUNE_RESTORE_FROM\" >> \"$MPITUNE_CHECKPOINT_DIR/../log\"; "
                              "for s in 1 2 3; do echo {x} > \"$MPITUNE_CHECKPOINT_DIR/state\"; "
                              "echo \"mpitune: step=$s loss={x}\"; done; sleep 5"};
    settings_.options.stop_grace_seconds = 2.0;
  }

  // Progress until `want` reports came out or `seconds` passed.
  std::vector<MetricPoint> Collect(CommandExecution& run, std::size_t want, double seconds) {
    std::vector<MetricPoint> out;
    const double until = clock_->Now() + seconds;
    while (out.size() < want && clock_->Now() < until) run.Progress(clock_->Now(), 0.01, 64, out);
    return out;
  }

  Assignment Assign(TrialId trial, double x) {
    Assignment assignment;
    assignment.trial = trial;
    assignment.config.values = {x};
    assignment.budget = 10.0;
    return assignment;
  }

  CommandRunnerSettings settings_;
  std::unique_ptr<Clock> clock_ = MakeSteadyClock();
};

TEST_F(CommandExecutionTest, AnExploitRestartsFromACopyOfTheDonorsCheckpoint) {
  // The donor, trial 0, leaves its checkpoint behind.
  {
    CommandExecution donor(settings_, Assign(0, 7), clock_->Now());
    ASSERT_EQ(Collect(donor, 3, 10.0).size(), 3u);
    donor.End(DecisionKind::kPause, clock_->Now());
    std::vector<MetricPoint> rest;
    while (!donor.Quiet()) donor.Progress(clock_->Now(), 0.01, 64, rest);
    EXPECT_EQ(donor.Finish(clock_->Now()).outcome, TrialOutcome::kExited);
  }
  const fs::path donor_state = fs::path(CheckpointDirectory(settings_.trials_dir, 0)) / "state";
  ASSERT_EQ(ReadFile(donor_state), "7\n");

  CommandExecution recipient(settings_, Assign(1, 2), clock_->Now());
  std::vector<MetricPoint> first = Collect(recipient, 3, 10.0);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0].value, 2.0);
  recipient.Exploit(ExploitSource{0, Config{{4}}, 3.0, {}}, clock_->Now());
  std::vector<MetricPoint> after = Collect(recipient, 3, 10.0);
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[0].value, 4.0);  // the new value, not the old one's late output
  recipient.End(DecisionKind::kStop, clock_->Now());
  std::vector<MetricPoint> rest;
  while (!recipient.Quiet()) recipient.Progress(clock_->Now(), 0.01, 64, rest);
  EXPECT_EQ(recipient.Finish(clock_->Now()).outcome, TrialOutcome::kExited);

  const std::string log = ReadFile(fs::path(TrialDirectory(settings_.trials_dir, 1)) / "log");
  const std::string own_checkpoint = CheckpointDirectory(settings_.trials_dir, 1);
  EXPECT_EQ(log, "x=2 from=\nx=4 from=" + own_checkpoint + "\n");
  // The donor's folder is untouched; the recipient's holds its own state again.
  EXPECT_EQ(ReadFile(donor_state), "7\n");
  EXPECT_EQ(ReadFile(fs::path(own_checkpoint) / "state"), "4\n");
  EXPECT_FALSE(fs::exists(own_checkpoint + ".incoming"));
  EXPECT_FALSE(fs::exists(own_checkpoint + ".replaced"));
}

TEST_F(CommandExecutionTest, ADonorThatWroteNoCheckpointFailsTheRecipientSayingSo) {
  Assignment assignment = Assign(1, 2);
  assignment.restore_from = 0;  // trial 0 never ran here: no checkpoint folder at all
  assignment.resume_step = 3.0;
  CommandExecution run(settings_, assignment, clock_->Now());
  EXPECT_TRUE(run.Quiet());
  const RunEnd end = run.Finish(clock_->Now());
  EXPECT_EQ(end.outcome, TrialOutcome::kFailed);
  EXPECT_NE(end.message.find("trial 0 (the donor it continues from) left nothing"), std::string::npos) << end.message;
}

TEST_F(CommandExecutionTest, ACommandThatCannotBeSetUpFailsWithTheReason) {
  settings_.spec.command = {"/bin/sh", "-c", "echo {nope}"};
  CommandExecution run(settings_, Assign(0, 1), clock_->Now());
  EXPECT_TRUE(run.Quiet());
  const RunEnd end = run.Finish(clock_->Now());
  EXPECT_EQ(end.outcome, TrialOutcome::kFailed);
  EXPECT_NE(end.message.find("cannot start the trial"), std::string::npos) << end.message;
}

}  // namespace
}  // namespace mpitune
