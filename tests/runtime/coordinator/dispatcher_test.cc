// Rank 0's decisions without messages: batched reports answered up to the decisive
// one, moot reports dropped (after a Stop, or from before an Exploit), an Exploit
// answered with the donor's checkpoint, lowest worker first, lost workers.
#include "runtime/coordinator/dispatcher.h"

#include <deque>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "core/scheduler_test_util.h"

namespace mpitune {
namespace {

// Hands out trials 0, 1, 2, ... and answers reports from a script.
class ScriptedScheduler final : public Scheduler {
 public:
  NextAction Next(double now) override {
    if (!resumes.empty()) {
      Assignment resume = resumes.front();
      resumes.pop_front();
      ++running_;
      return resume;
    }
    if (next_ >= limit) return running_ > 0 ? NextAction{Wait{}} : NextAction{Done{}};
    TrialRecord record;
    record.id = next_++;
    record.state = TrialState::kRunning;
    record.start_time = now;
    records_.push_back(record);
    ++running_;
    Assignment assignment;
    assignment.trial = record.id;
    assignment.budget = 9.0;
    return assignment;
  }
  Decision Report(TrialId trial, double step, double value, double) override {
    reports.push_back({trial, step, value});
    if (answers.empty()) return Decision::Continue();
    Decision decision = answers.front();
    answers.pop_front();
    return decision;
  }
  void Finished(TrialId trial, TrialOutcome outcome, double) override {
    finished.push_back({trial, outcome});
    --running_;
  }
  void Save(SavedState&) const override {}
  Status Load(const SavedState&) override { return Status::Ok(); }
  const SchedulerOptions& options() const override { return options_; }
  const SearchSpace& space() const override { return space_; }
  std::size_t trial_count() const override { return records_.size(); }
  const TrialRecord& trial(TrialId id) const override { return records_[static_cast<std::size_t>(id)]; }
  std::int64_t running() const override { return running_; }
  void VisitRungs(RungVisitor&) const override {}

  struct Seen {
    TrialId trial;
    double step;
    double value;
  };
  std::deque<Decision> answers;
  std::deque<Assignment> resumes;  // handed out before any new trial
  std::vector<Seen> reports;
  std::vector<std::pair<TrialId, TrialOutcome>> finished;
  TrialId limit = 100;

 private:
  TrialId next_ = 0;
  std::int64_t running_ = 0;
  std::vector<TrialRecord> records_;
  SchedulerOptions options_;
  SearchSpace space_ = testing::OneParamSpace();
};

struct Handed {
  int worker;
  TrialId trial;
  std::vector<std::uint8_t> restore;
};

Dispatcher::AssignFn Record(std::vector<Handed>& out) {
  return [&out](int worker, const Assignment& assignment, const std::vector<std::uint8_t>& restore) {
    out.push_back({worker, assignment.trial, restore});
    return Status::Ok();
  };
}

TEST(DispatcherTest, IdleWorkersGetWorkLowestFirstOnceJoined) {
  ScriptedScheduler scheduler;
  Dispatcher dispatcher(scheduler, 3, DispatcherOptions{});
  std::vector<Handed> handed;
  dispatcher.Join(2, 3, "gpu2", 0.0);
  dispatcher.Join(0, 1, "gpu0", 0.0);
  ASSERT_TRUE(dispatcher.HandOut(1.0, Record(handed)).ok());
  ASSERT_EQ(handed.size(), 2u);
  EXPECT_EQ(handed[0].worker, 0);
  EXPECT_EQ(handed[1].worker, 2);
  ASSERT_EQ(dispatcher.summary().runs.size(), 2u);
  EXPECT_EQ(dispatcher.summary().runs[0].rank, 1);
  EXPECT_EQ(dispatcher.summary().runs[1].device, "gpu2");
  EXPECT_EQ(dispatcher.running(), 2);
}

TEST(DispatcherTest, ABatchIsAnsweredUpToItsFirstStopAndLaterReportsAreMoot) {
  ScriptedScheduler scheduler;
  scheduler.answers = {Decision::Continue(), Decision::Stop()};
  Dispatcher dispatcher(scheduler, 1, DispatcherOptions{});
  std::vector<Handed> handed;
  dispatcher.Join(0, 1, "cpu", 0.0);
  ASSERT_TRUE(dispatcher.HandOut(1.0, Record(handed)).ok());
  const std::vector<double> steps = {1, 2, 3, 4};
  const std::vector<double> values = {0.4, 0.3, 0.2, 0.1};
  std::optional<ReportAnswer> answer = dispatcher.Report(0, 0, 0, steps, values, 2.0);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->answered, 2u);
  EXPECT_EQ(answer->decision.kind, DecisionKind::kStop);
  EXPECT_EQ(scheduler.reports.size(), 2u);  // reports 3 and 4 never reach the scheduler
  // The worker ran ahead: its next batch is moot and goes unanswered.
  EXPECT_FALSE(dispatcher.Report(0, 0, 0, steps, values, 3.0));
  EXPECT_EQ(scheduler.reports.size(), 2u);
  EXPECT_EQ(dispatcher.summary().reports, 2);
  dispatcher.Finished(0, 0, RunEnd{}, 4.0);
  ASSERT_EQ(scheduler.finished.size(), 1u);
  // A Finished for a trial the worker no longer runs is stale.
  dispatcher.Finished(0, 0, RunEnd{}, 5.0);
  EXPECT_EQ(scheduler.finished.size(), 1u);
}

TEST(DispatcherTest, AnExploitCarriesTheDonorCheckpointAndStartsANewSegment) {
  ScriptedScheduler scheduler;
  Dispatcher dispatcher(scheduler, 2, DispatcherOptions{});
  std::vector<Handed> handed;
  dispatcher.Join(0, 1, "cpu", 0.0);
  dispatcher.Join(1, 2, "cpu", 0.0);
  ASSERT_TRUE(dispatcher.HandOut(1.0, Record(handed)).ok());
  ASSERT_EQ(handed.size(), 2u);
  // Trial 0 pauses with a checkpoint at step 3.
  scheduler.answers = {Decision::Pause()};
  const std::vector<double> step3 = {3.0};
  const std::vector<double> value = {0.1};
  ASSERT_TRUE(dispatcher.Report(0, 0, 0, step3, value, 2.0));
  dispatcher.Finished(0, 0, RunEnd{TrialOutcome::kExited, 0, 1.0, "", 3.0, {7, 8, 9}, {}}, 3.0);
  // Trial 1 exploits trial 0.
  scheduler.answers = {Decision{DecisionKind::kExploit, 0, Config{{0.25}}}};
  const std::vector<double> step2 = {2.0};
  std::optional<ReportAnswer> answer = dispatcher.Report(1, 1, 0, step2, value, 4.0);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->decision.kind, DecisionKind::kExploit);
  EXPECT_EQ(answer->decision.donor, 0);
  EXPECT_EQ(answer->decision.new_config, (Config{{0.25}}));
  EXPECT_EQ(answer->restore_step, 3.0);
  ASSERT_NE(answer->restore_state, nullptr);
  EXPECT_EQ(*answer->restore_state, (std::vector<std::uint8_t>{7, 8, 9}));
  // Reports measured before the exploit (segment 0) are moot; segment 1 goes on.
  EXPECT_FALSE(dispatcher.Report(1, 1, 0, step3, value, 5.0));
  EXPECT_TRUE(dispatcher.Report(1, 1, 1, step3, value, 6.0));
}

TEST(DispatcherTest, APausedTrialResumesWithItsCheckpoint) {
  ScriptedScheduler scheduler;
  scheduler.limit = 1;
  Dispatcher dispatcher(scheduler, 1, DispatcherOptions{});
  std::vector<Handed> handed;
  dispatcher.Join(0, 1, "cpu", 0.0);
  ASSERT_TRUE(dispatcher.HandOut(1.0, Record(handed)).ok());
  ASSERT_EQ(handed.size(), 1u);
  EXPECT_TRUE(handed[0].restore.empty());
  dispatcher.Finished(0, 0, RunEnd{TrialOutcome::kExited, 0, 1.0, "", 3.0, {1, 2}, {}}, 2.0);
  Assignment resume;
  resume.trial = 0;
  resume.budget = 9.0;
  resume.resume_step = 3.0;
  scheduler.resumes.push_back(resume);
  ASSERT_TRUE(dispatcher.HandOut(3.0, Record(handed)).ok());
  ASSERT_EQ(handed.size(), 2u);
  EXPECT_EQ(handed[1].trial, 0);
  EXPECT_EQ(handed[1].restore, (std::vector<std::uint8_t>{1, 2}));
  EXPECT_EQ(dispatcher.summary().trials_started, 1);
  EXPECT_EQ(dispatcher.summary().assignments, 2);
}

TEST(DispatcherTest, DoneReleasesIdleWorkersOnce) {
  ScriptedScheduler scheduler;
  scheduler.limit = 0;
  Dispatcher dispatcher(scheduler, 2, DispatcherOptions{});
  dispatcher.Join(0, 1, "cpu", 0.0);
  std::vector<Handed> handed;
  ASSERT_TRUE(dispatcher.HandOut(1.0, Record(handed)).ok());
  EXPECT_TRUE(dispatcher.done());
  // Worker 1 has not joined yet: it is waited for, not released blind.
  EXPECT_EQ(dispatcher.TakeWorkersToRelease(), std::vector<int>{0});
  EXPECT_FALSE(dispatcher.AllReleased());
  dispatcher.Join(1, 2, "cpu", 2.0);
  EXPECT_EQ(dispatcher.TakeWorkersToRelease(), std::vector<int>{1});
  EXPECT_TRUE(dispatcher.TakeWorkersToRelease().empty());
  EXPECT_TRUE(dispatcher.AllReleased());
}

TEST(DispatcherTest, ASilentWorkerIsLostAndItsTrialWithIt) {
  ScriptedScheduler scheduler;
  DispatcherOptions options;
  options.lost_after_seconds = 10.0;
  Dispatcher dispatcher(scheduler, 2, options);
  std::vector<Handed> handed;
  dispatcher.Join(0, 1, "cpu", 0.0);
  dispatcher.Join(1, 2, "cpu", 0.0);
  ASSERT_TRUE(dispatcher.HandOut(0.0, Record(handed)).ok());
  dispatcher.Heard(0, 8.0);
  EXPECT_TRUE(dispatcher.DeclareLost(5.0).empty());
  EXPECT_EQ(dispatcher.DeclareLost(12.0), std::vector<int>{1});
  ASSERT_EQ(scheduler.finished.size(), 1u);
  EXPECT_EQ(scheduler.finished[0], std::make_pair(TrialId{1}, TrialOutcome::kLost));
  EXPECT_EQ(dispatcher.summary().lost_workers, 1);
  EXPECT_NE(dispatcher.summary().last_failure.find("trial 1 on rank 2"), std::string::npos);
  // A lost worker gets no more work, even when it speaks again.
  dispatcher.Finished(1, 1, RunEnd{}, 13.0);
  EXPECT_EQ(scheduler.finished.size(), 1u);
}

RunEnd Failed() { return RunEnd{TrialOutcome::kFailed, 2, 0.1, "exited with code 2", 0.0, {}, {}}; }

// Regression (issue 9, item 2): a study whose trials all failed ran every one of
// them. Rank 0 stops handing out work after fail_fast failures with no success, and
// interrupts what still runs, whichever driver feeds it.
TEST(DispatcherTest, FailFastStopsHandingOutAndInterruptsTheRest) {
  ScriptedScheduler scheduler;
  DispatcherOptions options;
  options.fail_fast = 3;
  Dispatcher dispatcher(scheduler, 2, options);
  std::vector<Handed> handed;
  dispatcher.Join(0, 1, "cpu", 0.0);
  dispatcher.Join(1, 2, "cpu", 0.0);
  ASSERT_TRUE(dispatcher.HandOut(0.0, Record(handed)).ok());  // trials 0, 1
  dispatcher.Finished(0, 0, Failed(), 1.0);
  ASSERT_TRUE(dispatcher.HandOut(1.0, Record(handed)).ok());  // trial 2
  dispatcher.Finished(1, 1, Failed(), 2.0);
  EXPECT_FALSE(dispatcher.stopping());
  EXPECT_TRUE(dispatcher.TakeRunsToInterrupt().empty());
  ASSERT_TRUE(dispatcher.HandOut(2.0, Record(handed)).ok());  // trial 3
  ASSERT_EQ(handed.size(), 4u);
  dispatcher.Finished(0, 2, Failed(), 3.0);
  EXPECT_TRUE(dispatcher.stopping());
  EXPECT_TRUE(dispatcher.summary().failed_fast);
  EXPECT_FALSE(dispatcher.summary().interrupted);
  ASSERT_TRUE(dispatcher.HandOut(3.0, Record(handed)).ok());
  EXPECT_EQ(handed.size(), 4u) << "nothing more is handed out";
  using Interrupt = std::pair<int, TrialId>;
  EXPECT_EQ(dispatcher.TakeRunsToInterrupt(), (std::vector<Interrupt>{{1, 3}}));
  EXPECT_TRUE(dispatcher.TakeRunsToInterrupt().empty()) << "each run is interrupted once";
  EXPECT_EQ(dispatcher.TakeWorkersToRelease(), std::vector<int>{0});
}

TEST(DispatcherTest, OneRunThatEndsWellTurnsFailFastOff) {
  ScriptedScheduler scheduler;
  DispatcherOptions options;
  options.fail_fast = 2;
  Dispatcher dispatcher(scheduler, 1, options);
  std::vector<Handed> handed;
  dispatcher.Join(0, 1, "cpu", 0.0);
  ASSERT_TRUE(dispatcher.HandOut(0.0, Record(handed)).ok());
  dispatcher.Finished(0, 0, RunEnd{}, 1.0);
  for (TrialId trial = 1; trial <= 4; ++trial) {
    ASSERT_TRUE(dispatcher.HandOut(static_cast<double>(trial), Record(handed)).ok());
    dispatcher.Finished(0, trial, Failed(), static_cast<double>(trial) + 0.5);
  }
  EXPECT_FALSE(dispatcher.stopping());
  EXPECT_FALSE(dispatcher.summary().failed_fast);
}

}  // namespace
}  // namespace mpitune
