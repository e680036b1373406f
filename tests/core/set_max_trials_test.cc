// Scheduler::SetMaxTrials, the time plan re-made from measured costs: raising it lets
// more trials start, lowering it stops new ones (never below those started), and it
// changes nothing where new trials can no longer be taken. Rungs 1, 3, 9.
#include "core/scheduler_test_util.h"

namespace mpitune {
namespace {

using testing::ExpectAssignment;
using testing::IsDone;
using testing::IsWait;
using testing::OneParamSpace;
using testing::Options;

// Runs `count` new rung-0 trials to their end with value = their id.
void RunRungZero(Scheduler& scheduler, int count) {
  for (int i = 0; i < count; ++i) {
    const Assignment a = ExpectAssignment(scheduler.Next(0));
    ASSERT_EQ(a.rung, 0);
    scheduler.Report(a.trial, a.budget, static_cast<double>(a.trial), 0);
    scheduler.Finished(a.trial, TrialOutcome::kExited, 0);
  }
}

TEST(SetMaxTrials, RaisingLetsFifoStartMoreAndLoweringStopsIt) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kFifo, 1, 1, 2));
  RunRungZero(*scheduler, 2);
  EXPECT_TRUE(IsDone(scheduler->Next(0)));
  // Done is final: the study has ended.
  EXPECT_FALSE(scheduler->SetMaxTrials(5));

  scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kFifo, 1, 1, 2));
  EXPECT_TRUE(scheduler->SetMaxTrials(4));
  EXPECT_EQ(scheduler->options().max_trials, 4);
  RunRungZero(*scheduler, 4);
  EXPECT_TRUE(IsDone(scheduler->Next(0)));
  EXPECT_EQ(scheduler->trial_count(), 4u);
}

TEST(SetMaxTrials, NeverBelowTheTrialsStartedAndUnchangedSaysSo) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, 10));
  RunRungZero(*scheduler, 3);
  EXPECT_TRUE(scheduler->SetMaxTrials(1));
  EXPECT_EQ(scheduler->options().max_trials, 3);
  EXPECT_FALSE(scheduler->SetMaxTrials(3));
  EXPECT_FALSE(scheduler->SetMaxTrials(0));
  // No new trial now: only the promotion of trial 0 (value 0) to rung 1.
  const Assignment promoted = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(promoted.trial, 0);
  EXPECT_EQ(promoted.rung, 1);
  EXPECT_TRUE(IsWait(scheduler->Next(0)));
}

TEST(SetMaxTrials, ShaTakesMoreOnlyWhileItsFirstRungIsOpen) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kSha, 1, 9, 3));
  RunRungZero(*scheduler, 2);
  EXPECT_TRUE(scheduler->SetMaxTrials(6));
  RunRungZero(*scheduler, 4);
  EXPECT_EQ(scheduler->trial_count(), 6u);
  // The rung closes on the next call: the best 6/3 = 2 go on to rung 1.
  const Assignment promoted = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(promoted.rung, 1);
  EXPECT_FALSE(scheduler->SetMaxTrials(20));
  EXPECT_EQ(scheduler->options().max_trials, 6);
}

TEST(SetMaxTrials, PbtKeepsItsPopulation) {
  SchedulerOptions options = Options(SchedulerKind::kPbt, 1, 9, 8);
  options.pbt.population = 4;
  auto scheduler = MakeScheduler(OneParamSpace(), options);
  EXPECT_FALSE(scheduler->SetMaxTrials(16));
  EXPECT_EQ(scheduler->options().max_trials, 8);
}

}  // namespace
}  // namespace mpitune
