// The coordinator and three workers over the in-process transport, stepped
// round-robin in one thread: the whole rank-0 protocol without mpirun.
#include "runtime/coordinator/coordinator.h"

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
#include "runtime/protocol/transport.h"
#include "runtime/worker/objective_execution.h"
#include "runtime/worker/worker.h"

namespace mpitune {
namespace {

using testing::FakeClock;
using testing::ObjectiveCall;
using testing::OneParamSpace;
using testing::ScriptedObjective;

SchedulerOptions Options(SchedulerKind kind, std::int64_t max_trials,
                         AshaVariant variant = AshaVariant::kPromotion) {
  SchedulerOptions options;
  options.kind = kind;
  options.variant = variant;
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
  void Build(SchedulerKind kind, std::int64_t max_trials, AshaVariant variant = AshaVariant::kPromotion,
             CoordinatorOptions coordinator_options = {}) {
    scheduler_ = MakeScheduler(space_, Options(kind, max_trials, variant));
    transports_ = MakeInProcessTransports(kWorkers + 1);
    clock_ = std::make_unique<FakeClock>(tick_);
    coordinator_ =
        std::make_unique<Coordinator>(*scheduler_, *transports_[0], *clock_, &stop_, coordinator_options);
    for (int rank = 1; rank <= kWorkers; ++rank) {
      WorkerOptions options;
      options.hostname = "test-host";
      options.device_note = "cpu: test";
      Result<ExecutionFactory> executions = ObjectiveExecutions(objective_, 1.0, *clock_);
      ASSERT_TRUE(executions.ok());
      workers_.push_back(std::make_unique<Worker>(*executions, *transports_[static_cast<std::size_t>(rank)],
                                                  *clock_, options));
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
        if (frozen_ && frozen_(i)) continue;  // a stalled rank: never stepped
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
    for (const RunRecord& run : coordinator_->summary().runs) ++counts[run.rank];
    return counts;
  }

  SearchSpace space_ = OneParamSpace();
  ScriptedObjective objective_;
  std::function<bool(std::size_t)> frozen_;  // worker index -> stalled now
  double tick_ = 0.25;  // a worker advances one step per pass
  std::unique_ptr<FakeClock> clock_;
  std::atomic<bool> stop_{false};
  std::unique_ptr<Scheduler> scheduler_;
  std::vector<std::unique_ptr<Transport>> transports_;
  std::unique_ptr<Coordinator> coordinator_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

TEST_F(CoordinatorTest, EveryTrialIsAccountedForAndEveryWorkerRunsTrials) {
  Build(SchedulerKind::kAsha, 30);
  ASSERT_TRUE(DriveToEnd());

  const RunSummary& summary = coordinator_->summary();
  EXPECT_FALSE(summary.interrupted);
  EXPECT_EQ(summary.trials_started, 30);
  EXPECT_EQ(summary.failures, 0);
  EXPECT_GT(summary.reports, 0);
  EXPECT_EQ(scheduler_->running(), 0);
  const TrialRecords trials = scheduler_->trials();
  ASSERT_EQ(trials.size(), 30u);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    EXPECT_TRUE(IsTerminal(trials[i].state)) << "trial " << i << " is " << TrialStateName(trials[i].state);
  }
  std::int64_t worker_runs = 0;
  for (const auto& worker : workers_) worker_runs += worker->trials_run();
  EXPECT_EQ(worker_runs, summary.assignments);
  EXPECT_EQ(static_cast<std::int64_t>(summary.runs.size()), summary.assignments);
  for (const RunRecord& run : summary.runs) {
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

  const RunSummary& summary = coordinator_->summary();
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
  for (const RunRecord& run : summary.runs) {
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

  const RunSummary& summary = coordinator_->summary();
  EXPECT_TRUE(summary.interrupted);
  EXPECT_LT(summary.trials_started, 20);
  EXPECT_EQ(scheduler_->running(), 0);
  int interrupted = 0;
  for (const RunRecord& run : summary.runs) {
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

TEST_F(CoordinatorTest, WorkersRunAheadYetTheSchedulerSeesOnlyReportsUpToEachStop) {
  // Stopping ASHA, budgets 1, 3, 9: a worker sends its reports without waiting for
  // answers, so a trial stopped at a rung has already advanced past it. A clock that
  // stands still lets a worker take all its steps in one pass, as zero-work ones do.
  tick_ = 0.0;
  Build(SchedulerKind::kAsha, 30, AshaVariant::kStopping);
  ASSERT_TRUE(DriveToEnd());

  std::map<TrialId, double> furthest_advance;
  for (const ObjectiveCall& call : objective_.advances) {
    furthest_advance[call.trial] = std::max(furthest_advance[call.trial], call.step);
  }
  int stopped = 0;
  int ran_past_stop = 0;
  const TrialRecords trials = scheduler_->trials();
  ASSERT_EQ(trials.size(), 30u);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const TrialRecord& trial = trials[i];
    ASSERT_TRUE(IsTerminal(trial.state)) << "trial " << i;
    if (trial.state != TrialState::kStopped) continue;
    ++stopped;
    // Stopped exactly at a rung, with one report per step up to it: the reports the
    // worker made past the stop never reached the scheduler.
    EXPECT_TRUE(trial.last_step == 1.0 || trial.last_step == 3.0) << "trial " << i << ": " << trial.last_step;
    EXPECT_EQ(trial.reports, static_cast<std::int64_t>(trial.last_step)) << "trial " << i;
    if (furthest_advance[trial.id] > trial.last_step) ++ran_past_stop;
  }
  EXPECT_GT(stopped, 0);
  EXPECT_GT(ran_past_stop, 0) << "no worker ran ahead of its answers";
  EXPECT_EQ(coordinator_->summary().reports, [&] {
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < trials.size(); ++i) sum += trials[i].reports;
    return sum;
  }());
}

TEST_F(CoordinatorTest, SilentWorkerIsDeclaredLostAndTheOthersFinishTheStudy) {
  CoordinatorOptions options;
  options.lost_after_seconds = 30.0;  // the fake clock moves 0.25 s per read
  Build(SchedulerKind::kFifo, 12, AshaVariant::kPromotion, options);
  // Rank 3 stalls as soon as it has taken a trial, as a hung node would.
  frozen_ = [this](std::size_t index) { return index == 2 && workers_[2]->trials_run() > 0; };
  ASSERT_TRUE(DriveToEnd());

  const RunSummary& summary = coordinator_->summary();
  EXPECT_EQ(summary.lost_workers, 1);
  EXPECT_FALSE(summary.all_workers_lost);
  EXPECT_NE(summary.last_failure.find("rank 3"), std::string::npos) << summary.last_failure;
  EXPECT_NE(summary.last_failure.find("lost"), std::string::npos) << summary.last_failure;
  TrialId lost_trial = -1;
  for (const RunRecord& run : summary.runs) {
    EXPECT_TRUE(run.finished) << "trial " << run.trial;
    if (run.rank == 3) {
      EXPECT_EQ(run.outcome, TrialOutcome::kLost);
      EXPECT_EQ(lost_trial, -1) << "rank 3 got work after it was lost";
      lost_trial = run.trial;
    }
  }
  ASSERT_NE(lost_trial, -1);
  EXPECT_EQ(scheduler_->trials()[static_cast<std::size_t>(lost_trial)].state, TrialState::kLost);
  EXPECT_EQ(summary.trials_started, 12);
  EXPECT_EQ(scheduler_->running(), 0);

  // The stalled rank wakes up: it finds its Shutdown and leaves.
  frozen_ = nullptr;
  Result<LoopStep> step = workers_[2]->Step();
  for (int i = 0; i < 100 && step.ok() && *step != LoopStep::kFinished; ++i) step = workers_[2]->Step();
  ASSERT_TRUE(step.ok()) << step.status().message();
  EXPECT_EQ(*step, LoopStep::kFinished);
}

TEST_F(CoordinatorTest, EveryWorkerLostEndsTheLoopAndSaysSo) {
  CoordinatorOptions options;
  options.lost_after_seconds = 30.0;
  Build(SchedulerKind::kFifo, 12, AshaVariant::kPromotion, options);
  frozen_ = [this](std::size_t index) { return workers_[index]->trials_run() > 0; };
  ASSERT_TRUE(DriveToEnd());
  EXPECT_TRUE(coordinator_->summary().all_workers_lost);
  EXPECT_EQ(coordinator_->summary().lost_workers, kWorkers);
  EXPECT_EQ(scheduler_->running(), 0);
}

}  // namespace
}  // namespace mpitune
