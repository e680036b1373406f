// The coordinator and three workers over the in-process transport, stepped
// round-robin in one thread: the whole rank-0 protocol without mpirun.
#include "runtime/coordinator.h"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/scheduler_test_util.h"
#include "scripted_objective.h"

#include "mpitune/scheduler.h"
#include "mpitune/transport.h"
#include "runtime/worker.h"

namespace mpitune {
namespace {

using testing::FakeClock;
using testing::OneParamSpace;
using testing::ScriptedObjective;

SchedulerOptions Options(SchedulerKind kind, std::int64_t max_trials) {
  SchedulerOptions options;
  options.kind = kind;
  options.max_trials = max_trials;
  options.min_budget = 1.0;
  options.max_budget = 9.0;
  options.eta = 3.0;
  options.seed = 11;
  EXPECT_TRUE(ValidateSchedulerOptions(options).ok());
  return options;
}

constexpr int kWorkers = 3;

class CoordinatorTest : public ::testing::Test {
 protected:
  void Build(SchedulerKind kind, std::int64_t max_trials) {
    scheduler_ = MakeScheduler(space_, Options(kind, max_trials));
    transports_ = MakeInProcessTransports(kWorkers + 1);
    coordinator_ = std::make_unique<Coordinator>(*scheduler_, *transports_[0], clock_, &stop_);
    for (int rank = 1; rank <= kWorkers; ++rank) {
      WorkerOptions options;
      options.hostname = "test-host";
      options.device_note = "cpu: test";
      workers_.push_back(std::make_unique<Worker>(objective_, *transports_[static_cast<std::size_t>(rank)],
                                                  clock_, options));
    }
  }

  // Steps every endpoint in turn until all have finished; false if they never do.
  bool DriveToEnd() {
    bool coordinator_done = false;
    std::vector<bool> worker_done(workers_.size(), false);
    for (int round = 0; round < 100000; ++round) {
      if (!coordinator_done) {
        Result<LoopStep> step = coordinator_->Step();
        if (!step.ok()) {
          ADD_FAILURE() << step.status().message();
          return false;
        }
        coordinator_done = *step == LoopStep::kFinished;
      }
      bool all_workers_done = true;
      for (std::size_t i = 0; i < workers_.size(); ++i) {
        if (worker_done[i]) continue;
        Result<LoopStep> step = workers_[i]->Step();
        if (!step.ok()) {
          ADD_FAILURE() << "worker " << i + 1 << ": " << step.status().message();
          return false;
        }
        worker_done[i] = *step == LoopStep::kFinished;
        all_workers_done = all_workers_done && worker_done[i];
      }
      if (coordinator_done && all_workers_done) return true;
    }
    return false;
  }

  std::map<int, int> RunsByRank() const {
    std::map<int, int> counts;
    for (const TrialRun& run : coordinator_->summary().runs) ++counts[run.rank];
    return counts;
  }

  SearchSpace space_ = OneParamSpace();
  ScriptedObjective objective_;
  FakeClock clock_{0.25};
  std::atomic<bool> stop_{false};
  std::unique_ptr<Scheduler> scheduler_;
  std::vector<std::unique_ptr<Transport>> transports_;
  std::unique_ptr<Coordinator> coordinator_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

TEST_F(CoordinatorTest, EveryTrialIsAccountedForAndEveryWorkerRunsTrials) {
  Build(SchedulerKind::kAsha, 30);
  ASSERT_TRUE(DriveToEnd());

  const CoordinatorSummary& summary = coordinator_->summary();
  EXPECT_FALSE(summary.interrupted);
  EXPECT_EQ(summary.trials_started, 30);
  EXPECT_EQ(summary.failures, 0);
  EXPECT_GT(summary.reports, 0);
  EXPECT_EQ(scheduler_->running(), 0);
  const TrialTable& trials = scheduler_->trials();
  ASSERT_EQ(trials.size(), 30u);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    EXPECT_TRUE(IsTerminal(trials[i].state)) << "trial " << i << " is " << TrialStateName(trials[i].state);
  }
  std::int64_t worker_runs = 0;
  for (const auto& worker : workers_) worker_runs += worker->trials_run();
  EXPECT_EQ(worker_runs, summary.assignments);
  EXPECT_EQ(static_cast<std::int64_t>(summary.runs.size()), summary.assignments);
  for (const TrialRun& run : summary.runs) {
    EXPECT_TRUE(run.finished) << "trial " << run.trial;
    EXPECT_EQ(run.outcome, TrialOutcome::kExited);
    EXPECT_EQ(run.device, "cpu");
  }
  const std::map<int, int> by_rank = RunsByRank();
  ASSERT_EQ(by_rank.size(), static_cast<std::size_t>(kWorkers));
  for (int rank = 1; rank <= kWorkers; ++rank) EXPECT_GT(by_rank.at(rank), 0) << "rank " << rank;
  ASSERT_TRUE(scheduler_->BestTrial().has_value());
}

TEST_F(CoordinatorTest, FailingTrialIsRecordedAndItsWorkerTakesTheNextTrial) {
  objective_.on_advance = [](TrialId trial, double) {
    if (trial == 1) throw std::runtime_error("diverged");
  };
  Build(SchedulerKind::kFifo, 9);
  ASSERT_TRUE(DriveToEnd());

  const CoordinatorSummary& summary = coordinator_->summary();
  EXPECT_EQ(summary.trials_started, 9);
  EXPECT_EQ(summary.failures, 1);
  EXPECT_NE(summary.last_failure.find("trial 1"), std::string::npos) << summary.last_failure;
  EXPECT_NE(summary.last_failure.find("diverged"), std::string::npos) << summary.last_failure;
  EXPECT_EQ(scheduler_->trials()[1].state, TrialState::kFailed);
  for (std::size_t i = 0; i < scheduler_->trials().size(); ++i) {
    if (i == 1) continue;
    EXPECT_EQ(scheduler_->trials()[i].state, TrialState::kCompleted) << "trial " << i;
  }
  int failed_rank = -1;
  bool ran_after_failure = false;
  for (const TrialRun& run : summary.runs) {
    if (run.trial == 1) {
      EXPECT_EQ(run.outcome, TrialOutcome::kFailed);
      failed_rank = run.rank;
    } else if (failed_rank != -1 && run.rank == failed_rank) {
      ran_after_failure = true;
    }
  }
  EXPECT_NE(failed_rank, -1);
  EXPECT_TRUE(ran_after_failure) << "rank " << failed_rank << " got no trial after the failure";
}

TEST_F(CoordinatorTest, StopRequestInterruptsRunningTrialsAndShutsEveryoneDown) {
  // The request arrives while trials run, as a signal would.
  objective_.on_advance = [this](TrialId trial, double budget) {
    if (trial == 4 && budget >= 2.0) stop_.store(true);
  };
  Build(SchedulerKind::kFifo, 20);
  ASSERT_TRUE(DriveToEnd());

  const CoordinatorSummary& summary = coordinator_->summary();
  EXPECT_TRUE(summary.interrupted);
  EXPECT_LT(summary.trials_started, 20);
  EXPECT_EQ(scheduler_->running(), 0);
  int interrupted = 0;
  for (const TrialRun& run : summary.runs) {
    EXPECT_TRUE(run.finished) << "trial " << run.trial;
    if (run.outcome == TrialOutcome::kInterrupted) ++interrupted;
  }
  EXPECT_GE(interrupted, 1);
  // Nothing new was handed out once the stop was seen: every run is accounted for.
  std::int64_t worker_runs = 0;
  for (const auto& worker : workers_) worker_runs += worker->trials_run();
  EXPECT_EQ(worker_runs, summary.assignments);
}

TEST_F(CoordinatorTest, WorkersThatNeverJoinAreWaitedForBeforeShutdown) {
  Build(SchedulerKind::kFifo, 3);
  // Only the coordinator runs: nobody has said Hello, so nothing is handed out.
  for (int i = 0; i < 10; ++i) {
    Result<LoopStep> step = coordinator_->Step();
    ASSERT_TRUE(step.ok());
    EXPECT_NE(*step, LoopStep::kFinished);
  }
  EXPECT_EQ(coordinator_->summary().assignments, 0);
  ASSERT_TRUE(DriveToEnd());
  EXPECT_EQ(coordinator_->summary().trials_started, 3);
}

}  // namespace
}  // namespace mpitune
