// The simulator driving the real schedulers on the curve objective: the study-level
// properties the simulator exists to show (ASHA keeps workers busy, synchronous
// SHA idles them at rung barriers).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mpitune/objective.h"
#include "core/forwarding_scheduler.h"
#include "mpitune/scheduler.h"
#include "sim/simulator.h"
#include "mpitune/space.h"

namespace mpitune {
namespace {

SearchSpace CurveSpace() {
  ParamSpec lr;
  lr.name = "lr";
  lr.type = ParamType::kLogUniform;
  lr.low = 1e-4;
  lr.high = 1e-1;
  ParamSpec width;
  width.name = "width";
  width.type = ParamType::kInt;
  width.low = 16;
  width.high = 512;
  ParamSpec optimiser;
  optimiser.name = "optimiser";
  optimiser.type = ParamType::kChoice;
  optimiser.choices = {std::string("sgd"), std::string("adam")};
  Result<SearchSpace> space = SearchSpace::Create({width, lr, optimiser});
  EXPECT_TRUE(space.ok()) << space.status().message();
  return space.value();
}

SchedulerOptions StudyOptions(SchedulerKind kind, std::int64_t max_trials, std::uint64_t seed) {
  SchedulerOptions options;
  options.kind = kind;
  options.variant = AshaVariant::kPromotion;
  options.max_trials = max_trials;
  options.min_budget = 1.0;
  options.max_budget = 27.0;
  options.eta = 3.0;
  options.seed = seed;
  return options;
}

struct Study {
  std::unique_ptr<Scheduler> scheduler;
  SimulationResult result;
};

Study RunStudy(const SchedulerOptions& options, std::int64_t workers, double time_limit = 0.0) {
  const SearchSpace space = CurveSpace();
  EXPECT_TRUE(ValidateSchedulerOptions(options).ok());
  Study study;
  study.scheduler = MakeScheduler(space, options);
  Result<std::unique_ptr<Objective>> objective =
      MakeObjective("curve", space, options.max_budget, options.seed);
  EXPECT_TRUE(objective.ok()) << objective.status().message();
  study.result = Simulate(*study.scheduler, **objective, {.workers = workers, .time_limit = time_limit});
  return study;
}

TEST(SimulatorSchedulersTest, FifoRunsEveryTrialToMaxBudget) {
  const Study study = RunStudy(StudyOptions(SchedulerKind::kFifo, 50, 1), 4);
  EXPECT_EQ(study.result.trials_started, 50);
  ASSERT_EQ(study.scheduler->trials().size(), 50u);
  for (const TrialRecord& record : study.scheduler->trials()) {
    EXPECT_EQ(record.state, TrialState::kCompleted) << "trial " << record.id;
    EXPECT_EQ(record.last_step, 27.0);
    EXPECT_EQ(record.reports, 27);
  }
  EXPECT_EQ(study.scheduler->running(), 0);
  // 50 assignments, 27 reports each, 50 finishes.
  EXPECT_EQ(study.result.events, 50 * 29);
  ASSERT_TRUE(study.result.best_trial.has_value());
  const TrialRecord& best = study.scheduler->trials()[static_cast<std::size_t>(*study.result.best_trial)];
  EXPECT_EQ(study.result.best_value, best.last_value);
  for (const TrialRecord& record : study.scheduler->trials()) {
    EXPECT_GE(record.last_value, study.result.best_value);
  }
}

// Passes every call through and notes when new trials start and when workers are
// told to wait.
class SpyScheduler final : public ForwardingScheduler {
 public:
  explicit SpyScheduler(Scheduler& inner) : ForwardingScheduler(inner) {}

  NextAction Next(double now) override { return NextWithin(now, HUGE_VAL); }
  NextAction NextWithin(double now, double max_units) override {
    NextAction action = inner().NextWithin(now, max_units);
    if (std::holds_alternative<Wait>(action)) {
      if (waits == 0) first_wait = now;
      ++waits;
    } else if (const auto* assignment = std::get_if<Assignment>(&action)) {
      if (assignment->trial > newest_trial) {
        newest_trial = assignment->trial;
        last_new_trial_time = now;
      }
    }
    return action;
  }

  std::int64_t waits = 0;
  double first_wait = -1.0;
  TrialId newest_trial = -1;
  double last_new_trial_time = -1.0;
};

// ASHA never holds a worker back while it can still start a new configuration, so
// its only idle time is the drain after the last new trial, which is at most one
// promotion chain long (the whole max_budget at the slowest cost, 2 s per unit).
// Note that over a whole fixed-size study this drain costs about as much as SHA's
// barriers do here (both near 0.88 utilisation): the drain is not counted against
// ASHA below, only bounded.
TEST(SimulatorSchedulersTest, AshaOnlyIdlesInTheFinalDrain) {
  const SearchSpace space = CurveSpace();
  const SchedulerOptions options = StudyOptions(SchedulerKind::kAsha, 2000, 3);
  const std::unique_ptr<Scheduler> asha = MakeScheduler(space, options);
  SpyScheduler spy(*asha);
  Result<std::unique_ptr<Objective>> objective = MakeObjective("curve", space, 27.0, 3);
  ASSERT_TRUE(objective.ok());
  const SimulationResult result = Simulate(spy, **objective, {.workers = 32});
  EXPECT_EQ(result.trials_started, 2000);
  EXPECT_EQ(spy.newest_trial, 1999);
  ASSERT_GT(spy.waits, 0);
  EXPECT_GE(spy.first_wait, spy.last_new_trial_time);
  EXPECT_LE(result.makespan - spy.last_new_trial_time, 2.0 * 27.0);
  // Before the drain every worker was busy all the time.
  const double drain = result.makespan - spy.last_new_trial_time;
  EXPECT_GE(result.busy_time, 32 * (result.makespan - drain) - 1e-6);
}

// The comparison the simulator exists for: the same workers for the same time. SHA
// runs its bracket of max_trials; ASHA, as it is meant to run, has more trials than
// the time allows and is cut off at SHA's makespan. SHA idles at every rung barrier
// (its upper rungs hold fewer trials than there are workers); ASHA never waits while
// it can start a new configuration.
TEST(SimulatorSchedulersTest, AshaKeepsWorkersBusyWhereShaIdlesAtBarriers) {
  struct Setup {
    std::int64_t workers;
    std::int64_t sha_trials;
    double max_budget;
    double sha_below;
  };
  for (const Setup setup : {Setup{64, 729, 81.0, 0.5}, Setup{32, 2000, 27.0, 0.93}}) {
    SchedulerOptions options = StudyOptions(SchedulerKind::kSha, setup.sha_trials, 1);
    options.max_budget = setup.max_budget;
    const Study sha = RunStudy(options, setup.workers);
    EXPECT_FALSE(sha.result.hit_time_limit);
    EXPECT_LT(sha.result.utilisation, setup.sha_below) << setup.workers << " workers";

    options.kind = SchedulerKind::kAsha;
    options.max_trials = 1'000'000;
    const Study asha = RunStudy(options, setup.workers, sha.result.makespan);
    EXPECT_TRUE(asha.result.hit_time_limit);
    EXPECT_DOUBLE_EQ(asha.result.makespan, sha.result.makespan);
    EXPECT_GT(asha.result.utilisation, 0.95) << setup.workers << " workers";
    EXPECT_LE(asha.result.utilisation, 1.0 + 1e-9);
    EXPECT_EQ(asha.scheduler->running(), 0);  // cut-off trials were handed back
    ASSERT_TRUE(asha.result.best_trial.has_value());
  }
}

TEST(SimulatorSchedulersTest, SameSeedSameStudy) {
  const Study a = RunStudy(StudyOptions(SchedulerKind::kAsha, 300, 7), 8);
  const Study b = RunStudy(StudyOptions(SchedulerKind::kAsha, 300, 7), 8);
  EXPECT_EQ(a.result.events, b.result.events);
  EXPECT_EQ(a.result.makespan, b.result.makespan);
  EXPECT_EQ(a.result.busy_time, b.result.busy_time);
  EXPECT_EQ(a.result.best_trial, b.result.best_trial);
  EXPECT_EQ(a.result.best_value, b.result.best_value);
  ASSERT_EQ(a.scheduler->trials().size(), b.scheduler->trials().size());
  for (std::size_t i = 0; i < a.scheduler->trials().size(); ++i) {
    EXPECT_EQ(a.scheduler->trials()[i].config, b.scheduler->trials()[i].config);
    EXPECT_EQ(a.scheduler->trials()[i].last_step, b.scheduler->trials()[i].last_step);
  }
  const Study other = RunStudy(StudyOptions(SchedulerKind::kAsha, 300, 8), 8);
  EXPECT_NE(a.result.makespan, other.result.makespan);
}

}  // namespace
}  // namespace mpitune
