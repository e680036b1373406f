// A trial of a built-in objective, run in the worker's own process (TrialExecution).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "mpitune/objective.h"
#include "runtime/worker/objective_run.h"
#include "runtime/worker/trial_execution.h"
#include "runtime/worker/worker.h"

namespace mpitune {

class ObjectiveExecution final : public TrialExecution {
 public:
  // One Progress() computes steps for at most about this long (at least one step).
  static constexpr double kComputeSliceSeconds = 0.001;

  // Never fails: a run that cannot start (the objective threw, the checkpoint does not
  // restore) is already Quiet and finishes as kFailed with the reason. `clock` bounds
  // how long one Progress() computes.
  ObjectiveExecution(const Objective& objective, const Assignment& assignment,
                     const std::vector<std::uint8_t>& restore_state, double report_every, Clock& clock);

  void Progress(double now, double max_seconds, int max_reports, std::vector<MetricPoint>& out) override;
  void End(DecisionKind kind, double now) override;
  void Exploit(const ExploitSource& source, double now) override;
  void Interrupt(double now) override;
  bool Quiet() const override;
  RunEnd Finish(double now) override;

 private:
  void Fail(std::string message);

  Clock& clock_;
  double started_at_;
  ObjectiveRun run_;
  bool ended_ = false;
  RunEnd end_;
};

// The worker's factory for runs of `objective`, reporting every `report_every` budget
// units (> 0, else BadInput) and at each assignment's budget. The references must
// outlive the factory.
Result<ExecutionFactory> ObjectiveExecutions(const Objective& objective, double report_every, Clock& clock);

}  // namespace mpitune
