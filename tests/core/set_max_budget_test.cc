// Scheduler::SetMaxBudget, the time plan re-made from measured costs: PBT's members
// train to a new max_budget (never below what a run was handed out to, never once one
// completed); the other schedulers keep theirs.
#include <cmath>
#include <vector>

#include "core/scheduler_test_util.h"

namespace mpitune {
namespace {

using testing::ExpectAssignment;
using testing::IsDone;
using testing::OneParamSpace;
using testing::Options;

SchedulerOptions Pbt(double max_budget) {
  SchedulerOptions options = Options(SchedulerKind::kPbt, 1, max_budget, 10);
  options.pbt.population = 2;
  options.pbt.perturbation_interval = 1;
  EXPECT_TRUE(ValidateSchedulerOptions(options).ok());
  return options;
}

// Hands out both members' next runs and ends them at their budgets (equal values:
// nobody exploits); returns the budget they were handed.
double RunBothMembers(Scheduler& scheduler, double now) {
  double budget = 0.0;
  std::vector<Assignment> runs;
  for (int i = 0; i < 2; ++i) runs.push_back(ExpectAssignment(scheduler.Next(now)));
  for (const Assignment& a : runs) {
    budget = a.budget;
    scheduler.Report(a.trial, a.budget, 1.0, now);
    scheduler.Finished(a.trial, TrialOutcome::kExited, now);
  }
  return budget;
}

TEST(SetMaxBudget, PbtMembersTrainOnToARaisedMaxBudget) {
  auto scheduler = MakeScheduler(OneParamSpace(), Pbt(2));
  EXPECT_DOUBLE_EQ(RunBothMembers(*scheduler, 0), 1);
  EXPECT_TRUE(scheduler->SetMaxBudget(4));
  EXPECT_DOUBLE_EQ(scheduler->options().max_budget, 4);
  for (double point : {2.0, 3.0, 4.0}) EXPECT_DOUBLE_EQ(RunBothMembers(*scheduler, point), point);
  EXPECT_TRUE(IsDone(scheduler->Next(5)));
  EXPECT_EQ(scheduler->trial(0).state, TrialState::kCompleted);
  EXPECT_DOUBLE_EQ(scheduler->trial(0).last_step, 4);
  // A completed member cannot train on.
  EXPECT_FALSE(scheduler->SetMaxBudget(8));
}

TEST(SetMaxBudget, PbtLowersItToNoLessThanARunWasHandedOutTo) {
  auto scheduler = MakeScheduler(OneParamSpace(), Pbt(6));
  EXPECT_DOUBLE_EQ(RunBothMembers(*scheduler, 0), 1);
  const Assignment first = ExpectAssignment(scheduler->Next(1));
  EXPECT_DOUBLE_EQ(first.budget, 2);
  EXPECT_FALSE(scheduler->SetMaxBudget(1.5));
  EXPECT_DOUBLE_EQ(scheduler->options().max_budget, 6);
  EXPECT_TRUE(scheduler->SetMaxBudget(2));
  scheduler->Report(first.trial, 2, 1.0, 2);
  scheduler->Finished(first.trial, TrialOutcome::kExited, 2);
  EXPECT_EQ(scheduler->trial(first.trial).state, TrialState::kCompleted);
  const Assignment second = ExpectAssignment(scheduler->Next(2));
  EXPECT_DOUBLE_EQ(second.budget, 2);
  // Completed members: no more moves either way.
  EXPECT_FALSE(scheduler->SetMaxBudget(3));
}

TEST(SetMaxBudget, SynchronousPbtEndsTheOpenGenerationAtALoweredMaxBudget) {
  SchedulerOptions options = Pbt(6);
  options.pbt.synchronous = true;
  auto scheduler = MakeScheduler(OneParamSpace(), options);
  EXPECT_DOUBLE_EQ(RunBothMembers(*scheduler, 0), 1);
  EXPECT_TRUE(scheduler->SetMaxBudget(1.5));
  EXPECT_DOUBLE_EQ(RunBothMembers(*scheduler, 1), 1.5);
  EXPECT_TRUE(IsDone(scheduler->Next(2)));
}

TEST(SetMaxBudget, OtherSchedulersKeepTheirs) {
  for (SchedulerKind kind :
       {SchedulerKind::kSha, SchedulerKind::kAsha, SchedulerKind::kHyperband, SchedulerKind::kFifo}) {
    auto scheduler = MakeScheduler(OneParamSpace(), Options(kind, 1, 27, 6));
    EXPECT_FALSE(scheduler->SetMaxBudget(9)) << SchedulerKindName(kind);
    EXPECT_FALSE(scheduler->SetMaxBudget(81)) << SchedulerKindName(kind);
    EXPECT_DOUBLE_EQ(scheduler->options().max_budget, 27);
  }
}

TEST(SetMaxBudget, NothingThatIsNotAPositiveNumber) {
  auto scheduler = MakeScheduler(OneParamSpace(), Pbt(4));
  for (double bad : {0.0, -1.0, HUGE_VAL, static_cast<double>(NAN)}) EXPECT_FALSE(scheduler->SetMaxBudget(bad)) << bad;
  EXPECT_DOUBLE_EQ(scheduler->options().max_budget, 4);
}

}  // namespace
}  // namespace mpitune
