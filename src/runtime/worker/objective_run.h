// A built-in objective's run: its session, where it stands on the report grid, and
// what a decision does to it. The worker (objective_execution.h) and the simulator's
// virtual workers both run built-in objectives through this, so a resume from a
// checkpoint, a pause and an exploit of a donor are carried out the same way in both.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "mpitune/objective.h"
#include "mpitune/status.h"
#include "mpitune/trial.h"
#include "runtime/worker/report_grid.h"
#include "runtime/worker/trial_execution.h"

namespace mpitune {

class ObjectiveRun {
 public:
  // Starts `assignment` at its resume_step, restoring `restore_state` when it is not
  // empty (stateless objectives have none and evaluate at later budgets), in place of
  // whatever this object ran before (the simulator reuses one per virtual worker).
  // Fails when the objective throws or rejects the state; the objective is
  // user-facing code. `objective` must outlive the run.
  Status Start(const Objective& objective, const Assignment& assignment,
               const std::vector<std::uint8_t>& restore_state, double report_every);
  // Ends the run: its session is released.
  void Reset() { session_.reset(); }
  bool active() const { return session_ != nullptr; }

  // The step of the next report (the grid of report_grid.h), nullopt at the budget.
  std::optional<double> NextStep() const {
    if (step_ >= budget_) return std::nullopt;
    return next_step_;
  }
  // Computes the metric at NextStep(). Throws what the objective throws.
  MetricPoint Advance();
  // Continues from the donor's checkpoint at source.step, with source.config.
  Status Exploit(const ExploitSource& source);
  // The session's state (empty for stateless objectives), for a pause.
  Result<std::vector<std::uint8_t>> Checkpoint() const;

  TrialId trial() const { return trial_; }
  double step() const { return step_; }
  double budget() const { return budget_; }

 private:
  Status Begin(const Config& config, double step, const std::vector<std::uint8_t>& state);
  double GridStep() const {
    const double candidate = next_index_ * report_every_;
    return candidate < budget_ * (1.0 - kReportStepSlack) ? candidate : budget_;
  }

  const Objective* objective_ = nullptr;
  TrialId trial_ = -1;
  double budget_ = 0.0;
  double report_every_ = 1.0;
  double step_ = 0.0;
  // The grid index of the next report: its step is next_index_ * report_every_ (or
  // the budget). Counting it up, not recomputing it from the step, keeps a step
  // free of floor() and lands on the same grid (report_grid.h).
  double next_index_ = 1.0;
  double next_step_ = 0.0;  // GridStep(), kept: every step asks for it more than once
  std::unique_ptr<ObjectiveSession> session_;
};

}  // namespace mpitune
