// The simulator against hand-written schedulers and objectives whose timings can be
// worked out on paper (the real schedulers are exercised in
// simulator_schedulers_test.cc).
#include "sim/simulator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mpitune {
namespace {

// Every trial's metric is its id plus 1/step, so the simulator's calls can be
// checked; the cost per budget unit is fixed.
class FixedCostObjective final : public Objective {
 public:
  explicit FixedCostObjective(double cost) : cost_(cost) {}
  const std::string& name() const override { return name_; }
  std::unique_ptr<ObjectiveSession> Start(const Config& /*config*/, TrialId trial,
                                          double /*resume_step*/) const override {
    return std::make_unique<Session>(trial);
  }
  double CostPerBudget(const Config& /*config*/) const override { return cost_; }

 private:
  class Session final : public ObjectiveSession {
   public:
    explicit Session(TrialId trial) : trial_(trial) {}
    double Advance(double budget) override { return static_cast<double>(trial_) + 1.0 / budget; }

   private:
    TrialId trial_;
  };
  std::string name_ = "fixed";
  double cost_;
};

struct ReportLog {
  TrialId trial;
  double step;
  double value;
  double now;
};

// A scripted scheduler: hands out `plan` in order (each entry an assignment),
// optionally only after all earlier trials have finished (a barrier), then Done
// once everything has finished. Decisions come from `stop_at` (Stop when a trial
// reports that step) and are Continue otherwise.
class ScriptedScheduler final : public Scheduler {
 public:
  struct Item {
    double budget = 1.0;
    double resume_step = 0.0;
    bool barrier = false;  // wait until every earlier item has finished
    double stop_at = -1.0;
  };

  explicit ScriptedScheduler(std::vector<Item> plan) : plan_(std::move(plan)) {}

  NextAction Next(double now) override {
    if (next_ == plan_.size()) {
      if (finished_ == plan_.size()) return Done{};
      return Wait{};
    }
    const Item& item = plan_[next_];
    if (item.barrier && finished_ < next_) return Wait{};
    TrialRecord record;
    record.id = static_cast<TrialId>(next_);
    record.state = TrialState::kRunning;
    record.target_budget = item.budget;
    record.start_time = now;
    records_.push_back(record);
    Assignment assignment;
    assignment.trial = record.id;
    assignment.budget = item.budget;
    assignment.resume_step = item.resume_step;
    ++next_;
    ++running_;
    return assignment;
  }

  Decision Report(TrialId trial, double step, double value, double now) override {
    reports.push_back({trial, step, value, now});
    TrialRecord& record = records_[static_cast<std::size_t>(trial)];
    record.last_step = step;
    record.last_value = value;
    ++record.reports;
    if (step == plan_[static_cast<std::size_t>(trial)].stop_at) return Decision::Stop();
    return Decision::Continue();
  }

  void Finished(TrialId trial, TrialOutcome outcome, double now) override {
    EXPECT_EQ(outcome, TrialOutcome::kExited);
    TrialRecord& record = records_[static_cast<std::size_t>(trial)];
    EXPECT_EQ(record.state, TrialState::kRunning) << "trial " << trial << " finished twice";
    record.state = TrialState::kCompleted;
    record.end_time = now;
    ++finished_;
    --running_;
  }

  void Save(SavedState& /*state*/) const override {}
  Status Load(const SavedState& /*state*/) override { return Status::Ok(); }
  const SchedulerOptions& options() const override { return options_; }
  const SearchSpace& space() const override { return space_; }
  std::size_t trial_count() const override { return records_.size(); }
  const TrialRecord& trial(TrialId id) const override { return records_[static_cast<std::size_t>(id)]; }
  std::int64_t running() const override { return running_; }
  // One rung of every trial's last value, so the best is the lowest: enough to check
  // the simulator copies it through.
  void VisitRungs(RungVisitor& visitor) const override {
    visitor.BeginRung(0, 0, 1.0);
    for (const TrialRecord& record : records_) visitor.Entry(RungEntry{record.id, record.last_value, false, false});
  }

  std::vector<ReportLog> reports;

 private:
  std::vector<Item> plan_;
  std::size_t next_ = 0;
  std::size_t finished_ = 0;
  std::int64_t running_ = 0;
  std::vector<TrialRecord> records_;
  SchedulerOptions options_;
  SearchSpace space_;
};

std::vector<ScriptedScheduler::Item> EqualTrials(int count, double budget) {
  return std::vector<ScriptedScheduler::Item>(static_cast<std::size_t>(count),
                                              ScriptedScheduler::Item{budget, 0.0, false, -1.0});
}

TEST(SimulatorTest, RunsEveryTrialToItsBudget) {
  ScriptedScheduler scheduler(EqualTrials(10, 5.0));
  const FixedCostObjective objective(1.0);
  const SimulationResult result = Simulate(scheduler, objective, {.workers = 3});
  EXPECT_EQ(result.trials_started, 10);
  // One assignment, five reports and one finish per trial.
  EXPECT_EQ(result.events, 10 * 7);
  EXPECT_EQ(scheduler.reports.size(), 50u);
  for (const TrialRecord& record : scheduler.trials()) {
    EXPECT_EQ(record.state, TrialState::kCompleted);
    EXPECT_EQ(record.last_step, 5.0);
  }
}

TEST(SimulatorTest, MakespanOfEqualTrialsIsWavesTimesDuration) {
  // 10 trials of 5 units at 2 s/unit plus 0.5 s latency on 4 workers: three waves
  // of 10.5 s; the workers are busy for 10 x 10.5 s in all.
  ScriptedScheduler scheduler(EqualTrials(10, 5.0));
  const FixedCostObjective objective(2.0);
  const SimulationResult result =
      Simulate(scheduler, objective, {.workers = 4, .report_every = 1.0, .assign_latency = 0.5});
  EXPECT_DOUBLE_EQ(result.makespan, 31.5);
  EXPECT_DOUBLE_EQ(result.busy_time, 105.0);
  EXPECT_DOUBLE_EQ(result.utilisation, 105.0 / (4 * 31.5));
}

TEST(SimulatorTest, ReportsAtMultiplesOfReportEveryAndAtTheBudget) {
  ScriptedScheduler scheduler({{5.0, 0.0, false, -1.0}, {9.0, 3.0, true, -1.0}});
  const FixedCostObjective objective(1.0);
  const SimulationResult result =
      Simulate(scheduler, objective, {.workers = 1, .report_every = 2.0, .assign_latency = 1.0});
  std::vector<double> steps;
  std::vector<double> times;
  for (const ReportLog& report : scheduler.reports) {
    steps.push_back(report.step);
    times.push_back(report.now);
    EXPECT_DOUBLE_EQ(report.value, static_cast<double>(report.trial) + 1.0 / report.step);
  }
  // Trial 0: 1 s latency, then reports at steps 2, 4, 5. Trial 1 resumes at step 3
  // at t = 6: latency again, then steps 4, 6, 8, 9 at 1 s per unit from step 3.
  EXPECT_EQ(steps, (std::vector<double>{2, 4, 5, 4, 6, 8, 9}));
  EXPECT_EQ(times, (std::vector<double>{3, 5, 6, 8, 10, 12, 13}));
  EXPECT_DOUBLE_EQ(result.makespan, 13.0);
}

TEST(SimulatorTest, FractionalReportStepsLandOnTheBudget) {
  ScriptedScheduler scheduler(EqualTrials(1, 1.0));
  const FixedCostObjective objective(1.0);
  const SimulationResult result =
      Simulate(scheduler, objective, {.workers = 1, .report_every = 0.1});
  ASSERT_EQ(scheduler.reports.size(), 10u);
  EXPECT_EQ(scheduler.reports.back().step, 1.0);
  EXPECT_DOUBLE_EQ(result.makespan, 1.0);
}

TEST(SimulatorTest, StopFreesTheWorkerEarly) {
  ScriptedScheduler scheduler({{10.0, 0.0, false, 2.0}, {10.0, 0.0, false, -1.0}});
  const FixedCostObjective objective(1.0);
  const SimulationResult result = Simulate(scheduler, objective, {.workers = 1});
  // Trial 0 stops at t = 2, trial 1 then runs its 10 units.
  EXPECT_DOUBLE_EQ(result.makespan, 12.0);
  EXPECT_EQ(scheduler.reports.size(), 12u);
  EXPECT_DOUBLE_EQ(result.utilisation, 1.0);
}

TEST(SimulatorTest, WaitingWorkersAreRetriedAfterAFinish) {
  // Trial 1 waits for trial 0 (a rung barrier); the second worker idles meanwhile.
  ScriptedScheduler scheduler({{10.0, 0.0, false, -1.0}, {1.0, 0.0, true, -1.0}});
  const FixedCostObjective objective(1.0);
  const SimulationResult result = Simulate(scheduler, objective, {.workers = 2});
  EXPECT_EQ(result.trials_started, 2);
  EXPECT_DOUBLE_EQ(result.makespan, 11.0);
  EXPECT_DOUBLE_EQ(result.busy_time, 11.0);
  EXPECT_DOUBLE_EQ(result.utilisation, 0.5);
}

TEST(SimulatorTest, SimultaneousReportsArriveInAssignmentOrder) {
  ScriptedScheduler scheduler(EqualTrials(5, 3.0));
  const FixedCostObjective objective(1.0);
  const SimulationResult result = Simulate(scheduler, objective, {.workers = 5});
  ASSERT_EQ(scheduler.reports.size(), 15u);
  for (std::size_t i = 0; i < scheduler.reports.size(); ++i) {
    EXPECT_EQ(scheduler.reports[i].trial, static_cast<TrialId>(i % 5));
    EXPECT_DOUBLE_EQ(scheduler.reports[i].step, static_cast<double>(i / 5 + 1));
  }
  EXPECT_DOUBLE_EQ(result.utilisation, 1.0);
}

TEST(SimulatorTest, BestTrialAndValueComeFromTheScheduler) {
  ScriptedScheduler scheduler(EqualTrials(4, 2.0));
  const FixedCostObjective objective(1.0);
  const SimulationResult result = Simulate(scheduler, objective, {.workers = 2});
  ASSERT_TRUE(result.best_trial.has_value());
  EXPECT_EQ(*result.best_trial, 0);
  EXPECT_DOUBLE_EQ(result.best_value, 0.5);
}

TEST(SimulatorTest, NoWorkersSimulatesNothing) {
  ScriptedScheduler scheduler(EqualTrials(4, 2.0));
  const FixedCostObjective objective(1.0);
  const SimulationResult result = Simulate(scheduler, objective, {.workers = 0});
  EXPECT_EQ(result.trials_started, 0);
  EXPECT_EQ(result.makespan, 0.0);
}

}  // namespace
}  // namespace mpitune
