// `mpitune plan`, `--time-budget` and the time a study has used, from the command line.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "cli/cli_test_util.h"

namespace mpitune::cli_testing {
namespace {

class TimeBudgetCliTest : public CliTest {
 protected:
  void WriteConfig(const std::string& text) const { std::ofstream(dir_ / "study.yaml") << text; }
};

TEST_F(TimeBudgetCliTest, PlanPrintsTheDerivedSettingsAndKeepsTheGivenOnes) {
  // max_trials is left to the plan; the budgets are given.
  WriteConfig("study:\n  name: p\nspace:\n  x: {type: uniform, low: 0, high: 1}\n"
              "scheduler:\n  type: asha\n  min_budget: 1\n  max_budget: 9\n  eta: 3\ntrial:\n  objective: branin\n");
  const Invocation plan = Run({"plan", "study.yaml", "--time-budget", "100s", "--unit-seconds", "1"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  // 99.5 s usable on one worker: 44 trials (96 units), max_trials twice that.
  EXPECT_NE(plan.out.find("derived: scheduler.max_trials"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("settings: max_trials 88, min_budget 1, max_budget 9, eta 3"), std::string::npos)
      << plan.out;
  EXPECT_NE(plan.out.find("bracket 0: trials x budget per rung: 44 x 1, 14 x 3, 4 x 9 (96 units)"),
            std::string::npos)
      << plan.out;
}

TEST_F(TimeBudgetCliTest, PlanTakesTheBudgetFromTheExpectedTimeRatio) {
  // 4 full trainings of 9 units at 2 s a unit: 72 s.
  WriteConfig("study:\n  name: p\n  expected_time_ratio: 4\nspace:\n  x: {type: uniform, low: 0, high: 1}\n"
              "scheduler:\n  type: asha\n  max_budget: 9\ntrial:\n  objective: branin\n");
  const Invocation plan = Run({"plan", "study.yaml", "--unit-seconds", "2"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("time budget from study.expected_time_ratio: 4 full trainings of 9 units x 2 s = 1.2 min"),
            std::string::npos)
      << plan.out;
  EXPECT_NE(plan.out.find("time budget 1.2 min on 1 worker"), std::string::npos) << plan.out;
  const Invocation given = Run({"plan", "study.yaml", "--unit-seconds", "2", "--time-budget", "10m"});
  ASSERT_EQ(given.exit_code, 0) << given.err;
  EXPECT_EQ(given.out.find("expected_time_ratio"), std::string::npos) << given.out;
  const Invocation no_cost = Run({"plan", "study.yaml"});
  EXPECT_EQ(no_cost.exit_code, 2);
  EXPECT_NE(no_cost.err.find("trial.unit_seconds: not set"), std::string::npos) << no_cost.err;
}

TEST_F(TimeBudgetCliTest, BadBudgetsAndMissingCostsAreOneLineErrorsNamingTheKey) {
  WriteConfig("study:\n  name: p\n  time_budget: 2 hours\nspace:\n  x: {type: uniform, low: 0, high: 1}\n"
              "trial:\n  objective: branin\n");
  Invocation run = Run({"run", "study.yaml"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("study.yaml: study.time_budget: expected a duration > 0"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find('\n'), run.err.size() - 1) << run.err;

  WriteConfig("study:\n  name: p\nspace:\n  x: {type: uniform, low: 0, high: 1}\ntrial:\n  objective: branin\n");
  run = Run({"run", "study.yaml", "--time-budget", "soon"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--time-budget: expected a duration > 0"), std::string::npos) << run.err;
  const Invocation plan = Run({"plan", "study.yaml", "--time-budget", "1h"});
  EXPECT_EQ(plan.exit_code, 2);
  EXPECT_NE(plan.err.find("trial.unit_seconds: not set"), std::string::npos) << plan.err;
}

TEST_F(TimeBudgetCliTest, StatusShowsTheTimeUsedAndLeft) {
  WriteConfig("study:\n  name: p\n  time_budget: 1h\nspace:\n  x1: {type: uniform, low: -5, high: 10}\n"
              "  x2: {type: uniform, low: 0, high: 15}\n"
              "scheduler:\n  max_trials: 5\n  max_budget: 3\ntrial:\n  objective: branin\n");
  const Invocation run = Run({"run", "study.yaml", "-q"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out.find("deadline reached"), std::string::npos) << run.out;
  const Invocation status = Run({"status", "p.h5"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find(" used of 3600.000 s ("), std::string::npos) << status.out;
  const Invocation json = Run({"status", "p.h5", "--json"});
  EXPECT_NE(json.out.find("\"time_budget\": 3600.0"), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"time_left\": "), std::string::npos) << json.out;
}

TEST_F(TimeBudgetCliTest, StatusNamesTheSettingsThePlanChose) {
  // 1 h at 10 min a unit on one worker: a handful of units, max_trials from the plan.
  WriteConfig("study:\n  name: p\n  time_budget: 1h\nspace:\n  x1: {type: uniform, low: -5, high: 10}\n"
              "  x2: {type: uniform, low: 0, high: 15}\n"
              "scheduler:\n  type: asha\n  min_budget: 1\n  max_budget: 3\n"
              "trial:\n  objective: branin\n  unit_seconds: 600\n");
  const Invocation run = Run({"run", "study.yaml", "-q"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const Invocation status = Run({"status", "p.h5"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find(" used of 3600.000 s ("), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("; planned: scheduler.max_trials"), std::string::npos) << status.out;
  const Invocation json = Run({"status", "p.h5", "--json"});
  EXPECT_NE(json.out.find("\"derived\": [\n    \"scheduler.max_trials\""), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"max_budget\": 3.0"), std::string::npos) << json.out;
}

TEST_F(TimeBudgetCliTest, ARunsTimeBudgetIsStoredInTheStudyFile) {
  // The config has no budget; the run's --time-budget is the study's from then on.
  WriteConfig("study:\n  name: p\nspace:\n  x1: {type: uniform, low: -5, high: 10}\n"
              "  x2: {type: uniform, low: 0, high: 15}\n"
              "scheduler:\n  max_trials: 5\n  max_budget: 3\ntrial:\n  objective: branin\n");
  const Invocation run = Run({"run", "study.yaml", "-q", "--time-budget", "90m"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const Invocation json = Run({"status", "p.h5", "--json"});
  EXPECT_NE(json.out.find("\"time_budget\": 5400.0"), std::string::npos) << json.out;
  const Invocation status = Run({"status", "p.h5"});
  EXPECT_NE(status.out.find(" used of 5400.000 s ("), std::string::npos) << status.out;
}

}  // namespace
}  // namespace mpitune::cli_testing
