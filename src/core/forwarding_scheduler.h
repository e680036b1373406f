// A Scheduler that passes every call on to another one. Decorators (the study
// store's recorder, test probes) derive from it and override only what they add to.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mpitune/scheduler.h"

namespace mpitune {

class ForwardingScheduler : public Scheduler {
 public:
  // `inner` must outlive this scheduler.
  explicit ForwardingScheduler(Scheduler& inner) : inner_(inner) {}

  NextAction Next(double now) override { return inner_.Next(now); }
  NextAction NextWithin(double now, double max_units) override { return inner_.NextWithin(now, max_units); }
  Decision Report(TrialId trial, double step, double value, double now) override {
    return inner_.Report(trial, step, value, now);
  }
  void Finished(TrialId trial, TrialOutcome outcome, double now) override { inner_.Finished(trial, outcome, now); }
  bool SetMaxTrials(std::int64_t max_trials) override { return inner_.SetMaxTrials(max_trials); }
  bool SetMaxBudget(double max_budget) override { return inner_.SetMaxBudget(max_budget); }
  void Save(SavedState& state) const override { inner_.Save(state); }
  Status Load(const SavedState& state) override { return inner_.Load(state); }
  const SchedulerOptions& options() const override { return inner_.options(); }
  const SearchSpace& space() const override { return inner_.space(); }
  std::size_t trial_count() const override { return inner_.trial_count(); }
  const TrialRecord& trial(TrialId id) const override { return inner_.trial(id); }
  std::int64_t running() const override { return inner_.running(); }
  void VisitRungs(RungVisitor& visitor) const override { inner_.VisitRungs(visitor); }
  const std::vector<ExploitRecord>& Exploits() const override { return inner_.Exploits(); }

 protected:
  Scheduler& inner() const { return inner_; }

 private:
  Scheduler& inner_;
};

}  // namespace mpitune
