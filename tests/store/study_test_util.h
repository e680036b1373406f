// Helpers for the study store tests: the study configs of every scheduler set-up, and
// a deterministic cluster that drives a scheduler (and, optionally, the store's
// runtime facts) one scheduler call at a time, with failures and NaN metrics.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <tuple>
#include <variant>
#include <vector>
#include <deque>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "mpitune/rng.h"
#include "study/stored_config.h"
#include "mpitune/scheduler.h"
#include "config/study_config.h"
#include "store/study_store.h"

namespace mpitune::testing {

// One scheduler set-up over a small mixed space (a float and a choice), eta 3,
// budgets 1..9.
struct StudyCase {
  std::string name;
  std::string type;     // scheduler.type
  std::string variant;  // scheduler.variant (asha, hyperband); "" for fifo and sha
  std::int64_t max_trials = 30;
  std::string sampler = "random";  // scheduler.sampler
};

inline void PrintTo(const StudyCase& c, std::ostream* os) { *os << c.name; }

inline std::vector<StudyCase> AllStudyCases() {
  return {
      {"fifo", "fifo", "", 12},
      {"sha", "sha", "", 27},
      {"asha_promotion", "asha", "promotion", 30},
      {"asha_stopping", "asha", "stopping", 30},
      {"hyperband", "hyperband", "promotion", 30},
      {"pbt", "pbt", "", 16},  // 8 members, and replacements for the members that fail
      // The model-based sampler, with enough trials that it fits a model (and refits
      // from a higher rung) before the end.
      {"asha_tpe", "asha", "promotion", 40, "tpe"},
      {"hyperband_tpe", "hyperband", "stopping", 40, "tpe"},
  };
}

inline std::string StudyCaseName(const ::testing::TestParamInfo<StudyCase>& info) { return info.param.name; }

inline std::string StudyYaml(const StudyCase& c, std::uint64_t seed = 5) {
  return fmt::format(R"(study:
  name: store-{0}
  metric: loss
  mode: min
  seed: {1}
space:
  x: {{type: uniform, low: 0, high: 1}}
  opt: {{type: choice, values: [sgd, adam, adamw]}}
scheduler:
  type: {2}{3}
  sampler: {5}
  max_trials: {4}
  min_budget: 1
  max_budget: 9
  eta: 3
trial:
  objective: curve
  timeout: 30
resources:
  gpus_per_trial: 0
)",
                     c.name, seed, c.type,
                     c.type == "pbt" ? fmt::format("\n  population: {}", std::max<std::int64_t>(2, c.max_trials / 2))
                     : c.variant.empty() ? ""
                                         : "\n  variant: " + c.variant,
                     c.max_trials, c.sampler);
}

inline StudyConfig ParseConfigOrDie(const std::string& yaml, const std::string& source = "study.yaml") {
  Result<StudyConfig> config = ParseStudyConfig(yaml, source);
  EXPECT_TRUE(config.ok()) << config.status().message();
  return config.ok() ? *config : StudyConfig{};
}

inline SavedState StateOf(const Scheduler& scheduler) {
  SavedState state;
  scheduler.Save(state);
  return state;
}

// The keys whose values differ between two saved states (for failure messages).
inline std::string StateDiff(const SavedState& got, const SavedState& want) {
  std::string diff;
  for (const auto& [key, field] : want.fields()) {
    const auto it = got.fields().find(key);
    if (it == got.fields().end()) {
      diff += " missing:" + key;
    } else {
      SavedState a, b;
      a.Set(key, it->second);
      b.Set(key, field);
      if (!(a == b)) diff += " differs:" + key;
    }
  }
  for (const auto& [key, field] : got.fields()) {
    if (want.fields().count(key) == 0) diff += " extra:" + key;
  }
  return diff;
}

// Every report a store holds (its file's snapshot and the newer ones).
inline std::vector<ReportRecord> AllReportsOf(StudyStore& store) {
  Result<StoredReports> reports = store.AllReports();
  EXPECT_TRUE(reports.ok()) << reports.status().message();
  if (!reports.ok()) return {};
  return {reports->begin(), reports->end()};
}

// A report as a comparable value: doubles by their bits, so NaN equals NaN.
using ReportKey = std::tuple<TrialId, std::uint64_t, std::uint64_t>;  // trial, step, value
inline ReportKey KeyOf(const ReportRecord& report) {
  return {report.trial, std::bit_cast<std::uint64_t>(report.step), std::bit_cast<std::uint64_t>(report.value)};
}
inline std::string Describe(const ReportRecord& r) {
  return fmt::format("trial {} step {} value {} time {} rank {}", r.trial, r.step, r.value, r.time, r.rank);
}
inline bool SameReport(const ReportRecord& a, const ReportRecord& b) {
  return KeyOf(a) == KeyOf(b) && std::bit_cast<std::uint64_t>(a.time) == std::bit_cast<std::uint64_t>(b.time) &&
         a.rank == b.rank;
}
// Exact equality of two report lists, with the first difference as the failure text.
template <typename Got, typename Want>
::testing::AssertionResult SameReports(const Got& got, const Want& want) {
  for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    if (!SameReport(got[i], want[i])) {
      return ::testing::AssertionFailure() << "report " << i << ": got " << Describe(got[i]) << ", want "
                                           << Describe(want[i]);
    }
  }
  if (got.size() != want.size()) {
    return ::testing::AssertionFailure() << got.size() << " reports, want " << want.size();
  }
  return ::testing::AssertionSuccess();
}

// A deterministic cluster of `workers` workers (ranks 1..workers). Every Step makes
// exactly one scheduler call for one worker picked by the cluster's own RNG:
//   a free worker asks Next (an assignment goes to the observer as RunStarted);
//   a running worker reports its next step (about 6% NaN metrics; the observer gets a
//     checkpoint while the trial goes on), or fails (kFailed / kTimedOut, about 4%);
//   a worker whose trial was told to stop or pause, or reached its budget, ends the
//     run (RunEnded to the observer, then Finished).
// With set_limits(true), every 4th Next is asked with room for 2 budget units and
// every 7th with none (Scheduler::NextWithin, as under a deadline), and every 13th step
// re-plans instead: SetMaxTrials to twice the first max_trials, or back down to the
// larger of the trials started and the first max_trials (plus 0..2); every third of
// those SetMaxBudget instead, to twice the first max_budget or a third of it.
// Fake time advances by `tick` per step. Copyable: a copy continues identically.
// `after_call`, when set, runs right after each scheduler call, before the runtime
// facts that follow it (a test reads the store's sequence number there).
class StudyDriver {
 public:
  StudyDriver(int workers, std::uint64_t seed, double tick = 0.001, double start = 0.0)
      : rng_(seed), workers_(static_cast<std::size_t>(workers)), tick_(tick), now_(start) {}

  bool finished() const { return retired_ == workers_.size(); }
  void set_after_call(std::function<void()> after_call) { after_call_ = std::move(after_call); }
  void set_limits(bool limits) { limits_ = limits; }
  double now() const { return now_; }
  const std::vector<ReportRecord>& reports() const { return reports_; }
  const std::vector<Assignment>& assignments() const { return assignments_; }
  // Steps that were a Next answered with Wait.
  std::int64_t waits() const { return waits_; }
  std::int64_t failures() const { return failures_; }
  std::int64_t nan_reports() const { return nan_reports_; }

  // One scheduler call; returns its trace line ("" when every worker has retired).
  std::string Step(Scheduler& scheduler, StudyStore* observer) {
    if (finished()) return "";
    now_ += tick_;
    if (initial_max_trials_ == 0) initial_max_trials_ = scheduler.options().max_trials;
    if (initial_max_budget_ == 0.0) initial_max_budget_ = scheduler.options().max_budget;
    if (limits_ && ++steps_ % 13 == 0) {
      const std::int64_t round = steps_ / 13;
      if (round % 3 == 2) {
        const double wanted = round % 2 == 0 ? 2.0 * initial_max_budget_ : initial_max_budget_ / 3.0;
        const bool changed = scheduler.SetMaxBudget(wanted);
        AfterCall();
        return changed ? fmt::format("max_budget {} -> {}", wanted, scheduler.options().max_budget)
                       : fmt::format("max_budget {} -> unchanged", wanted);
      }
      const std::int64_t wanted =
          round % 2 == 0 ? 2 * initial_max_trials_
                         : std::max<std::int64_t>(static_cast<std::int64_t>(scheduler.trial_count()),
                                                  initial_max_trials_) + round % 3;
      const bool changed = scheduler.SetMaxTrials(wanted);
      AfterCall();
      return changed ? fmt::format("max_trials {} -> {}", wanted, scheduler.options().max_trials)
                     : fmt::format("max_trials {} -> unchanged", wanted);
    }
    std::size_t index = rng_.Below(workers_.size());
    while (workers_[index].phase == Phase::kRetired) index = rng_.Below(workers_.size());
    Worker& worker = workers_[index];
    const int rank = static_cast<int>(index) + 1;
    switch (worker.phase) {
      case Phase::kFree: {
        ++next_calls_;
        const double max_units = !limits_                ? HUGE_VAL
                                 : next_calls_ % 7 == 0 ? -1.0
                                 : next_calls_ % 4 == 0 ? 2.0
                                                        : HUGE_VAL;
        NextAction action = scheduler.NextWithin(now_, max_units);
        AfterCall();
        if (auto* assignment = std::get_if<Assignment>(&action)) {
          worker.phase = Phase::kRunning;
          worker.assignment = *assignment;
          worker.step = assignment->resume_step;
          worker.started = now_;
          assignments_.push_back(*assignment);
          if (observer) observer->RunStarted(assignment->trial, rank, fmt::format("gpu{}", index));
          return fmt::format("rank {} next -> trial {} bracket {} rung {} budget {} from {}", rank, assignment->trial,
                             assignment->bracket, assignment->rung, assignment->budget, assignment->resume_step);
        }
        if (std::holds_alternative<Done>(action)) {
          worker.phase = Phase::kRetired;
          ++retired_;
          return fmt::format("rank {} next -> done", rank);
        }
        ++waits_;
        return fmt::format("rank {} next -> wait", rank);
      }
      case Phase::kRunning: {
        const TrialId trial = worker.assignment.trial;
        const std::uint64_t dice = rng_.Below(100);
        if (dice < 4) {
          const TrialOutcome outcome = dice < 3 ? TrialOutcome::kFailed : TrialOutcome::kTimedOut;
          if (observer) observer->RunEnded(trial, dice < 3 ? 1 : -9, now_ - worker.started, "boom");
          scheduler.Finished(trial, outcome, now_);
          AfterCall();
          worker.phase = Phase::kFree;
          ++failures_;
          return fmt::format("rank {} finished {} {}", rank, trial, TrialOutcomeName(outcome));
        }
        worker.step = std::min(worker.step + 1.0, worker.assignment.budget);
        const bool nan = dice < 10;
        const double value =
            nan ? std::numeric_limits<double>::quiet_NaN()
                : static_cast<double>(Rng::Mix(static_cast<std::uint64_t>(trial), 17) % 1000) / (1.0 + worker.step);
        nan_reports_ += nan ? 1 : 0;
        const Decision decision = scheduler.Report(trial, worker.step, value, now_);
        AfterCall();
        reports_.push_back(ReportRecord{trial, worker.step, value, now_, rank});
        if (observer && decision.kind != DecisionKind::kStop) {
          observer->Checkpointed(trial, worker.step, {static_cast<std::uint8_t>(trial), static_cast<std::uint8_t>(worker.step)});
        }
        if (decision.kind != DecisionKind::kContinue || worker.step >= worker.assignment.budget) {
          worker.phase = Phase::kEnding;
        }
        return fmt::format("rank {} report {} step {} -> {}", rank, trial, worker.step, DecisionKindName(decision.kind));
      }
      case Phase::kEnding: {
        const TrialId trial = worker.assignment.trial;
        if (observer) observer->RunEnded(trial, 0, now_ - worker.started, "");
        scheduler.Finished(trial, TrialOutcome::kExited, now_);
        AfterCall();
        worker.phase = Phase::kFree;
        return fmt::format("rank {} finished {} exited", rank, trial);
      }
      case Phase::kRetired:
        break;
    }
    return "";
  }

  // The process running the study died: every worker's run is gone and the workers
  // come back free (Continue re-queues what they were running). Time goes on.
  void Forget(double pause = 1.0) {
    for (Worker& worker : workers_) worker.phase = Phase::kFree;
    retired_ = 0;
    now_ += pause;
  }

 private:
  void AfterCall() {
    if (after_call_) after_call_();
  }

  enum class Phase { kFree, kRunning, kEnding, kRetired };
  struct Worker {
    Phase phase = Phase::kFree;
    Assignment assignment;
    double step = 0.0;
    double started = 0.0;
  };
  Rng rng_;
  std::vector<Worker> workers_;
  std::size_t retired_ = 0;
  double tick_;
  double now_;
  std::vector<ReportRecord> reports_;
  std::vector<Assignment> assignments_;
  std::int64_t waits_ = 0;
  std::int64_t failures_ = 0;
  std::int64_t nan_reports_ = 0;
  std::int64_t next_calls_ = 0;
  std::int64_t steps_ = 0;
  std::int64_t initial_max_trials_ = 0;
  double initial_max_budget_ = 0.0;
  bool limits_ = false;
  std::function<void()> after_call_;
};

// The calls of a whole study on a plain scheduler: the state after every call
// (states[0] before the first), and the reports made by then.
struct ReferenceRun {
  std::vector<SavedState> states;
  std::vector<std::size_t> reports_after;  // reports made after call i
  std::vector<std::string> trace;          // trace[i - 1]: call i
  std::vector<bool> done_after;            // the scheduler had said Done by call i
  // Call i is one the store journals: any but a Next answered Done after the first
  // Done (which changes nothing).
  std::vector<bool> recorded;
  StudyDriver driver{3, 0};                // as it is at the end
};

inline ReferenceRun RunReference(const StudyConfig& config, std::uint64_t driver_seed, bool limits = false) {
  ReferenceRun run;
  run.driver = StudyDriver(3, driver_seed);
  run.driver.set_limits(limits);
  auto scheduler = MakeScheduler(config.space, config.scheduler);
  run.states.push_back(StateOf(*scheduler));
  run.reports_after.push_back(0);
  run.done_after.push_back(false);
  run.recorded.push_back(false);
  for (int guard = 0; guard < 100000 && !run.driver.finished(); ++guard) {
    run.trace.push_back(run.driver.Step(*scheduler, nullptr));
    run.states.push_back(StateOf(*scheduler));
    run.reports_after.push_back(run.driver.reports().size());
    const bool done = run.trace.back().ends_with("done");
    run.recorded.push_back(!(done && run.done_after.back()));
    run.done_after.push_back(run.done_after.back() || done);
  }
  EXPECT_TRUE(run.driver.finished()) << "the reference study did not end";
  return run;
}

}  // namespace mpitune::testing
