// A built-in objective's run: the report grid from a resume step, a checkpoint, and an
// exploit that continues from the donor's state at the donor's step with new values.
#include "runtime/worker/objective_run.h"

#include <vector>

#include <gtest/gtest.h>

#include "scripted_objective.h"

namespace mpitune {
namespace {

using testing::ScriptedObjective;

Assignment Assign(TrialId trial, double x, double budget, double resume_step) {
  Assignment assignment;
  assignment.trial = trial;
  assignment.config.values = {x};
  assignment.budget = budget;
  assignment.resume_step = resume_step;
  return assignment;
}

TEST(ObjectiveRunTest, ReportsOnTheGridFromItsResumeStepToItsBudget) {
  ScriptedObjective objective;
  ObjectiveRun run;
  ASSERT_TRUE(run.Start(objective, Assign(4, 0.5, 5.0, 2.0), {}, 2.0).ok());
  std::vector<double> steps;
  while (run.NextStep()) steps.push_back(run.Advance().step);
  EXPECT_EQ(steps, (std::vector<double>{4.0, 5.0}));
  EXPECT_EQ(run.step(), 5.0);
  EXPECT_FALSE(run.NextStep());
}

TEST(ObjectiveRunTest, AnExploitContinuesFromTheDonorsStepWithTheNewConfig) {
  ScriptedObjective objective;
  ObjectiveRun run;
  ASSERT_TRUE(run.Start(objective, Assign(1, 0.5, 10.0, 0.0), {}, 1.0).ok());
  EXPECT_EQ(run.Advance().value, 0.5 + 1.0);
  ASSERT_TRUE(run.Exploit(ExploitSource{7, Config{{2.0}}, 6.0, {}}).ok());
  EXPECT_EQ(run.step(), 6.0);
  const MetricPoint point = run.Advance();
  EXPECT_EQ(point.step, 7.0);
  EXPECT_DOUBLE_EQ(point.value, 2.0 + 1.0 / 7.0);
  ASSERT_EQ(objective.starts.size(), 2u);
  EXPECT_EQ(objective.starts[1].trial, 1);  // the recipient goes on as itself
  EXPECT_EQ(objective.starts[1].step, 6.0);
}

}  // namespace
}  // namespace mpitune
