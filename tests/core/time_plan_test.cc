// The time planner on hand-worked cases (core/time_plan.h).
#include "core/time_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace mpitune {
namespace {

bool Derived(const TimePlan& plan, const std::string& key) {
  return std::find(plan.derived.begin(), plan.derived.end(), key) != plan.derived.end();
}

TimePlanInput Input(SchedulerKind kind, double budget, std::int64_t workers, double unit_seconds) {
  TimePlanInput input;
  input.scheduler.kind = kind;
  input.scheduler.min_budget = 1.0;
  input.scheduler.max_budget = 9.0;
  input.scheduler.eta = 3.0;
  input.given.min_budget = true;
  input.given.max_budget = true;
  input.given.eta = true;
  input.time_budget = budget;
  input.workers = workers;
  input.unit_seconds = unit_seconds;
  return input;
}

TEST(TimePlanTest, BracketCostCountsOnlyTheUnitsEachRungAdds) {
  // 9 trials at 1, 3 promoted to 3 (+2 each), 1 to 9 (+6): 9 + 6 + 6.
  const PlannedBracket bracket = PlanBracket({1.0, 3.0, 9.0}, 9, 3.0);
  ASSERT_EQ(bracket.rungs.size(), 3u);
  EXPECT_EQ(bracket.rungs[0].trials, 9);
  EXPECT_EQ(bracket.rungs[1].trials, 3);
  EXPECT_EQ(bracket.rungs[2].trials, 1);
  EXPECT_DOUBLE_EQ(bracket.units, 21.0);
  // Fewer than eta trials still send one on.
  EXPECT_DOUBLE_EQ(PlanBracket({1.0, 3.0, 9.0}, 2, 3.0).units, 2.0 + 2.0 + 6.0);
}

TEST(TimePlanTest, ProxyRunsCostTheirDataFraction) {
  EXPECT_EQ(ProxySubset(1.0, 9.0, 0.0), 1.0);  // no proxy
  EXPECT_EQ(ProxySubset(1.0, 9.0, 0.2), 0.2);  // 1/9 is below the minimum
  EXPECT_DOUBLE_EQ(ProxySubset(3.0, 9.0, 0.2), 1.0 / 3.0);
  EXPECT_EQ(ProxySubset(9.0, 9.0, 0.2), 1.0);
  // 9 x 1 unit at 0.2, 3 x 2 units at 1/3, 1 x 6 units at 1: 1.8 + 2 + 6.
  const PlannedBracket bracket = PlanBracket({1.0, 3.0, 9.0}, 9, 3.0, 0.2);
  EXPECT_NEAR(bracket.units, 9.8, 1e-12);
  EXPECT_EQ(bracket.rungs[0].subset, 0.2);
  // The cheaper proxy runs leave room for more trials.
  TimePlanInput input = Input(SchedulerKind::kAsha, 100.0, 1, 1.0);
  const std::int64_t whole = PlanForTime(input).value().planned_trials;
  input.min_subset = 0.2;
  EXPECT_GT(PlanForTime(input).value().planned_trials, whole);
}

TEST(TimePlanTest, AshaTakesTheLargestBracketThatFitsAndDoublesItForMaxTrials) {
  // 100 s on one worker at 1 s a unit: n + 2 floor(n/3) + 6 max(1, floor(n/9)) <= 100.
  // n = 44: 44 + 28 + 24 = 96; n = 45: 45 + 30 + 30 = 105.
  const TimePlan plan = PlanForTime(Input(SchedulerKind::kAsha, 100.0, 1, 1.0)).value();
  EXPECT_EQ(plan.planned_trials, 44);
  EXPECT_DOUBLE_EQ(plan.expected_units, 96.0);
  EXPECT_EQ(plan.scheduler.max_trials, 88);
  EXPECT_TRUE(Derived(plan, "scheduler.max_trials"));
  EXPECT_FALSE(Derived(plan, "scheduler.max_budget"));
  EXPECT_NEAR(plan.expected_utilisation, 0.96, 1e-12);
}

TEST(TimePlanTest, ShaCountsRungsInWavesOfWorkers) {
  // 4 workers, 20 s: ceil(n/4) + 2 ceil(n1/4) + 6 ceil(n2/4) <= 20 s.
  // n = 32: 8 + 2*3 + 6*1 = 20; n = 33: 9 + 2*3 + 6*1 = 21.
  const TimePlan plan = PlanForTime(Input(SchedulerKind::kSha, 20.0, 4, 1.0)).value();
  EXPECT_EQ(plan.planned_trials, 32);
  EXPECT_EQ(plan.scheduler.max_trials, 32);  // synchronous: no headroom
  EXPECT_DOUBLE_EQ(plan.expected_finish, 20.0);
}

TEST(TimePlanTest, StopGraceAndMarginAreNotPlannedFor) {
  TimePlanInput input = Input(SchedulerKind::kAsha, 110.0, 1, 1.0);
  input.stop_grace = 9.5;
  input.margin = 0.5;
  const TimePlan plan = PlanForTime(input).value();
  EXPECT_DOUBLE_EQ(plan.usable_seconds, 100.0);
  EXPECT_EQ(plan.planned_trials, 44);
}

TEST(TimePlanTest, ExplicitSettingsWinAndTheRestIsDerived) {
  TimePlanInput input = Input(SchedulerKind::kAsha, 100.0, 1, 1.0);
  input.given = SchedulerKeysGiven{};
  input.scheduler.max_budget = 81.0;
  // max_budget: one run may take 15% of 100 s -> 15 units; min_budget stays 1.
  TimePlan plan = PlanForTime(input).value();
  EXPECT_DOUBLE_EQ(plan.scheduler.max_budget, 15.0);
  EXPECT_DOUBLE_EQ(plan.scheduler.min_budget, 1.0);
  EXPECT_TRUE(Derived(plan, "scheduler.max_budget"));
  EXPECT_TRUE(Derived(plan, "scheduler.min_budget"));

  input.given.max_trials = true;
  input.scheduler.max_trials = 10;
  input.given.max_budget = true;
  plan = PlanForTime(input).value();
  EXPECT_EQ(plan.scheduler.max_trials, 10);
  EXPECT_DOUBLE_EQ(plan.scheduler.max_budget, 81.0);
  EXPECT_FALSE(Derived(plan, "scheduler.max_trials"));
  EXPECT_EQ(plan.planned_trials, 0 + 10);
  // 81 units take 81 s of the 100: the plan says no trial reaches it.
  ASSERT_FALSE(plan.warnings.empty());
  EXPECT_NE(plan.warnings.front().find("scheduler.max_budget"), std::string::npos);
}

TEST(TimePlanTest, HyperbandShrinksToFitAndGrowsTheCheapestWhileItFits) {
  const TimePlanInput input = Input(SchedulerKind::kHyperband, 1000.0, 2, 1.0);
  const TimePlan plan = PlanForTime(input).value();
  ASSERT_EQ(plan.brackets.size(), 3u);  // rungs 1 3 9: brackets start at each
  EXPECT_LE(plan.expected_units, plan.capacity_units);
  // One more trial in the cheapest bracket would not fit.
  double cheapest = plan.brackets[0].units;
  std::size_t index = 0;
  for (std::size_t s = 1; s < plan.brackets.size(); ++s) {
    if (plan.brackets[s].units < cheapest) {
      cheapest = plan.brackets[s].units;
      index = s;
    }
  }
  const std::vector<double> budgets = {1.0, 3.0, 9.0};
  const PlannedBracket grown =
      PlanBracket(std::vector<double>(budgets.begin() + static_cast<long>(index), budgets.end()),
                  plan.brackets[index].rungs.front().trials + 1, 3.0);
  EXPECT_GT(plan.expected_units - cheapest + grown.units, plan.capacity_units);
  EXPECT_EQ(plan.scheduler.max_trials, 2 * plan.planned_trials);
}

TEST(TimePlanTest, HyperbandDropsRungsWhenItsBracketsCannotFit) {
  TimePlanInput input = Input(SchedulerKind::kHyperband, 400.0, 1, 1.0);
  input.given = SchedulerKeysGiven{};
  input.scheduler.max_budget = 81.0;
  const TimePlan plan = PlanForTime(input).value();
  EXPECT_LE(plan.expected_units, plan.capacity_units);
  EXPECT_LT(plan.scheduler.max_budget, 60.0);  // 15% of 400 s is 60; Li's sizes need fewer rungs
  EXPECT_TRUE(plan.warnings.empty());
}

TEST(TimePlanTest, BadInputNamesTheSetting) {
  TimePlanInput input = Input(SchedulerKind::kAsha, 5.0, 1, 1.0);
  input.stop_grace = 10.0;
  Result<TimePlan> plan = PlanForTime(input);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("study.time_budget"), std::string::npos) << plan.status().message();
  input = Input(SchedulerKind::kAsha, 5.0, 1, 0.0);
  plan = PlanForTime(input);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("trial.unit_seconds"), std::string::npos) << plan.status().message();
}

// Re-planning from a measured cost: SHA's first rung follows the cost both ways; an
// asynchronous study's max_trials only grows (the deadline ends it, and a lower one
// could end it early); PBT is not re-planned.
TEST(TimePlanTest, ReplanningLowersOnlyShasMaxTrials) {
  DeadlineOptions deadline;
  deadline.deadline = 100.0;
  SchedulerOptions sha = Input(SchedulerKind::kSha, 100.0, 1, 1.0).scheduler;
  sha.max_trials = 30;
  const std::optional<std::int64_t> cheaper = ReplanMaxTrials(sha, deadline, 1, 0.5);
  const std::optional<std::int64_t> dearer = ReplanMaxTrials(sha, deadline, 1, 2.0);
  ASSERT_TRUE(cheaper && dearer);
  EXPECT_GT(*cheaper, 30);
  EXPECT_LT(*dearer, 30);
  EXPECT_EQ(*dearer, PlanForTime(Input(SchedulerKind::kSha, 100.0, 1, 2.0)).value().scheduler.max_trials);

  SchedulerOptions asha = sha;
  asha.kind = SchedulerKind::kAsha;
  EXPECT_GT(ReplanMaxTrials(asha, deadline, 1, 0.5).value(), 30);
  EXPECT_EQ(ReplanMaxTrials(asha, deadline, 1, 20.0).value(), 30);
  asha.kind = SchedulerKind::kPbt;
  EXPECT_FALSE(ReplanMaxTrials(asha, deadline, 1, 0.5).has_value());
  EXPECT_FALSE(ReplanMaxTrials(sha, DeadlineOptions{}, 1, 0.5).has_value());
}

// PBT's max_budget re-planned from a measured cost: the members get their share of
// the capacity (2 workers x 100 s / 1 s = 200 units, 50 for each of 4 members) when it
// is more than 10% above the current one or 20% below; the other schedulers keep
// theirs.
TEST(TimePlanTest, ReplanningMovesPbtsMaxBudget) {
  DeadlineOptions deadline;
  deadline.deadline = 100.0;
  SchedulerOptions pbt;
  pbt.kind = SchedulerKind::kPbt;
  pbt.pbt.population = 4;
  pbt.pbt.perturbation_interval = 2;
  pbt.max_budget = 20;
  EXPECT_DOUBLE_EQ(ReplanMaxBudget(pbt, deadline, 2, 1.0).value(), 50);
  pbt.max_budget = 100;
  EXPECT_DOUBLE_EQ(ReplanMaxBudget(pbt, deadline, 2, 1.0).value(), 50);
  for (double near : {46.0, 60.0}) {
    pbt.max_budget = near;
    EXPECT_FALSE(ReplanMaxBudget(pbt, deadline, 2, 1.0).has_value()) << near;
  }
  EXPECT_FALSE(ReplanMaxBudget(pbt, DeadlineOptions{}, 2, 1.0).has_value());

  for (SchedulerKind kind : {SchedulerKind::kSha, SchedulerKind::kAsha}) {
    SchedulerOptions other = Input(kind, 100.0, 1, 1.0).scheduler;
    other.max_budget = 27;
    EXPECT_FALSE(ReplanMaxBudget(other, deadline, 1, 1.0).has_value()) << SchedulerKindName(kind);
  }
}

// PBT: the work is population x max_budget. With nothing given, two members per worker
// (one runs while the other waits at a ready point, so members whose configs train
// slower do not leave a worker idle) and max_budget their share: 4 workers x 600 s /
// 2 s = 1,200 units, 150 each, an interval of 15 (10 ready points), max_trials 16 for
// replacements.
TEST(TimePlanTest, PbtGetsTwoMembersPerWorkerAndTheirShareOfTheTime) {
  TimePlanInput input = Input(SchedulerKind::kPbt, 600.0, 4, 2.0);
  input.given = {};
  const Result<TimePlan> plan = PlanForTime(input);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->derived, (std::vector<std::string>{"scheduler.population", "scheduler.max_budget",
                                                     "scheduler.perturbation_interval", "scheduler.max_trials"}));
  EXPECT_EQ(plan->scheduler.pbt.population, 8);
  EXPECT_EQ(plan->scheduler.max_budget, 150.0);
  EXPECT_EQ(plan->scheduler.pbt.perturbation_interval, 15.0);
  EXPECT_EQ(plan->scheduler.max_trials, 16);
  EXPECT_EQ(plan->planned_trials, 8);
  EXPECT_DOUBLE_EQ(plan->expected_units, 1200.0);
  EXPECT_DOUBLE_EQ(plan->expected_finish, 600.0);
  EXPECT_TRUE(plan->warnings.empty());
  EXPECT_TRUE(ValidateSchedulerOptions(plan->scheduler).ok());
}

// A given max_budget (one member's full training) sets how many members fit: 1,200
// units / 9 = 133; a given population and interval are kept, and a population too
// large for the time says so.
TEST(TimePlanTest, PbtKeepsWhatTheConfigGives) {
  TimePlanInput input = Input(SchedulerKind::kPbt, 600.0, 4, 2.0);
  input.given = {};
  input.given.max_budget = true;
  Result<TimePlan> plan = PlanForTime(input);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->scheduler.pbt.population, 133);
  EXPECT_EQ(plan->scheduler.max_budget, 9.0);
  EXPECT_EQ(plan->scheduler.pbt.perturbation_interval, 1.0);

  input.given.population = true;
  input.given.perturbation_interval = true;
  input.scheduler.pbt.population = 200;
  input.scheduler.pbt.perturbation_interval = 3.0;
  input.scheduler.max_trials = 300;
  input.given.max_trials = true;
  plan = PlanForTime(input);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_TRUE(plan->derived.empty());
  EXPECT_EQ(plan->scheduler.pbt.population, 200);
  EXPECT_EQ(plan->scheduler.pbt.perturbation_interval, 3.0);
  EXPECT_EQ(plan->scheduler.max_trials, 300);
  EXPECT_DOUBLE_EQ(plan->expected_units, 1200.0);
  ASSERT_EQ(plan->warnings.size(), 1u);
  EXPECT_NE(plan->warnings[0].find("200 members x 9 units need more time"), std::string::npos) << plan->warnings[0];
}

}  // namespace
}  // namespace mpitune
