// Scheduler::NextWithin: near a deadline the scheduler offers only work that adds at
// most the given budget units, and changes nothing when none fits. Rungs 1, 3, 9.
#include <cmath>

#include "core/scheduler_test_util.h"

namespace mpitune {
namespace {

using testing::ExpectAssignment;
using testing::IsDone;
using testing::IsWait;
using testing::OneParamSpace;
using testing::Options;

// Three trials at rung 0 with values 1, 2, 3: trial 0 is promotable to rung 1 (+2 units).
std::unique_ptr<Scheduler> AshaWithOnePromotable(std::int64_t max_trials) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, max_trials));
  for (double value : {1.0, 2.0, 3.0}) {
    const Assignment a = ExpectAssignment(scheduler->Next(0));
    EXPECT_EQ(scheduler->Report(a.trial, a.budget, value, 0).kind, DecisionKind::kPause);
    scheduler->Finished(a.trial, TrialOutcome::kExited, 0);
  }
  return scheduler;
}

SavedState Saved(const Scheduler& scheduler) {
  SavedState state;
  scheduler.Save(state);
  return state;
}

TEST(NextWithin, NoLimitDecidesAsNext) {
  auto a = AshaWithOnePromotable(10);
  auto b = AshaWithOnePromotable(10);
  for (int i = 0; i < 6; ++i) {
    const Assignment x = ExpectAssignment(a->Next(1));
    const Assignment y = ExpectAssignment(b->NextWithin(1, HUGE_VAL));
    EXPECT_EQ(x.trial, y.trial);
    EXPECT_EQ(x.budget, y.budget);
  }
  EXPECT_EQ(Saved(*a), Saved(*b));
}

TEST(NextWithin, APromotionThatDoesNotFitGivesWayToANewTrial) {
  auto scheduler = AshaWithOnePromotable(10);
  const Assignment fresh = ExpectAssignment(scheduler->NextWithin(1, 1.5));
  EXPECT_EQ(fresh.trial, 3);
  EXPECT_EQ(fresh.rung, 0);
  EXPECT_DOUBLE_EQ(fresh.budget, 1.0);
  // The promotion stays owed: with room for it, it is next.
  const Assignment promoted = ExpectAssignment(scheduler->NextWithin(1, 2.0));
  EXPECT_EQ(promoted.trial, 0);
  EXPECT_EQ(promoted.rung, 1);
  EXPECT_DOUBLE_EQ(promoted.resume_step, 1.0);
}

TEST(NextWithin, NothingFitsIsAWaitThatChangesNothing) {
  auto scheduler = AshaWithOnePromotable(3);  // no new trials left: only the promotion
  const SavedState before = Saved(*scheduler);
  EXPECT_TRUE(IsWait(scheduler->NextWithin(1, 1.0)));
  EXPECT_TRUE(IsWait(scheduler->NextWithin(1, -1.0)));
  EXPECT_EQ(Saved(*scheduler), before);
  // Nothing runs, yet the study is not over: the promotion waits for more time.
  EXPECT_EQ(scheduler->running(), 0);
  EXPECT_EQ(ExpectAssignment(scheduler->Next(2)).trial, 0);
}

TEST(NextWithin, ANewTrialThatDoesNotFitIsNotSampled) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, 10));
  const SavedState before = Saved(*scheduler);
  EXPECT_TRUE(IsWait(scheduler->NextWithin(0, 0.5)));
  EXPECT_EQ(Saved(*scheduler), before);
  EXPECT_EQ(scheduler->trial_count(), 0u);
}

TEST(NextWithin, AnInterruptedRunResumesOnlyIfItFits) {
  auto scheduler = AshaWithOnePromotable(4);
  const Assignment promoted = ExpectAssignment(scheduler->Next(0));  // trial 0 to rung 1: 1 -> 3
  ASSERT_EQ(promoted.trial, 0);
  scheduler->Finished(promoted.trial, TrialOutcome::kInterrupted, 0);
  // The interrupted run needs 2 units; the one new trial left needs 1.
  const Assignment fresh = ExpectAssignment(scheduler->NextWithin(1, 1.0));
  EXPECT_EQ(fresh.trial, 3);
  scheduler->Finished(fresh.trial, TrialOutcome::kInterrupted, 1);
  EXPECT_EQ(ExpectAssignment(scheduler->NextWithin(1, 1.0)).trial, 3);
  scheduler->Finished(3, TrialOutcome::kInterrupted, 1);
  // With room for it, trial 0 goes first again: interrupted runs keep their order.
  EXPECT_EQ(ExpectAssignment(scheduler->NextWithin(1, 2.0)).trial, 0);
}

TEST(NextWithin, InterruptedWorkThatDoesNotFitKeepsTheStudyOpen) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, 1));
  const Assignment a = ExpectAssignment(scheduler->Next(0));
  scheduler->Finished(a.trial, TrialOutcome::kInterrupted, 0);
  EXPECT_TRUE(IsWait(scheduler->NextWithin(1, 0.5)));  // not Done: trial 0 is owed a run
  EXPECT_EQ(ExpectAssignment(scheduler->Next(2)).trial, 0);
  EXPECT_EQ(scheduler->Report(0, 1, 0.5, 2).kind, DecisionKind::kPause);
  scheduler->Finished(0, TrialOutcome::kExited, 2);
}

TEST(NextWithin, HyperbandStartsOnlyBracketsWhoseFirstRunFits) {
  // Brackets start at budgets 1, 3 and 9 in the proportions 9 : 5 : 3 (s_max 2).
  auto limited = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kHyperband, 1, 9, 100));
  for (int i = 0; i < 17; ++i) EXPECT_DOUBLE_EQ(ExpectAssignment(limited->NextWithin(0, 1.0)).budget, 1.0);
  // Without a limit the round robin goes on and the passed-over brackets catch up.
  int above_one = 0;
  for (int i = 0; i < 17; ++i) above_one += ExpectAssignment(limited->Next(0)).budget > 1.0 ? 1 : 0;
  EXPECT_GE(above_one, 8);
  auto none = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kHyperband, 3, 27, 100));
  EXPECT_TRUE(IsWait(none->NextWithin(0, 2.0)));
  EXPECT_EQ(none->trial_count(), 0u);
}

TEST(NextWithin, ShaStartsAndPromotesOnlyWhatFits) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kSha, 1, 9, 3));
  const SavedState before = Saved(*scheduler);
  EXPECT_TRUE(IsWait(scheduler->NextWithin(0, 0.5)));
  EXPECT_EQ(scheduler->trial_count(), 0u);
  EXPECT_TRUE(Saved(*scheduler) == before);
  for (int i = 0; i < 3; ++i) {
    const Assignment a = ExpectAssignment(scheduler->NextWithin(0, 1.0));
    scheduler->Report(a.trial, a.budget, static_cast<double>(a.trial), 0);
    scheduler->Finished(a.trial, TrialOutcome::kExited, 0);
  }
  // The rung closes: trial 0 goes on to rung 1, +2 units.
  EXPECT_TRUE(IsWait(scheduler->NextWithin(1, 1.5)));
  EXPECT_FALSE(IsDone(scheduler->NextWithin(1, 1.5)));
  const Assignment promoted = ExpectAssignment(scheduler->NextWithin(1, 2.0));
  EXPECT_EQ(promoted.trial, 0);
  EXPECT_EQ(promoted.rung, 1);
}

// PBT: two members, ready points every 2 units up to 6.
SchedulerOptions PbtOptions(bool synchronous) {
  SchedulerOptions options = Options(SchedulerKind::kPbt, 1, 6, 10);
  options.pbt.population = 2;
  options.pbt.perturbation_interval = 2;
  options.pbt.synchronous = synchronous;
  EXPECT_TRUE(ValidateSchedulerOptions(options).ok());
  return options;
}

TEST(NextWithin, PbtStartsAndResumesOnlyMembersWhoseRunFits) {
  for (bool synchronous : {false, true}) {
    auto scheduler = MakeScheduler(OneParamSpace(), PbtOptions(synchronous));
    EXPECT_TRUE(IsWait(scheduler->NextWithin(0, 1.0))) << synchronous;
    EXPECT_EQ(scheduler->trial_count(), 0u);
    for (int i = 0; i < 2; ++i) {
      const Assignment a = ExpectAssignment(scheduler->NextWithin(0, 2.0));
      EXPECT_DOUBLE_EQ(a.budget, 2.0);
      scheduler->Report(a.trial, 2.0, 1.0, 1);
      scheduler->Finished(a.trial, TrialOutcome::kExited, 1);
    }
    // Nothing runs: a member's next interval (+2) that does not fit leaves the study
    // open (Wait, not Done) for a later resume with more time. Synchronous, the
    // complete generation closes first (as with any limit); then nothing changes.
    if (synchronous) {
      EXPECT_TRUE(IsWait(scheduler->NextWithin(2, 1.5)));
    }
    const SavedState before = Saved(*scheduler);
    EXPECT_TRUE(IsWait(scheduler->NextWithin(2, 1.5))) << synchronous;
    EXPECT_TRUE(Saved(*scheduler) == before) << synchronous;
    const Assignment resumed = ExpectAssignment(scheduler->NextWithin(2, 2.0));
    EXPECT_DOUBLE_EQ(resumed.budget, 4.0);
    EXPECT_DOUBLE_EQ(resumed.resume_step, 2.0);
  }
}

}  // namespace
}  // namespace mpitune
