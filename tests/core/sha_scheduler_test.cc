// Synchronous successive halving: hand-worked bracket sizes and the rung barrier.
#include <map>

#include "core/scheduler_test_util.h"

namespace mpitune {
namespace {

using testing::ExpectAssignment;
using testing::IsDone;
using testing::IsWait;
using testing::OneParamSpace;
using testing::Options;

// Runs a whole SHA study with `workers` always asking for work, every trial reporting
// value = its id (so lower ids are better). Returns the number of assignments per budget.
std::map<double, int> RunWholeStudy(Scheduler& scheduler, int workers) {
  std::map<double, int> per_budget;
  for (int guard = 0; guard < 10000; ++guard) {
    std::vector<Assignment> wave;
    for (int w = 0; w < workers; ++w) {
      NextAction action = scheduler.Next(0);
      if (IsDone(action)) return per_budget;
      if (IsWait(action)) break;
      wave.push_back(std::get<Assignment>(action));
    }
    for (const Assignment& a : wave) {
      ++per_budget[a.budget];
      scheduler.Report(a.trial, a.budget, static_cast<double>(a.trial), 0);
      scheduler.Finished(a.trial, TrialOutcome::kExited, 0);
    }
  }
  ADD_FAILURE() << "study did not finish";
  return per_budget;
}

TEST(Sha, BracketOf27HalvesTo9Then3Then1) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kSha, 1, 27, 27));
  const std::map<double, int> per_budget = RunWholeStudy(*scheduler, 4);
  EXPECT_EQ(per_budget, (std::map<double, int>{{1, 27}, {3, 9}, {9, 3}, {27, 1}}));
  EXPECT_EQ(scheduler->BestTrial(), std::optional<TrialId>(0));
  int completed = 0, stopped = 0;
  for (const TrialRecord& trial : scheduler->trials()) {
    completed += trial.state == TrialState::kCompleted;
    stopped += trial.state == TrialState::kStopped;
  }
  EXPECT_EQ(completed, 1);
  EXPECT_EQ(stopped, 26);
}

TEST(Sha, RungSizeNotAPowerOfEtaKeepsFloorButAtLeastOne) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kSha, 1, 9, 10));
  EXPECT_EQ(RunWholeStudy(*scheduler, 3), (std::map<double, int>{{1, 10}, {3, 3}, {9, 1}}));
  auto small = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kSha, 1, 9, 2));
  EXPECT_EQ(RunWholeStudy(*small, 3), (std::map<double, int>{{1, 2}, {3, 1}, {9, 1}}));
}

TEST(Sha, WorkersWaitAtTheRungBarrier) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kSha, 1, 9, 3));
  std::vector<Assignment> rung0;
  for (int i = 0; i < 3; ++i) rung0.push_back(ExpectAssignment(scheduler->Next(0)));
  EXPECT_TRUE(IsWait(scheduler->Next(0)));
  EXPECT_EQ(scheduler->Report(rung0[0].trial, 1, 2.0, 0).kind, DecisionKind::kPause);
  scheduler->Finished(rung0[0].trial, TrialOutcome::kExited, 0);
  EXPECT_EQ(scheduler->Report(rung0[1].trial, 1, 1.0, 0).kind, DecisionKind::kPause);
  EXPECT_TRUE(IsWait(scheduler->Next(0)));  // trial 2 still running
  scheduler->Finished(rung0[1].trial, TrialOutcome::kExited, 0);
  scheduler->Finished(rung0[2].trial, TrialOutcome::kFailed, 0);  // a failure closes its slot
  const Assignment promoted = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(promoted.trial, rung0[1].trial);
  EXPECT_DOUBLE_EQ(promoted.budget, 3.0);
  EXPECT_DOUBLE_EQ(promoted.resume_step, 1.0);
  EXPECT_EQ(scheduler->trials()[0].state, TrialState::kStopped);
  EXPECT_EQ(scheduler->trials()[2].state, TrialState::kFailed);
}

TEST(Sha, AllFailedRungEndsTheStudy) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kSha, 1, 9, 3));
  for (int i = 0; i < 3; ++i) scheduler->Finished(ExpectAssignment(scheduler->Next(0)).trial, TrialOutcome::kFailed, 0);
  EXPECT_TRUE(IsDone(scheduler->Next(0)));
  EXPECT_FALSE(scheduler->BestTrial().has_value());
}

TEST(Sha, InterruptedTrialIsRerunBeforeTheBarrierOpens) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kSha, 1, 9, 3));
  std::vector<Assignment> rung0;
  for (int i = 0; i < 3; ++i) rung0.push_back(ExpectAssignment(scheduler->Next(0)));
  scheduler->Finished(rung0[1].trial, TrialOutcome::kInterrupted, 0);
  const Assignment again = ExpectAssignment(scheduler->Next(0));
  EXPECT_EQ(again.trial, rung0[1].trial);
  EXPECT_DOUBLE_EQ(again.budget, 1.0);
}

TEST(Sha, GridSamplerSmallerThanMaxTrialsShrinksRungZero) {
  ParamSpec choice;
  choice.name = "c";
  choice.type = ParamType::kChoice;
  choice.choices = {ParamValue{std::string("a")}, ParamValue{std::string("b")}, ParamValue{std::string("c")},
                    ParamValue{std::string("d")}};
  Result<SearchSpace> space = SearchSpace::Create({choice});
  ASSERT_TRUE(space.ok());
  SchedulerOptions options = Options(SchedulerKind::kSha, 1, 3, 100);
  options.sampler.kind = SamplerKind::kGrid;
  auto scheduler = MakeScheduler(*space, options);
  EXPECT_EQ(RunWholeStudy(*scheduler, 8), (std::map<double, int>{{1, 4}, {3, 1}}));
}

}  // namespace
}  // namespace mpitune
