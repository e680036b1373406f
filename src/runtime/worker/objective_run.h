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
#include "runtime/worker/trial_execution.h"

namespace mpitune {

class ObjectiveRun {
 public:
  // Starts `assignment` at its resume_step, restoring `restore_state` when it is not
  // empty (stateless objectives have none and evaluate at later budgets). Fails when
  // the objective throws or rejects the state; the objective is user-facing code.
  static Result<ObjectiveRun> Start(const Objective& objective, const Assignment& assignment,
                                    const std::vector<std::uint8_t>& restore_state, double report_every);

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
  const Config& config() const { return config_; }

 private:
  ObjectiveRun(const Objective& objective, TrialId trial, double budget, double report_every)
      : objective_(&objective), trial_(trial), budget_(budget), report_every_(report_every) {}
  Status Begin(const Config& config, double step, const std::vector<std::uint8_t>& state);

  const Objective* objective_;
  TrialId trial_;
  double budget_;
  double report_every_;
  double step_ = 0.0;
  double next_step_ = 0.0;  // NextReportStep(step_, ...), kept: the grid is asked twice a step
  Config config_;
  std::unique_ptr<ObjectiveSession> session_;
};

}  // namespace mpitune
