// Test doubles for the runners: a clock that ticks on every read and an objective
// whose value is x + 1/budget (so it improves with budget and ranks trials by x),
// recording what it is asked and calling `on_advance` (which may throw, to fail a
// trial, or raise a stop flag).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "mpitune/objective.h"

namespace mpitune::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(double tick) : tick_(tick) {}
  // Every read advances time, so events get distinct, increasing timestamps.
  double Now() override { return now_ += tick_; }

 private:
  double tick_;
  double now_ = 0.0;
};

struct ObjectiveCall {
  TrialId trial;
  double step;  // resume step for a start, budget for an advance
};

class ScriptedObjective final : public Objective {
 public:
  const std::string& name() const override { return name_; }
  std::unique_ptr<ObjectiveSession> Start(const Config& config, TrialId trial, double resume_step) const override {
    starts.push_back({trial, resume_step});
    return std::make_unique<Session>(*this, trial, config.values.at(0));
  }
  double CostPerBudget(const Config&) const override { return 1.0; }

  mutable std::vector<ObjectiveCall> starts;
  mutable std::vector<ObjectiveCall> advances;
  std::function<void(TrialId, double)> on_advance;

 private:
  class Session final : public ObjectiveSession {
   public:
    Session(const ScriptedObjective& owner, TrialId trial, double x) : owner_(owner), trial_(trial), x_(x) {}
    double Advance(double budget) override {
      owner_.advances.push_back({trial_, budget});
      if (owner_.on_advance) owner_.on_advance(trial_, budget);
      return x_ + 1.0 / budget;
    }

   private:
    const ScriptedObjective& owner_;
    TrialId trial_;
    double x_;
  };

  std::string name_ = "scripted";
};

}  // namespace mpitune::testing
