// Population-based training, worked by hand: the exploit rule on rankings with ties,
// the explore step on each kind of parameter, turns when members outnumber workers,
// asynchronous waits for a donor, synchronous generations that a crash cannot hold up.
#include <cmath>
#include <limits>
#include <set>
#include <vector>

#include "core/pbt_scheduler.h"
#include "core/scheduler_test_util.h"

namespace mpitune {
namespace {

using testing::ExpectAssignment;
using testing::IsDone;
using testing::IsWait;
using testing::OneParamSpace;

// The candidates as a set: their order is nth_element's.
std::set<TrialId> Candidates(const std::vector<std::pair<double, TrialId>>& ranked, TrialId member, double quantile) {
  const std::vector<TrialId> top = ExploitCandidates(ranked, member, quantile);
  return {top.begin(), top.end()};
}

SchedulerOptions PbtOptions(std::int64_t population, double interval, double max_budget, bool synchronous = false) {
  SchedulerOptions options;
  options.kind = SchedulerKind::kPbt;
  options.max_trials = 100;
  options.max_budget = max_budget;
  options.seed = 5;
  options.pbt.population = population;
  options.pbt.perturbation_interval = interval;
  options.pbt.synchronous = synchronous;
  EXPECT_TRUE(ValidateSchedulerOptions(options).ok()) << ValidateSchedulerOptions(options).message();
  return options;
}

// Reports `value` at `step`; a Pause is followed by the run ending well.
Decision ReportAndEnd(Scheduler& scheduler, TrialId trial, double step, double value, double now) {
  const Decision decision = scheduler.Report(trial, step, value, now);
  if (decision.kind != DecisionKind::kContinue) scheduler.Finished(trial, TrialOutcome::kExited, now);
  return decision;
}

TEST(PbtExploitRule, BottomQuantileCopiesTheTop) {
  // Four members, quantile 0.25: one at the top (0), one at the bottom (3).
  const std::vector<std::pair<double, TrialId>> ranked = {{0.4, 3}, {0.1, 0}, {0.3, 2}, {0.2, 1}};
  EXPECT_EQ(Candidates(ranked, 3, 0.25), std::set<TrialId>({0}));
  EXPECT_TRUE(ExploitCandidates(ranked, 2, 0.25).empty());
  EXPECT_TRUE(ExploitCandidates(ranked, 0, 0.25).empty());
  // Quantile 0.5: the two worst copy one of the two best.
  EXPECT_EQ(Candidates(ranked, 2, 0.5), std::set<TrialId>({0, 1}));
  EXPECT_EQ(Candidates(ranked, 3, 0.5), std::set<TrialId>({0, 1}));
  // Three members and quantile 0.25: floor(0.75) = 0, nobody is in a quantile.
  EXPECT_TRUE(ExploitCandidates({{0.1, 0}, {0.2, 1}, {0.9, 2}}, 2, 0.25).empty());
  // A member that did not compete (not in the ranking) exploits nothing.
  EXPECT_TRUE(ExploitCandidates(ranked, 7, 0.25).empty());
}

TEST(PbtExploitRule, TiesAcrossTheCutExploitNothing) {
  // All equal: member 3 is last by id, but copying an equal member gains nothing.
  EXPECT_TRUE(ExploitCandidates({{1, 0}, {1, 1}, {1, 2}, {1, 3}}, 3, 0.25).empty());
  // Ties inside the bottom: 1, 2, 3 tie at 2.0; by id 3 is the bottom one.
  const std::vector<std::pair<double, TrialId>> ranked = {{1, 0}, {2, 1}, {2, 2}, {2, 3}};
  EXPECT_EQ(Candidates(ranked, 3, 0.25), std::set<TrialId>({0}));
  EXPECT_TRUE(ExploitCandidates(ranked, 1, 0.25).empty());
  // NaN, Inf and failures come in as +Inf keys: worst, and two of them tie.
  const double inf = HUGE_VAL;
  EXPECT_EQ(Candidates({{inf, 0}, {0.5, 1}, {0.7, 2}, {inf, 3}}, 3, 0.5), std::set<TrialId>({1, 2}));
  EXPECT_TRUE(ExploitCandidates({{inf, 0}, {inf, 1}, {0.7, 2}, {inf, 3}}, 3, 0.5).empty());
}

TEST(PbtExploitRule, ReadyPoints) {
  EXPECT_DOUBLE_EQ(NextReadyPoint(0, 2, 9), 2);
  EXPECT_DOUBLE_EQ(NextReadyPoint(2, 2, 9), 4);
  EXPECT_DOUBLE_EQ(NextReadyPoint(3.5, 2, 9), 4);
  EXPECT_DOUBLE_EQ(NextReadyPoint(8, 2, 9), 9);
  EXPECT_DOUBLE_EQ(NextReadyPoint(0.3 * 3, 0.3, 9), 1.2);  // 0.8999999 counts as 0.9
}

// Four members on four workers, minimised: trial 3 is the worst at step 1. Its top
// donor (0) is still running, so 3 waits; once 0 pauses at step 2, 3 copies it.
TEST(PbtScheduler, AsynchronousBottomMemberWaitsForARunningDonorThenCopiesIt) {
  const SearchSpace space = OneParamSpace();
  PbtScheduler scheduler(space, PbtOptions(4, 1, 4));
  std::vector<Assignment> started;
  for (int i = 0; i < 4; ++i) started.push_back(ExpectAssignment(scheduler.Next(0)));
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(started[static_cast<std::size_t>(i)].trial, i);
    EXPECT_DOUBLE_EQ(started[static_cast<std::size_t>(i)].budget, 1);
    EXPECT_DOUBLE_EQ(started[static_cast<std::size_t>(i)].resume_step, 0);
  }
  const double values[] = {0.1, 0.2, 0.3, 0.9};
  for (int i = 0; i < 3; ++i) EXPECT_EQ(ReportAndEnd(scheduler, i, 1, values[i], 1).kind, DecisionKind::kPause);
  for (int i = 0; i < 3; ++i) {
    const Assignment a = ExpectAssignment(scheduler.Next(1));
    EXPECT_EQ(a.trial, i);  // the top and middle go on with their own configs
    EXPECT_FALSE(a.restore_from.has_value());
    EXPECT_DOUBLE_EQ(a.budget, 2);
  }
  EXPECT_EQ(ReportAndEnd(scheduler, 3, 1, values[3], 2).kind, DecisionKind::kPause);
  EXPECT_TRUE(IsWait(scheduler.Next(2)));  // 3 waits: its donor 0 is running
  EXPECT_EQ(ReportAndEnd(scheduler, 0, 2, 0.05, 3).kind, DecisionKind::kPause);
  const Config before = scheduler.trial(3).config;
  const Assignment exploit = ExpectAssignment(scheduler.Next(3));
  EXPECT_EQ(exploit.trial, 3);
  ASSERT_TRUE(exploit.restore_from.has_value());
  EXPECT_EQ(*exploit.restore_from, 0);
  EXPECT_DOUBLE_EQ(exploit.resume_step, 2);  // the donor's checkpoint
  EXPECT_DOUBLE_EQ(exploit.budget, 3);
  EXPECT_EQ(scheduler.trial(3).parent, 0);
  const double x = exploit.config.values[0];
  const double donor_x = scheduler.trial(0).config.values[0];
  // Explored: the donor's value times 0.8 or 1.2 (clamped to [0, 1]), or resampled.
  EXPECT_NE(x, before.values[0]);
  EXPECT_GE(x, 0.0);
  EXPECT_LE(x, 1.0);
  (void)donor_x;
  ASSERT_EQ(scheduler.Exploits().size(), 1u);
  const ExploitRecord& record = scheduler.Exploits()[0];
  EXPECT_EQ(record.recipient, 3);
  EXPECT_EQ(record.donor, 0);
  EXPECT_DOUBLE_EQ(record.step, 1);
  EXPECT_DOUBLE_EQ(record.donor_step, 2);
  EXPECT_DOUBLE_EQ(record.time, 3);
  EXPECT_EQ(record.old_config, before);
  EXPECT_EQ(record.new_config, exploit.config);
  // The donor is lent until the recipient has reported from its copy.
  EXPECT_TRUE(IsWait(scheduler.Next(3)));
  EXPECT_EQ(scheduler.Report(3, 2.5, 0.04, 4).kind, DecisionKind::kContinue);
  const Assignment donor = ExpectAssignment(scheduler.Next(4));
  EXPECT_EQ(donor.trial, 0);
  EXPECT_FALSE(donor.restore_from.has_value());
}

TEST(PbtScheduler, MembersTakeTurnsWhenTheyOutnumberTheWorkersLeastTrainedFirst) {
  const SearchSpace space = OneParamSpace();
  PbtScheduler scheduler(space, PbtOptions(4, 1, 3));
  // Two workers.
  EXPECT_EQ(ExpectAssignment(scheduler.Next(0)).trial, 0);
  EXPECT_EQ(ExpectAssignment(scheduler.Next(0)).trial, 1);
  ReportAndEnd(scheduler, 0, 1, 0.5, 1);
  EXPECT_EQ(ExpectAssignment(scheduler.Next(1)).trial, 2);  // a member not yet started has trained least
  ReportAndEnd(scheduler, 1, 1, 0.5, 2);
  EXPECT_EQ(ExpectAssignment(scheduler.Next(2)).trial, 3);
  ReportAndEnd(scheduler, 2, 1, 0.5, 3);
  const Assignment zero = ExpectAssignment(scheduler.Next(3));
  EXPECT_EQ(zero.trial, 0);  // 0, 1, 2 all paused at step 1: the lowest id
  EXPECT_DOUBLE_EQ(zero.resume_step, 1);
  ReportAndEnd(scheduler, 0, 2, 0.5, 4);  // 0 is now at step 2
  EXPECT_EQ(ExpectAssignment(scheduler.Next(4)).trial, 1);  // 1 (step 1) before 0 (step 2)
  ReportAndEnd(scheduler, 3, 1, 0.5, 5);
  EXPECT_EQ(ExpectAssignment(scheduler.Next(5)).trial, 2);
  EXPECT_EQ(scheduler.running(), 2);
  EXPECT_EQ(scheduler.trial_count(), 4u);
}

// Synchronous, four members on four workers: member 3 crashes while the others wait
// at the generation's ready point. The generation closes without it (no hang), and
// its slot is taken by a new trial that copies a top member.
TEST(PbtScheduler, SynchronousGenerationGoesOnWhenAMemberCrashes) {
  const SearchSpace space = OneParamSpace();
  PbtScheduler scheduler(space, PbtOptions(4, 1, 3, /*synchronous=*/true));
  for (int i = 0; i < 4; ++i) EXPECT_DOUBLE_EQ(ExpectAssignment(scheduler.Next(0)).budget, 1);
  ReportAndEnd(scheduler, 0, 1, 0.1, 1);
  ReportAndEnd(scheduler, 1, 1, 0.2, 1);
  ReportAndEnd(scheduler, 2, 1, 0.3, 1);
  EXPECT_TRUE(IsWait(scheduler.Next(1)));  // everyone waits for 3
  scheduler.Finished(3, TrialOutcome::kFailed, 2);
  EXPECT_EQ(scheduler.trial(3).state, TrialState::kFailed);
  // The replacement (trial 4) copies the best member, 0, at step 1.
  std::set<TrialId> resumed;
  TrialId replacement_donor = -1;
  for (int i = 0; i < 3; ++i) {
    const Assignment a = ExpectAssignment(scheduler.Next(2));
    EXPECT_DOUBLE_EQ(a.budget, 2);  // the next generation
    EXPECT_DOUBLE_EQ(a.resume_step, 1);
    resumed.insert(a.trial);
    if (a.trial == 4) replacement_donor = a.restore_from.value_or(-1);
  }
  EXPECT_EQ(resumed, std::set<TrialId>({1, 2, 4}));
  EXPECT_EQ(replacement_donor, 0);
  EXPECT_EQ(scheduler.trial(4).parent, 0);
  EXPECT_TRUE(IsWait(scheduler.Next(2)));  // 0 is lent until 4 reports
  scheduler.Report(4, 1.5, 0.1, 3);
  EXPECT_EQ(ExpectAssignment(scheduler.Next(3)).trial, 0);
  // A member lost in the next generation does not hold it up either.
  scheduler.Finished(2, TrialOutcome::kLost, 4);
  for (TrialId id : {0, 1, 4}) ReportAndEnd(scheduler, id, 2, 0.1 * static_cast<double>(id + 1), 5);
  // 2's replacement (5) copies the best, 0, which then waits until 5 has reported.
  std::set<TrialId> third;
  for (int i = 0; i < 3; ++i) third.insert(ExpectAssignment(scheduler.Next(6)).trial);
  EXPECT_EQ(third, std::set<TrialId>({1, 4, 5}));
  EXPECT_EQ(scheduler.trial(5).parent, 0);
  EXPECT_TRUE(IsWait(scheduler.Next(6)));
  scheduler.Report(5, 2.5, 0.1, 7);
  EXPECT_EQ(ExpectAssignment(scheduler.Next(7)).trial, 0);
}

TEST(PbtScheduler, SynchronousBottomMembersExploitWhenTheGenerationCloses) {
  const SearchSpace space = OneParamSpace();
  SchedulerOptions options = PbtOptions(4, 1, 3, true);
  options.mode = MetricMode::kMax;  // higher is better: 3 is the top, 0 the bottom
  PbtScheduler scheduler(space, options);
  for (int i = 0; i < 4; ++i) ExpectAssignment(scheduler.Next(0));
  for (int i = 0; i < 4; ++i) ReportAndEnd(scheduler, i, 1, 0.1 * (i + 1), 1);
  const Assignment first = ExpectAssignment(scheduler.Next(1));
  ASSERT_EQ(scheduler.Exploits().size(), 1u);
  EXPECT_EQ(scheduler.Exploits()[0].recipient, 0);
  EXPECT_EQ(scheduler.Exploits()[0].donor, 3);
  EXPECT_EQ(first.trial, 0);  // the donor (3) is lent, so the recipient is not held up behind it
  EXPECT_EQ(first.restore_from.value_or(-1), 3);
}

TEST(PbtScheduler, NanIsWorstAndAFailedOrUncheckpointedMemberIsNeverADonor) {
  const SearchSpace space = OneParamSpace();
  SchedulerOptions options = PbtOptions(4, 1, 4);
  options.pbt.quantile = 0.5;
  PbtScheduler scheduler(space, options);
  for (int i = 0; i < 4; ++i) ExpectAssignment(scheduler.Next(0));
  // 0 would be the donor, but it fails right after its pause point's report.
  scheduler.Report(0, 0.5, 0.01, 1);
  scheduler.Finished(0, TrialOutcome::kFailed, 1);
  ReportAndEnd(scheduler, 1, 1, 0.2, 1);
  ReportAndEnd(scheduler, 2, 1, std::numeric_limits<double>::quiet_NaN(), 1);
  // Slot 0 is refilled by trial 4, a copy of 1 (paused at step 1); then 2 (NaN, the
  // worst) copies 1 as well, since 3 (running, never checkpointed) cannot lend.
  std::vector<Assignment> out;
  for (int i = 0; i < 3; ++i) {
    const NextAction next = scheduler.Next(2);
    if (!std::holds_alternative<Assignment>(next)) break;
    out.push_back(std::get<Assignment>(next));
  }
  for (const ExploitRecord& e : scheduler.Exploits()) {
    EXPECT_NE(e.donor, 0) << "a failed member lent its checkpoint";
    EXPECT_NE(e.donor, 3) << "a member that never checkpointed lent";
  }
  bool two_copied = false;
  for (const ExploitRecord& e : scheduler.Exploits()) two_copied |= e.recipient == 2 && e.donor == 1;
  EXPECT_TRUE(two_copied);
}

TEST(PbtScheduler, BurnInDelaysTheFirstExploit) {
  const SearchSpace space = OneParamSpace();
  SchedulerOptions options = PbtOptions(4, 1, 4, true);
  options.pbt.burn_in = 2;
  PbtScheduler scheduler(space, options);
  for (int i = 0; i < 4; ++i) ExpectAssignment(scheduler.Next(0));
  for (int i = 0; i < 4; ++i) ReportAndEnd(scheduler, i, 1, 0.1 * (i + 1), 1);
  for (int i = 0; i < 4; ++i) ExpectAssignment(scheduler.Next(1));
  EXPECT_TRUE(scheduler.Exploits().empty());
  for (int i = 0; i < 4; ++i) ReportAndEnd(scheduler, i, 2, 0.1 * (i + 1), 2);
  ExpectAssignment(scheduler.Next(2));
  EXPECT_EQ(scheduler.Exploits().size(), 1u);
}

TEST(PbtScheduler, MembersEndAtMaxBudgetAndTheStudyIsDone) {
  const SearchSpace space = OneParamSpace();
  PbtScheduler scheduler(space, PbtOptions(2, 2, 3));
  for (int i = 0; i < 2; ++i) ExpectAssignment(scheduler.Next(0));
  for (int i = 0; i < 2; ++i) ReportAndEnd(scheduler, i, 2, 1.0, 1);
  for (int i = 0; i < 2; ++i) EXPECT_DOUBLE_EQ(ExpectAssignment(scheduler.Next(1)).budget, 3);
  for (int i = 0; i < 2; ++i) ReportAndEnd(scheduler, i, 3, 1.0, 2);
  EXPECT_TRUE(IsDone(scheduler.Next(3)));
  EXPECT_EQ(scheduler.trial(0).state, TrialState::kCompleted);
  EXPECT_EQ(scheduler.trial(1).state, TrialState::kCompleted);
  EXPECT_EQ(scheduler.BestTrial(), std::optional<TrialId>(0));
}

// The best trial is the best of the members trained at least as far as half of them:
// one member an interval ahead of the rest (as when the deadline stops a study) is
// compared with the others, not taken for the best because it is alone up there.
TEST(PbtScheduler, TheBestIsAmongTheMembersTrainedAsFarAsHalfOfThem) {
  const SearchSpace space = OneParamSpace();
  SchedulerOptions options = PbtOptions(4, 1, 4);
  options.pbt.burn_in = 10;  // no exploits: the values stay where they are put
  PbtScheduler scheduler(space, options);
  for (int i = 0; i < 4; ++i) ExpectAssignment(scheduler.Next(0));
  for (int i = 0; i < 4; ++i) ReportAndEnd(scheduler, i, 1, 0.1 * (i + 1), 1);
  const Assignment ahead = ExpectAssignment(scheduler.Next(1));
  ReportAndEnd(scheduler, ahead.trial, 2, 0.9, 2);
  EXPECT_EQ(scheduler.BestTrial(), std::optional<TrialId>(ahead.trial == 0 ? 1 : 0));

  const Assignment second = ExpectAssignment(scheduler.Next(2));
  ASSERT_NE(second.trial, ahead.trial);
  ReportAndEnd(scheduler, second.trial, 2, 0.5, 3);
  // Two of four at the second ready point: the best of those two, the others aside.
  EXPECT_EQ(scheduler.BestTrial(), std::optional<TrialId>(second.trial));
}

// The explore step as PBT applies it, worked by hand: resample_probability 0, so
// every value moves by a factor or to a neighbour.
TEST(PbtExplore, ClampsLogParamsIntsAndChoiceNeighbours) {
  ParamSpec lr{"lr", ParamType::kLogUniform, 1e-4, 0.1, false, {}};
  ParamSpec layers{"layers", ParamType::kInt, 1, 3, false, {}};
  ParamSpec act{"act", ParamType::kChoice, 0, 1, false, {std::string("relu"), std::string("tanh"), std::string("gelu")}};
  Result<SearchSpace> space = SearchSpace::Create({lr, layers, act});
  ASSERT_TRUE(space.ok());
  Rng rng(3);
  const PerturbOptions options{0.8, 1.2, 0.0};
  std::set<double> lrs;
  for (int n = 0; n < 200; ++n) {
    const Config out = space->Perturb(Config{{0.09, 3, 0}}, rng, options);
    lrs.insert(out.values[0]);
    EXPECT_EQ(out.values[1], 2);  // 3 * 1.2 clamps back to 3, so it steps down; 3 * 0.8 rounds to 2
    EXPECT_EQ(out.values[2], 1);  // "relu" has one neighbour
  }
  // In log space a step of log(0.8) or log(1.2); 0.108 is clamped to the bound 0.1.
  EXPECT_EQ(lrs, std::set<double>({0.09 * 0.8, 0.1}));
  std::set<double> middle;
  for (int n = 0; n < 200; ++n) middle.insert(space->Perturb(Config{{1e-3, 2, 1}}, rng, options).values[2]);
  EXPECT_EQ(middle, std::set<double>({0, 2}));
  // resample_probability 1: anything in range, drawn from the prior (log-uniform).
  int below_geometric_middle = 0;
  for (int n = 0; n < 400; ++n) {
    const Config out = space->Perturb(Config{{0.09, 3, 0}}, rng, PerturbOptions{0.8, 1.2, 1.0});
    EXPECT_TRUE(space->Contains(out));
    below_geometric_middle += out.values[0] < std::sqrt(1e-4 * 0.1);
  }
  EXPECT_GT(below_geometric_middle, 150);  // about half, where a linear draw gives 3%
}

}  // namespace
}  // namespace mpitune
