// The read model: the value of a trial at a rung is the value it was ranked on there
// (not its latest), a trial that failed is never the best, parameters keep their
// types, and a study read back from its file says what the live one said.
#include "mpitune/study.h"

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "core/scheduler_test_util.h"
#include "core/space_test_util.h"
#include "store/study_store.h"
#include "study/study_builder.h"
#include "test_files.h"

namespace mpitune {
namespace {

using testing::ExpectAssignment;

StudyDefinition Definition(const SearchSpace& space, const SchedulerOptions& options) {
  StudyDefinition definition;
  definition.name = "read-model";
  definition.metric = "loss";
  definition.space = space;
  definition.scheduler = options;
  definition.config_yaml = "study: {name: read-model}\n";
  return definition;
}

Study Build(const StudyDefinition& definition, const Scheduler& scheduler) {
  StudyParts parts;
  parts.definition = &definition;
  parts.scheduler = &scheduler;
  return BuildStudy(parts);
}

// ASHA over budgets 1, 3, 9: trial 0 is promoted past rung 0 with 0.9 and pauses at
// rung 1 with 0.5; its value at rung 0 stays 0.9.
TEST(StudyTest, ValueAtARungIsTheValueRankedThereNotTheLatest) {
  const SearchSpace space = testing::OneParamSpace();
  const SchedulerOptions options = testing::Options(SchedulerKind::kAsha, 1, 9, 3);
  std::unique_ptr<Scheduler> scheduler = MakeScheduler(space, options);
  double now = 0.0;
  // Rung 0: three trials, so the best of them (trial 0) is promoted.
  for (int i = 0; i < 3; ++i) {
    const Assignment a = ExpectAssignment(scheduler->Next(now += 1));
    EXPECT_EQ(scheduler->Report(a.trial, 1.0, a.trial == 0 ? 0.9 : 2.0 + a.trial, now += 1).kind, DecisionKind::kPause);
    scheduler->Finished(a.trial, TrialOutcome::kExited, now += 1);
  }
  const Assignment promoted = ExpectAssignment(scheduler->Next(now += 1));
  ASSERT_EQ(promoted.trial, 0);
  ASSERT_EQ(promoted.budget, 3.0);
  (void)scheduler->Report(0, 2.0, 0.7, now += 1);
  EXPECT_EQ(scheduler->Report(0, 3.0, 0.5, now += 1).kind, DecisionKind::kPause);
  scheduler->Finished(0, TrialOutcome::kExited, now += 1);

  const StudyDefinition definition = Definition(space, options);
  const Study study = Build(definition, *scheduler);
  ASSERT_EQ(study.trials.size(), 3u);
  const StudyTrial& trial = study.trials[0];
  ASSERT_EQ(trial.rung_values.size(), 3u);
  EXPECT_EQ(trial.rung_values[0], std::optional<double>(0.9));
  EXPECT_EQ(trial.rung_values[1], std::optional<double>(0.5));
  EXPECT_FALSE(trial.rung_values[2]);
  EXPECT_EQ(trial.value, std::optional<double>(0.5));
  EXPECT_EQ(trial.value_budget, 3.0);
  EXPECT_EQ(trial.last_value, 0.5);
  ASSERT_EQ(study.rungs.size(), 3u);
  EXPECT_EQ(study.rungs[0].results, 3);
  EXPECT_EQ(study.rungs[0].promoted, 1);
  EXPECT_EQ(study.rungs[0].best, std::optional<TrialId>(0));
  EXPECT_EQ(study.rungs[0].best_value, 0.9);
  EXPECT_EQ(study.best, std::optional<TrialId>(0));
  EXPECT_EQ(RankTrials(study).front()->id, 0);
}

// FIFO to budget 3: trial 0 reports 0.5 and then crashes; trial 1 completes with 4.0.
// The crashed trial ranks worst however good its report was.
TEST(StudyTest, AFailedTrialIsNeverTheBest) {
  const SearchSpace space = testing::OneParamSpace();
  const SchedulerOptions options = testing::Options(SchedulerKind::kFifo, 1, 3, 2);
  std::unique_ptr<Scheduler> scheduler = MakeScheduler(space, options);
  const Assignment first = ExpectAssignment(scheduler->Next(1));
  EXPECT_EQ(scheduler->Report(first.trial, 1.0, 0.5, 2).kind, DecisionKind::kContinue);
  scheduler->Finished(first.trial, TrialOutcome::kFailed, 3);

  const StudyDefinition definition = Definition(space, options);
  Study study = Build(definition, *scheduler);
  // With only the failed trial at the top rung there is no best at all.
  EXPECT_FALSE(study.best);
  EXPECT_EQ(study.best_trial(), nullptr);
  ASSERT_EQ(study.trials.size(), 1u);
  ASSERT_TRUE(study.trials[0].value.has_value());
  EXPECT_TRUE(std::isnan(*study.trials[0].value));

  const Assignment second = ExpectAssignment(scheduler->Next(4));
  EXPECT_EQ(scheduler->Report(second.trial, 3.0, 4.0, 5).kind, DecisionKind::kStop);
  scheduler->Finished(second.trial, TrialOutcome::kExited, 6);
  study = Build(definition, *scheduler);
  EXPECT_EQ(study.best, std::optional<TrialId>(second.trial));
  const std::vector<const StudyTrial*> ranked = RankTrials(study);
  EXPECT_EQ(ranked.front()->id, second.trial);
  EXPECT_EQ(ranked.back()->id, first.trial);
  EXPECT_EQ(study.Count(TrialState::kFailed), 1);
}

TEST(StudyTest, ParametersKeepTheirOwnTypes) {
  const SearchSpace space = testing::MustCreate(
      {testing::Uniform("lr", 0.0, 1.0), testing::Int("layers", 1, 8),
       testing::Choice("opt", {ParamValue(true), ParamValue(std::int64_t{64}), ParamValue(0.5), ParamValue("adam")})});
  const SchedulerOptions options = testing::Options(SchedulerKind::kFifo, 1, 1, 20);
  std::unique_ptr<Scheduler> scheduler = MakeScheduler(space, options);
  for (int i = 0; i < 20; ++i) {
    const Assignment a = ExpectAssignment(scheduler->Next(i));
    (void)scheduler->Report(a.trial, 1.0, 1.0, i);
    scheduler->Finished(a.trial, TrialOutcome::kExited, i);
  }
  const StudyDefinition definition = Definition(space, options);
  const Study study = Build(definition, *scheduler);
  bool seen[4] = {};
  for (const StudyTrial& trial : study.trials) {
    ASSERT_EQ(trial.params.size(), 3u);
    EXPECT_TRUE(std::holds_alternative<double>(trial.params[0]));
    EXPECT_TRUE(std::holds_alternative<std::int64_t>(trial.params[1]));
    seen[trial.params[2].index()] = true;
  }
  // Twenty draws over four choices of four types: each type shows up.
  for (bool type_seen : seen) EXPECT_TRUE(type_seen);
}

class StudyFileTest : public testing::StoreTest {};

TEST_F(StudyFileTest, AStudyReadFromItsFileSaysWhatTheLiveOneSaid) {
  const SearchSpace space = testing::MustCreate(
      {testing::Uniform("x", 0.0, 1.0), testing::Choice("opt", {ParamValue("sgd"), ParamValue(std::int64_t{3})})});
  const SchedulerOptions options = testing::Options(SchedulerKind::kAsha, 1, 9, 12);
  const StudyDefinition definition = Definition(space, options);
  std::unique_ptr<Scheduler> inner = MakeScheduler(space, options);
  const std::string path = PathOf("study.h5");
  Result<std::unique_ptr<StudyStore>> store = StudyStore::Create(path, definition, *inner);
  ASSERT_TRUE(store.ok()) << store.status().message();
  Scheduler& scheduler = (*store)->scheduler();
  double now = 0.0;
  std::size_t runs = 0;
  bool done = false;
  for (int round = 0; round < 200 && !done; ++round) {
    NextAction action = scheduler.Next(now += 1);
    done = std::holds_alternative<Done>(action);
    if (!std::holds_alternative<Assignment>(action)) continue;
    const Assignment a = std::get<Assignment>(action);
    ++runs;
    (*store)->RunStarted(a.trial, 1, "cpu");
    for (double step = a.resume_step + 1; step <= a.budget; ++step) {
      const Decision d = scheduler.Report(a.trial, step, std::sin(a.trial + step), now += 1);
      if (d.kind != DecisionKind::kContinue) break;
    }
    (*store)->RunEnded(a.trial, 0, 1.0, "");
    scheduler.Finished(a.trial, TrialOutcome::kExited, now += 1);
  }
  const Study live = Build(definition, scheduler);
  ASSERT_TRUE((*store)->Close().ok());

  Result<Study> read = ReadStudy(path);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->name, "read-model");
  EXPECT_EQ(read->best, live.best);
  ASSERT_EQ(read->trials.size(), live.trials.size());
  for (std::size_t i = 0; i < live.trials.size(); ++i) {
    EXPECT_EQ(read->trials[i].params, live.trials[i].params) << i;
    EXPECT_EQ(read->trials[i].rung_values, live.trials[i].rung_values) << i;
    EXPECT_EQ(read->trials[i].state, live.trials[i].state) << i;
  }
  EXPECT_EQ(read->runs.size(), runs);
  EXPECT_TRUE(read->has_reports);
  EXPECT_FALSE(read->reports.empty());
  for (const RunRecord& run : read->runs) {
    EXPECT_TRUE(run.finished);
    EXPECT_GE(run.first_report_at, run.assigned_at);
  }
  ASSERT_TRUE(done);
  EXPECT_EQ(read->state, StudyState::kFinished);

  EXPECT_EQ(ReadStudy(PathOf("missing.h5")).status().kind(), ErrorKind::kBadInput);
}

}  // namespace
}  // namespace mpitune
