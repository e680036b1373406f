// Hand-worked ASHA cases (eta = 3). Rung budgets 1, 3, 9 unless stated.
#include <cmath>
#include <limits>

#include "core/scheduler_test_util.h"

namespace mpitune {
namespace {

using testing::ExpectAssignment;
using testing::IsDone;
using testing::IsWait;
using testing::OneParamSpace;
using testing::Options;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Runs a fresh trial at rung 0 to its result and frees the worker.
TrialId RunNewTrialToRung0(Scheduler& scheduler, double value, double now = 0) {
  const Assignment a = ExpectAssignment(scheduler.Next(now));
  EXPECT_EQ(a.rung, 0);
  EXPECT_EQ(a.resume_step, 0.0);
  EXPECT_EQ(scheduler.Report(a.trial, a.budget, value, now).kind, DecisionKind::kPause);
  scheduler.Finished(a.trial, TrialOutcome::kExited, now);
  return a.trial;
}

// Starts one new trial per value before any reports (so no promotion can intervene),
// then reports them all at rung 0 and frees their workers.
void RunBatchToRung0(Scheduler& scheduler, const std::vector<double>& values) {
  std::vector<Assignment> batch;
  for (std::size_t i = 0; i < values.size(); ++i) {
    batch.push_back(ExpectAssignment(scheduler.Next(0)));
    ASSERT_EQ(batch.back().rung, 0);
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(scheduler.Report(batch[i].trial, batch[i].budget, values[i], 0).kind, DecisionKind::kPause);
  }
  for (const Assignment& a : batch) scheduler.Finished(a.trial, TrialOutcome::kExited, 0);
}

TEST(RungBudgets, GeometricUpToMaxBudget) {
  EXPECT_EQ(RungBudgets(1, 81, 3), (std::vector<double>{1, 3, 9, 27, 81}));
  EXPECT_EQ(RungBudgets(1, 100, 3), (std::vector<double>{1, 3, 9, 27, 100}));
  EXPECT_EQ(RungBudgets(2, 18, 3), (std::vector<double>{2, 6, 18}));
  EXPECT_EQ(RungBudgets(5, 5, 3), (std::vector<double>{5}));
  EXPECT_EQ(RungBudgets(1, 8, 2), (std::vector<double>{1, 2, 4, 8}));
}

TEST(AshaPromotion, PromotesTopThirdOnlyOnceRungHoldsThree) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, 100));
  EXPECT_EQ(RunNewTrialToRung0(*scheduler, 5.0), 0);
  EXPECT_EQ(RunNewTrialToRung0(*scheduler, 3.0), 1);  // floor(2/3) = 0: nobody promotable
  EXPECT_EQ(RunNewTrialToRung0(*scheduler, 4.0), 2);
  // floor(3/3) = 1: trial 1 (3.0) is the top third and goes to rung 1, from its checkpoint.
  const Assignment promoted = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(promoted.trial, 1);
  EXPECT_EQ(promoted.rung, 1);
  EXPECT_DOUBLE_EQ(promoted.budget, 3.0);
  EXPECT_DOUBLE_EQ(promoted.resume_step, 1.0);
  // Intermediate reports go on; the rung budget pauses.
  EXPECT_EQ(scheduler->Report(1, 2, 2.5, 0).kind, DecisionKind::kContinue);
  EXPECT_EQ(scheduler->Report(1, 3, 2.0, 0).kind, DecisionKind::kPause);
  scheduler->Finished(1, TrialOutcome::kExited, 0);
  // Rung 1 has one result (floor(1/3) = 0) and rung 0's top third is used up: new trial.
  const Assignment fresh = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(fresh.trial, 3);
  EXPECT_EQ(fresh.rung, 0);
}

TEST(AshaPromotion, LaterBetterResultIsPromotedEvenAfterTopThirdWasUsed) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, 100));
  RunNewTrialToRung0(*scheduler, 3.0);
  RunNewTrialToRung0(*scheduler, 5.0);
  RunNewTrialToRung0(*scheduler, 6.0);
  Assignment a = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(a.trial, 0);  // promoted; leave it running at rung 1
  EXPECT_EQ(RunNewTrialToRung0(*scheduler, 1.0), 3);  // better than the promoted trial 0
  // n = 4, top floor(4/3) = 1 = {trial 3}, which is unpromoted: it goes next.
  a = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(a.trial, 3);
  EXPECT_EQ(a.rung, 1);
}

TEST(AshaPromotion, TiesGoToTheEarlierTrial) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, 100));
  RunBatchToRung0(*scheduler, {7.0, 2.0, 7.0, 9.0, 2.0, 8.0});
  // n = 6, top 2 = trials 1 and 4 (both 2.0): trial 1 first, then trial 4.
  EXPECT_EQ(ExpectAssignment(scheduler->Next(0)).trial, 1);
  EXPECT_EQ(ExpectAssignment(scheduler->Next(0)).trial, 4);
  EXPECT_EQ(ExpectAssignment(scheduler->Next(0)).rung, 0);  // nothing else: a new trial
}

TEST(AshaPromotion, PausedTrialIsNotPromotedBeforeItsWorkerLetsGo) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, 100));
  RunNewTrialToRung0(*scheduler, 5.0);
  RunNewTrialToRung0(*scheduler, 4.0);
  const Assignment best = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(scheduler->Report(best.trial, 1, 1.0, 0).kind, DecisionKind::kPause);
  // Its checkpoint is not written yet: another worker must not be told to resume it.
  const Assignment other = ExpectAssignment(scheduler->Next(0));
  EXPECT_NE(other.trial, best.trial);
  EXPECT_EQ(other.rung, 0);
  scheduler->Finished(best.trial, TrialOutcome::kExited, 0);
  const Assignment promoted = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(promoted.trial, best.trial);
  EXPECT_EQ(promoted.rung, 1);
}

TEST(AshaPromotion, HighestRungPromotesFirst) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, 100));
  // Fill rung 0 with 9 results: top 3 are trials 0, 1, 2 (values 1, 2, 3).
  RunBatchToRung0(*scheduler, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  for (TrialId expected : {0, 1, 2}) {
    const Assignment a = ExpectAssignment(scheduler->Next(0));
    ASSERT_EQ(a.trial, expected);
    ASSERT_EQ(a.rung, 1);
    EXPECT_EQ(scheduler->Report(a.trial, 3, 10.0 - static_cast<double>(a.trial), 0).kind, DecisionKind::kPause);
    scheduler->Finished(a.trial, TrialOutcome::kExited, 0);
  }
  // Rung 1 holds 3 results: trial 2 (8.0) is its top third and goes to the top rung.
  const Assignment top = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(top.trial, 2);
  EXPECT_EQ(top.rung, 2);
  EXPECT_DOUBLE_EQ(top.budget, 9.0);
  EXPECT_EQ(scheduler->Report(top.trial, 9, 0.5, 0).kind, DecisionKind::kStop);
  scheduler->Finished(top.trial, TrialOutcome::kExited, 0);
  EXPECT_EQ(scheduler->trials()[2].state, TrialState::kCompleted);
  EXPECT_EQ(scheduler->BestTrial(), std::optional<TrialId>(2));
}

TEST(AshaPromotion, FailedAndNanResultsRankWorstAndAreNeverPromoted) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, 100));
  for (int i = 0; i < 3; ++i) {
    const Assignment a = ExpectAssignment(scheduler->Next(0));
    scheduler->Finished(a.trial, TrialOutcome::kFailed, 0);
    EXPECT_EQ(scheduler->trials()[static_cast<std::size_t>(a.trial)].state, TrialState::kFailed);
  }
  RunNewTrialToRung0(*scheduler, kNaN);
  RunNewTrialToRung0(*scheduler, -INFINITY);  // "better" than anything, but not finite
  RunNewTrialToRung0(*scheduler, 50.0);
  // n = 6, top 2 = {trial 5 (50.0), one worst}; only trial 5 is eligible.
  const Assignment a = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(a.trial, 5);
  EXPECT_EQ(a.rung, 1);
  EXPECT_EQ(ExpectAssignment(scheduler->Next(0)).rung, 0);
}

TEST(AshaPromotion, TrialThatHangsUpWithoutReportingFails) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, 100));
  const Assignment a = ExpectAssignment(scheduler->Next(0));
  scheduler->Finished(a.trial, TrialOutcome::kExited, 0);
  EXPECT_EQ(scheduler->trials()[0].state, TrialState::kFailed);
  EXPECT_EQ(scheduler->running(), 0);
}

TEST(AshaPromotion, TimedOutAndLostTrialsEndTheirRun) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, 100));
  const Assignment a = ExpectAssignment(scheduler->Next(0));
  const Assignment b = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(scheduler->Report(a.trial, 0.5, 1.0, 0).kind, DecisionKind::kContinue);
  scheduler->Finished(a.trial, TrialOutcome::kTimedOut, 0);
  scheduler->Finished(b.trial, TrialOutcome::kLost, 0);
  EXPECT_EQ(scheduler->trials()[0].state, TrialState::kFailed);
  EXPECT_EQ(scheduler->trials()[1].state, TrialState::kLost);
}

TEST(AshaPromotion, PauseFollowedByFailureMakesTheTrialUnpromotable) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, 100));
  const Assignment a = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(scheduler->Report(a.trial, 1, 0.1, 0).kind, DecisionKind::kPause);
  scheduler->Finished(a.trial, TrialOutcome::kFailed, 0);  // the checkpoint did not make it
  RunNewTrialToRung0(*scheduler, 5.0);
  RunNewTrialToRung0(*scheduler, 6.0);
  const Assignment next = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(next.trial, 1);  // trial 0 (0.1) would have been first
  EXPECT_EQ(scheduler->trials()[0].state, TrialState::kFailed);
}

TEST(AshaPromotion, InterruptedTrialResumesFromItsCheckpointFirst) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, 100));
  for (int i = 0; i < 3; ++i) RunNewTrialToRung0(*scheduler, 1.0 + i);
  const Assignment promoted = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(scheduler->Report(promoted.trial, 2, 0.7, 0).kind, DecisionKind::kContinue);
  scheduler->Finished(promoted.trial, TrialOutcome::kInterrupted, 0);
  EXPECT_EQ(scheduler->trials()[0].state, TrialState::kPending);
  const Assignment again = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(again.trial, promoted.trial);
  EXPECT_EQ(again.rung, 1);
  EXPECT_DOUBLE_EQ(again.budget, 3.0);
  EXPECT_DOUBLE_EQ(again.resume_step, 1.0);  // its last pause checkpoint
}

TEST(AshaPromotion, StaleAndUnknownReportsAreAnsweredStop) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, 100));
  const Assignment a = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(scheduler->Report(a.trial, 1, 1.0, 0).kind, DecisionKind::kPause);
  EXPECT_EQ(scheduler->Report(a.trial, 1, 1.0, 0).kind, DecisionKind::kStop);  // already paused
  EXPECT_EQ(scheduler->Report(99, 1, 1.0, 0).kind, DecisionKind::kStop);
  EXPECT_EQ(scheduler->Report(-1, 1, 1.0, 0).kind, DecisionKind::kStop);
  scheduler->Finished(a.trial, TrialOutcome::kExited, 0);
  scheduler->Finished(a.trial, TrialOutcome::kExited, 0);  // duplicate: ignored
  EXPECT_EQ(scheduler->running(), 0);
}

TEST(AshaPromotion, StudyEndsWhenMaxTrialsRanAndNothingIsPromotable) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, 4));
  for (int i = 0; i < 3; ++i) RunNewTrialToRung0(*scheduler, 1.0 + i);
  Assignment a = ExpectAssignment(scheduler->Next(0));  // trial 0 to rung 1
  EXPECT_EQ(a.trial, 0);
  const Assignment last = ExpectAssignment(scheduler->Next(0));  // trial 3, the 4th and last
  EXPECT_EQ(last.trial, 3);
  EXPECT_TRUE(IsWait(scheduler->Next(0)));  // two trials still running
  EXPECT_EQ(scheduler->Report(last.trial, 1, 9.0, 0).kind, DecisionKind::kPause);
  scheduler->Finished(last.trial, TrialOutcome::kExited, 0);
  EXPECT_TRUE(IsWait(scheduler->Next(0)));
  EXPECT_EQ(scheduler->Report(a.trial, 3, 1.0, 0).kind, DecisionKind::kPause);
  scheduler->Finished(a.trial, TrialOutcome::kExited, 0);
  EXPECT_TRUE(IsDone(scheduler->Next(0)));
  EXPECT_TRUE(IsDone(scheduler->Next(0)));
  for (const TrialRecord& trial : scheduler->trials()) EXPECT_EQ(trial.state, TrialState::kStopped);
  EXPECT_EQ(scheduler->BestTrial(), std::optional<TrialId>(0));  // best at the highest budget
}

TEST(AshaPromotion, MaxModeRanksHigherFirst) {
  SchedulerOptions options = Options(SchedulerKind::kAsha, 1, 9, 100);
  options.mode = MetricMode::kMax;
  auto scheduler = MakeScheduler(OneParamSpace(), options);
  RunNewTrialToRung0(*scheduler, 0.2);
  RunNewTrialToRung0(*scheduler, 0.9);
  RunNewTrialToRung0(*scheduler, 0.5);
  EXPECT_EQ(ExpectAssignment(scheduler->Next(0)).trial, 1);
}

TEST(AshaPromotion, GraceHoldsPromotionsUntilTheRungIsBigEnough) {
  SchedulerOptions options = Options(SchedulerKind::kAsha, 1, 9, 100);
  options.grace = 5;
  auto scheduler = MakeScheduler(OneParamSpace(), options);
  for (int i = 0; i < 4; ++i) RunNewTrialToRung0(*scheduler, 1.0 + i);
  EXPECT_EQ(ExpectAssignment(scheduler->Next(0)).rung, 0);  // 4 < grace: a new trial
}

TEST(AshaStopping, ContinuesOnlyInTopCeilThird) {
  auto scheduler =
      MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, 100, AshaVariant::kStopping));
  const Assignment t0 = ExpectAssignment(scheduler->Next(0));
  EXPECT_DOUBLE_EQ(t0.budget, 9.0);  // runs towards max_budget
  const Assignment t1 = ExpectAssignment(scheduler->Next(0));
  const Assignment t2 = ExpectAssignment(scheduler->Next(0));
  const Assignment t3 = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(scheduler->Report(t0.trial, 1, 5.0, 0).kind, DecisionKind::kContinue);  // n=1, top 1
  EXPECT_EQ(scheduler->Report(t1.trial, 1, 6.0, 0).kind, DecisionKind::kStop);      // n=2, top 1
  EXPECT_EQ(scheduler->Report(t2.trial, 1, 4.0, 0).kind, DecisionKind::kContinue);  // n=3, best
  EXPECT_EQ(scheduler->Report(t3.trial, 1, 4.5, 0).kind, DecisionKind::kContinue);  // n=4, top 2
  EXPECT_EQ(scheduler->trials()[1].state, TrialState::kStopped);
  // t0 at rung 1 alone goes on, then completes at 9.
  EXPECT_EQ(scheduler->Report(t0.trial, 2, 4.0, 0).kind, DecisionKind::kContinue);
  EXPECT_EQ(scheduler->Report(t0.trial, 3, 3.0, 0).kind, DecisionKind::kContinue);
  EXPECT_EQ(scheduler->Report(t2.trial, 3, 3.5, 0).kind, DecisionKind::kStop);  // n=2 at rung 1
  EXPECT_EQ(scheduler->Report(t0.trial, 9, 1.0, 0).kind, DecisionKind::kStop);
  EXPECT_EQ(scheduler->trials()[0].state, TrialState::kCompleted);
}

TEST(AshaStopping, OneReportPastSeveralMilestonesIsJudgedAtEach) {
  auto scheduler =
      MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, 100, AshaVariant::kStopping));
  const Assignment t0 = ExpectAssignment(scheduler->Next(0));
  const Assignment t1 = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(scheduler->Report(t0.trial, 3, 1.0, 0).kind, DecisionKind::kContinue);  // rungs 0 and 1
  EXPECT_EQ(scheduler->Report(t1.trial, 9, 2.0, 0).kind, DecisionKind::kStop);      // loses at rung 0
  EXPECT_EQ(scheduler->trials()[1].state, TrialState::kStopped);
  EXPECT_EQ(scheduler->trials()[0].rung, 2);
}

TEST(AshaStopping, FailedTrialCountsAtItsNextMilestone) {
  auto scheduler =
      MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, 100, AshaVariant::kStopping));
  const Assignment t0 = ExpectAssignment(scheduler->Next(0));
  scheduler->Finished(t0.trial, TrialOutcome::kFailed, 0);
  const Assignment t1 = ExpectAssignment(scheduler->Next(0));
  // n = 2 at rung 0 with the failure ranked worst: 7.0 is the top 1.
  EXPECT_EQ(scheduler->Report(t1.trial, 1, 7.0, 0).kind, DecisionKind::kContinue);
}

TEST(Fifo, EveryTrialRunsToMaxBudget) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kFifo, 1, 5, 3));
  for (int i = 0; i < 3; ++i) {
    const Assignment a = ExpectAssignment(scheduler->Next(0));
    EXPECT_DOUBLE_EQ(a.budget, 5.0);
    for (int step = 1; step < 5; ++step) EXPECT_EQ(scheduler->Report(a.trial, step, 10.0 - i, 0).kind, DecisionKind::kContinue);
    EXPECT_EQ(scheduler->Report(a.trial, 5, 10.0 - i, 0).kind, DecisionKind::kStop);
    scheduler->Finished(a.trial, TrialOutcome::kExited, 0);
  }
  EXPECT_TRUE(IsDone(scheduler->Next(0)));
  EXPECT_EQ(scheduler->BestTrial(), std::optional<TrialId>(2));
  for (const TrialRecord& trial : scheduler->trials()) EXPECT_EQ(trial.state, TrialState::kCompleted);
}

TEST(Fifo, TrialThatExitsEarlyAfterReportingIsKeptAsStopped) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kFifo, 1, 5, 1));
  const Assignment a = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(scheduler->Report(a.trial, 2, 3.0, 0).kind, DecisionKind::kContinue);
  scheduler->Finished(a.trial, TrialOutcome::kExited, 0);
  EXPECT_EQ(scheduler->trials()[0].state, TrialState::kStopped);
  EXPECT_EQ(scheduler->BestTrial(), std::optional<TrialId>(0));
  EXPECT_TRUE(IsDone(scheduler->Next(0)));
}

TEST(Hyperband, BracketSizesFollowLiEtAl) {
  EXPECT_EQ(HyperbandBracketSizes(4, 3), (std::vector<std::int64_t>{81, 34, 15, 8, 5}));
  EXPECT_EQ(HyperbandBracketSizes(2, 3), (std::vector<std::int64_t>{9, 5, 3}));
  EXPECT_EQ(HyperbandBracketSizes(0, 3), (std::vector<std::int64_t>{1}));
}

TEST(Hyperband, NewTrialsFillBracketsInProportionAtTheirMinBudgets) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kHyperband, 1, 9, 17));
  std::map<int, int> per_bracket;
  for (int i = 0; i < 17; ++i) {
    const Assignment a = ExpectAssignment(scheduler->Next(0));
    ++per_bracket[a.bracket];
    EXPECT_EQ(a.rung, a.bracket);
    EXPECT_DOUBLE_EQ(a.budget, std::pow(3.0, a.bracket));
  }
  EXPECT_EQ(per_bracket[0], 9);
  EXPECT_EQ(per_bracket[1], 5);
  EXPECT_EQ(per_bracket[2], 3);
  EXPECT_TRUE(IsWait(scheduler->Next(0)));
}

TEST(Hyperband, BracketsPromoteIndependently) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kHyperband, 1, 9, 100));
  // Run 12 new trials to their first rung, each with a distinct value.
  std::vector<Assignment> started;
  for (int i = 0; i < 12; ++i) started.push_back(ExpectAssignment(scheduler->Next(0)));
  for (const Assignment& a : started) {
    const DecisionKind kind = scheduler->Report(a.trial, a.budget, 100.0 - static_cast<double>(a.trial), 0).kind;
    EXPECT_EQ(kind, a.bracket == 2 ? DecisionKind::kStop : DecisionKind::kPause);
    scheduler->Finished(a.trial, TrialOutcome::kExited, 0);
  }
  // Every promotion stays inside its own bracket and moves up exactly one rung.
  for (int i = 0; i < 3; ++i) {
    const Assignment a = ExpectAssignment(scheduler->Next(0));
    if (a.rung == 0) break;
    EXPECT_EQ(scheduler->trials()[static_cast<std::size_t>(a.trial)].bracket, a.bracket);
    EXPECT_EQ(a.rung, a.bracket + 1);
  }
}

TEST(Hyperband, StoppingVariantRunsEveryTrialTowardsMaxBudget) {
  auto scheduler =
      MakeScheduler(OneParamSpace(), Options(SchedulerKind::kHyperband, 1, 9, 10, AshaVariant::kStopping));
  for (int i = 0; i < 10; ++i) EXPECT_DOUBLE_EQ(ExpectAssignment(scheduler->Next(0)).budget, 9.0);
}

}  // namespace
}  // namespace mpitune
