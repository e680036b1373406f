// RunStudyInProcess (the coordinator and one worker in this process) with a scripted
// objective and a fake clock: the report grid, resumes, failures, interruption and
// the scheduler protocol errors.
#include "runtime/local_study.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/scheduler_test_util.h"
#include "runtime/worker/objective_execution.h"
#include "scripted_objective.h"

namespace mpitune {
namespace {

using testing::FakeClock;
using testing::OneParamSpace;
using testing::ScriptedObjective;
using Call = testing::ObjectiveCall;

SchedulerOptions Options(SchedulerKind kind, double max_budget, std::int64_t max_trials) {
  SchedulerOptions options;
  options.kind = kind;
  options.max_trials = max_trials;
  options.min_budget = 1.0;
  options.max_budget = max_budget;
  options.eta = 3.0;
  options.seed = 5;
  EXPECT_TRUE(ValidateSchedulerOptions(options).ok());
  return options;
}

// The single-process study of a built-in objective reporting every `report_every`.
Result<RunSummary> RunObjective(Scheduler& scheduler, const Objective& objective, Clock& clock,
                                const std::atomic<bool>* stop, double report_every = 1.0) {
  Result<ExecutionFactory> executions = ObjectiveExecutions(objective, report_every, clock);
  if (!executions.ok()) return executions.status();
  return RunStudyInProcess(scheduler, *executions, clock, stop, LocalStudyOptions{});
}

std::vector<double> AdvancesOf(const ScriptedObjective& objective, TrialId trial) {
  std::vector<double> steps;
  for (const Call& call : objective.advances) {
    if (call.trial == trial) steps.push_back(call.step);
  }
  return steps;
}

TEST(LocalRunnerTest, FifoReportsOnTheGridAndAtTheBudget) {
  const SearchSpace space = OneParamSpace();
  std::unique_ptr<Scheduler> scheduler = MakeScheduler(space, Options(SchedulerKind::kFifo, 5.0, 3));
  ScriptedObjective objective;
  FakeClock clock(0.5);
  Result<RunSummary> summary = RunObjective(*scheduler, objective, clock, nullptr, 2.0);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->trials_started, 3);
  EXPECT_EQ(summary->assignments, 3);
  EXPECT_EQ(summary->reports, 9);
  EXPECT_EQ(summary->failures, 0);
  EXPECT_FALSE(summary->interrupted);
  EXPECT_GT(summary->wall_seconds, 0.0);
  for (TrialId id = 0; id < 3; ++id) EXPECT_EQ(AdvancesOf(objective, id), (std::vector<double>{2, 4, 5}));
  for (const TrialRecord& trial : scheduler->trials()) {
    EXPECT_EQ(trial.state, TrialState::kCompleted) << trial.id;
    EXPECT_DOUBLE_EQ(trial.last_step, 5.0);
  }
}

TEST(LocalRunnerTest, PromotedTrialsResumeFromTheirCheckpointStep) {
  const SearchSpace space = OneParamSpace();
  std::unique_ptr<Scheduler> scheduler = MakeScheduler(space, Options(SchedulerKind::kAsha, 9.0, 12));
  ScriptedObjective objective;
  FakeClock clock(0.5);
  Result<RunSummary> summary = RunObjective(*scheduler, objective, clock, nullptr);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->trials_started, 12);
  EXPECT_GT(summary->assignments, summary->trials_started);  // some trials were promoted
  bool resumed = false;
  for (const Call& start : objective.starts) {
    if (start.step <= 0.0) continue;
    resumed = true;
    // A resumed session's first report is one report_every past its checkpoint.
    const std::vector<double> steps = AdvancesOf(objective, start.trial);
    EXPECT_NE(std::find(steps.begin(), steps.end(), start.step + 1.0), steps.end()) << start.trial;
  }
  EXPECT_TRUE(resumed);
  ASSERT_TRUE(scheduler->BestTrial().has_value());
  EXPECT_DOUBLE_EQ(scheduler->trials()[static_cast<std::size_t>(*scheduler->BestTrial())].last_step, 9.0);
}

TEST(LocalRunnerTest, AnObjectiveExceptionFailsOnlyThatTrial) {
  const SearchSpace space = OneParamSpace();
  std::unique_ptr<Scheduler> scheduler = MakeScheduler(space, Options(SchedulerKind::kFifo, 3.0, 4));
  ScriptedObjective objective;
  objective.on_advance = [](TrialId trial, double step) {
    if (trial == 1 && step == 2.0) throw std::runtime_error("diverged");
  };
  FakeClock clock(0.5);
  Result<RunSummary> summary = RunObjective(*scheduler, objective, clock, nullptr);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->failures, 1);
  EXPECT_EQ(summary->last_failure, "trial 1: diverged");
  EXPECT_EQ(summary->trials_started, 4);
  EXPECT_EQ(scheduler->trials()[1].state, TrialState::kFailed);
  for (std::size_t id : {0u, 2u, 3u}) EXPECT_EQ(scheduler->trials()[id].state, TrialState::kCompleted) << id;
}

TEST(LocalRunnerTest, AStopRequestInterruptsTheRunningTrial) {
  const SearchSpace space = OneParamSpace();
  std::unique_ptr<Scheduler> scheduler = MakeScheduler(space, Options(SchedulerKind::kFifo, 9.0, 5));
  ScriptedObjective objective;
  std::atomic<bool> stop{false};
  objective.on_advance = [&stop](TrialId trial, double step) {
    if (trial == 2 && step == 4.0) stop = true;  // as the SIGINT handler would
  };
  FakeClock clock(0.5);
  Result<RunSummary> summary = RunObjective(*scheduler, objective, clock, &stop);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_TRUE(summary->interrupted);
  EXPECT_EQ(summary->trials_started, 3);
  EXPECT_EQ(AdvancesOf(objective, 2), (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(scheduler->running(), 0);
  // Interrupted is not the trial's fault: it waits to be resumed, not failed.
  EXPECT_EQ(scheduler->trials()[2].state, TrialState::kPending);
  EXPECT_EQ(scheduler->trials()[2].last_outcome, TrialOutcome::kInterrupted);
}

TEST(LocalRunnerTest, AStopRequestedBeforehandStartsNothing) {
  const SearchSpace space = OneParamSpace();
  std::unique_ptr<Scheduler> scheduler = MakeScheduler(space, Options(SchedulerKind::kFifo, 3.0, 2));
  ScriptedObjective objective;
  const std::atomic<bool> stop{true};
  FakeClock clock(0.5);
  Result<RunSummary> summary = RunObjective(*scheduler, objective, clock, &stop);
  ASSERT_TRUE(summary.ok());
  EXPECT_TRUE(summary->interrupted);
  EXPECT_EQ(summary->assignments, 0);
  EXPECT_TRUE(objective.starts.empty());
}

TEST(LocalRunnerTest, RejectsANonPositiveReportInterval) {
  const SearchSpace space = OneParamSpace();
  std::unique_ptr<Scheduler> scheduler = MakeScheduler(space, Options(SchedulerKind::kFifo, 3.0, 2));
  ScriptedObjective objective;
  FakeClock clock(0.5);
  Result<RunSummary> summary = RunObjective(*scheduler, objective, clock, nullptr, 0.0);
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.status().kind(), ErrorKind::kBadInput);
}

// A scheduler that never hands out work: with nothing running, waiting is a bug.
class AlwaysWaitScheduler final : public Scheduler {
 public:
  explicit AlwaysWaitScheduler(SearchSpace space) : space_(std::move(space)) {}
  NextAction Next(double) override { return Wait{}; }
  Decision Report(TrialId, double, double, double) override { return Decision::Stop(); }
  void Finished(TrialId, TrialOutcome, double) override {}
  void Save(SavedState&) const override {}
  Status Load(const SavedState&) override { return Status::Ok(); }
  const SchedulerOptions& options() const override { return options_; }
  const SearchSpace& space() const override { return space_; }
  std::size_t trial_count() const override { return 0; }
  const TrialRecord& trial(TrialId) const override { return none_; }
  std::int64_t running() const override { return 0; }
  void VisitRungs(RungVisitor&) const override {}

 private:
  SearchSpace space_;
  SchedulerOptions options_;
  TrialRecord none_;
};

TEST(LocalRunnerTest, WaitingWithNothingRunningIsAnInternalError) {
  AlwaysWaitScheduler scheduler(OneParamSpace());
  ScriptedObjective objective;
  FakeClock clock(0.5);
  Result<RunSummary> summary = RunObjective(scheduler, objective, clock, nullptr);
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.status().kind(), ErrorKind::kInternal);
  EXPECT_NE(summary.status().message().find("wait"), std::string::npos) << summary.status().message();
}

}  // namespace
}  // namespace mpitune
