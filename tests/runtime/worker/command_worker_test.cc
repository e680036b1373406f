// The coordinator and three command workers over the in-process transport, stepped
// round-robin in one thread, each trial a real /bin/sh process.
#include "runtime/worker/command_execution.h"
#include "runtime/worker/worker.h"

#include <signal.h>
#include <stdlib.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mpitune/scheduler.h"
#include "runtime/protocol/transport.h"
#include "runtime/coordinator/coordinator.h"

namespace mpitune {
namespace {

namespace fs = std::filesystem;

constexpr int kWorkers = 3;

StudyConfig ShellStudy(const fs::path& dir, std::vector<std::string> command, std::int64_t max_trials) {
  StudyConfig config;
  config.source = "test.yaml";
  config.name = "shell";
  config.storage = (dir / "shell.h5").string();
  ParamSpec x;
  x.name = "x";
  x.low = 0.0;
  x.high = 1.0;
  Result<SearchSpace> space = SearchSpace::Create({x});
  EXPECT_TRUE(space.ok());
  config.space = *space;
  config.scheduler.kind = SchedulerKind::kAsha;
  config.scheduler.max_trials = max_trials;
  config.scheduler.min_budget = 1.0;
  config.scheduler.max_budget = 9.0;
  config.scheduler.eta = 3.0;
  config.scheduler.seed = 5;
  config.trial.command = std::move(command);
  config.resources.gpus_per_trial = 0;
  return config;
}

class CommandWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "mpitune_command_worker_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  void Build(const StudyConfig& config) {
    config_ = config;
    clock_ = MakeSteadyClock();
    scheduler_ = MakeScheduler(config_.space, config_.scheduler);
    transports_ = MakeInProcessTransports(kWorkers + 1);
    coordinator_ = std::make_unique<Coordinator>(*scheduler_, *transports_[0], *clock_, &stop_);
    settings_ = MakeCommandRunnerSettings(config_, Status::Internal("no GPU in tests"));
    for (int rank = 1; rank <= kWorkers; ++rank) {
      WorkerOptions options;
      options.output_wait_seconds = 0.005;
      workers_.push_back(std::make_unique<Worker>(CommandExecutions(settings_),
                                                  *transports_[static_cast<std::size_t>(rank)], *clock_, options));
    }
  }

  // Steps every endpoint in turn until all have finished; `before_round` may raise
  // the stop flag. False if they do not finish within 60 s.
  bool DriveToEnd(const std::function<void()>& before_round = {}) {
    bool coordinator_done = false;
    std::vector<bool> worker_done(workers_.size(), false);
    const double deadline = clock_->Now() + 60.0;
    while (clock_->Now() < deadline) {
      if (before_round) before_round();
      if (!coordinator_done) {
        Result<LoopStep> step = coordinator_->Step();
        if (!step.ok()) return false;
        coordinator_done = *step == LoopStep::kFinished;
      }
      bool all_done = true;
      for (std::size_t i = 0; i < workers_.size(); ++i) {
        if (worker_done[i]) continue;
        Result<LoopStep> step = workers_[i]->Step();
        if (!step.ok()) {
          ADD_FAILURE() << "worker " << i + 1 << ": " << step.status().message();
          return false;
        }
        worker_done[i] = *step == LoopStep::kFinished;
        all_done = all_done && worker_done[i];
      }
      if (coordinator_done && all_done) return true;
    }
    return false;
  }

  fs::path dir_;
  StudyConfig config_;
  std::unique_ptr<Clock> clock_;
  std::atomic<bool> stop_{false};
  std::unique_ptr<Scheduler> scheduler_;
  std::vector<std::unique_ptr<Transport>> transports_;
  std::unique_ptr<Coordinator> coordinator_;
  CommandRunnerSettings settings_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

TEST_F(CommandWorkerTest, EveryTrialRunsItsCommandAndIsAccountedFor) {
  // Resumes read the checkpoint the paused run wrote; a missing one fails the trial.
  Build(ShellStudy(dir_,
                   {"/bin/sh", "-c",
                    "if [ -n \"$MPITUNE_RESTORE_FROM\" ]; then cat \"$MPITUNE_RESTORE_FROM/state\" || exit 7; fi; "
                    "echo {x} > \"$MPITUNE_CHECKPOINT_DIR/state\"; echo mpitune: step=$MPITUNE_BUDGET loss={x}"},
                   9));
  ASSERT_TRUE(DriveToEnd());
  const RunSummary& summary = coordinator_->summary();
  EXPECT_FALSE(summary.interrupted);
  EXPECT_EQ(summary.trials_started, 9);
  EXPECT_EQ(summary.failures, 0) << summary.last_failure;
  EXPECT_GT(summary.assignments, 9) << "ASHA promotes paused trials, which resume";
  for (const RunRecord& run : summary.runs) {
    EXPECT_TRUE(run.finished);
    EXPECT_EQ(run.outcome, TrialOutcome::kExited) << "trial " << run.trial;
  }
  for (const TrialRecord& trial : scheduler_->trials()) EXPECT_TRUE(IsTerminal(trial.state));
  for (int id = 0; id < 9; ++id) {
    EXPECT_TRUE(fs::exists(dir_ / "shell.trials" / std::to_string(id) / "stdout.log")) << id;
  }
}

TEST_F(CommandWorkerTest, FailingCommandFailsItsTrialWithTheStderrTail) {
  Build(ShellStudy(dir_, {"/bin/sh", "-c", "echo broken input >&2; exit 3"}, 3));
  ASSERT_TRUE(DriveToEnd());
  const RunSummary& summary = coordinator_->summary();
  EXPECT_EQ(summary.failures, 3);
  EXPECT_NE(summary.last_failure.find("exited with code 3"), std::string::npos) << summary.last_failure;
  EXPECT_NE(summary.last_failure.find("broken input"), std::string::npos) << summary.last_failure;
  for (const TrialRecord& trial : scheduler_->trials()) EXPECT_EQ(trial.state, TrialState::kFailed);
}

TEST_F(CommandWorkerTest, StopInterruptsRunningTrialsAndLeavesNoProcess) {
  // Each trial records its pid, then waits far longer than the test.
  Build(ShellStudy(dir_, {"/bin/sh", "-c", "echo $$ > \"$MPITUNE_CHECKPOINT_DIR/pid\"; exec sleep 60"}, 9));
  // Started means the pid is written, not just that the file exists: on a loaded
  // machine the shell can be stopped between creating the file and writing to it.
  auto started = [&] {
    int count = 0;
    for (int id = 0; id < kWorkers; ++id) {
      std::ifstream file(dir_ / "shell.trials" / std::to_string(id) / "checkpoint" / "pid");
      std::string line;
      count += std::getline(file, line) && !line.empty() && file.good();
    }
    return count == kWorkers;
  };
  ASSERT_TRUE(DriveToEnd([&] {
    if (started()) stop_ = true;
  }));
  const RunSummary& summary = coordinator_->summary();
  EXPECT_TRUE(summary.interrupted);
  EXPECT_EQ(summary.trials_started, kWorkers);
  for (const RunRecord& run : summary.runs) {
    EXPECT_TRUE(run.finished);
    EXPECT_EQ(run.outcome, TrialOutcome::kInterrupted);
  }
  for (int id = 0; id < kWorkers; ++id) {
    std::ifstream file(dir_ / "shell.trials" / std::to_string(id) / "checkpoint" / "pid");
    pid_t pid = 0;
    ASSERT_TRUE(file >> pid);
    EXPECT_EQ(kill(pid, 0), -1) << "trial " << id << " (pid " << pid << ") still runs";
    EXPECT_EQ(errno, ESRCH);
  }
}

}  // namespace
}  // namespace mpitune
