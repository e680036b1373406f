#include "runtime/worker/objective_execution.h"

#include <cmath>
#include <exception>
#include <utility>

#include <fmt/format.h>

namespace mpitune {

ObjectiveExecution::ObjectiveExecution(const Objective& objective, const Assignment& assignment,
                                       const std::vector<std::uint8_t>& restore_state, double report_every,
                                       Clock& clock)
    : clock_(clock), started_at_(clock.Now()) {
  if (Status started = run_.Start(objective, assignment, restore_state, report_every); !started.ok()) {
    Fail(started.message());
  }
}

void ObjectiveExecution::Fail(std::string message) {
  ended_ = true;
  end_.outcome = TrialOutcome::kFailed;
  end_.exit_code = 1;
  end_.message = std::move(message);
}

void ObjectiveExecution::Progress(double /*now*/, double /*max_seconds*/, int max_reports,
                                  std::vector<MetricPoint>& out) {
  // Cheap steps go in batches, so a zero-work objective is not paced by the inbox; a
  // slow step is alone in its pass, so a Stop or Shutdown is seen right after it.
  // The clock is read after steps 1, 2, 4, 8, ...: a slow step is still noticed at
  // once, and a zero-work objective does not spend its time reading the clock.
  const double until = clock_.Now() + kComputeSliceSeconds;
  for (int i = 0; i < max_reports && !ended_ && run_.NextStep(); ++i) {
    try {
      out.push_back(run_.Advance());
    } catch (const std::exception& error) {
      Fail(error.what());
    } catch (...) {
      Fail("unknown exception");
    }
    if ((i & (i + 1)) == 0 && clock_.Now() >= until) break;
  }
}

void ObjectiveExecution::End(DecisionKind kind, double /*now*/) {
  if (ended_) return;
  ended_ = true;
  // Schedulers pause a run only at its assignment's budget, where the worker waits for
  // every answer, so the checkpoint is taken at the paused step.
  if (kind != DecisionKind::kPause) return;
  Result<std::vector<std::uint8_t>> state = run_.Checkpoint();
  if (!state.ok()) {
    Fail(state.status().message());
    return;
  }
  end_.checkpoint_step = run_.step();
  end_.checkpoint = std::move(*state);
}

void ObjectiveExecution::Exploit(const ExploitSource& source, double /*now*/) {
  if (ended_) return;
  if (Status status = run_.Exploit(source); !status.ok()) Fail(status.message());
}

void ObjectiveExecution::Interrupt(double /*now*/) {
  if (ended_) return;
  // The scheduler resumes an interrupted trial from its last pause, whose checkpoint
  // rank 0 already holds; the state reached since is not kept.
  ended_ = true;
  end_.outcome = TrialOutcome::kInterrupted;
}

bool ObjectiveExecution::Quiet() const { return ended_ || !run_.NextStep(); }

RunEnd ObjectiveExecution::Finish(double now) {
  end_.duration = now - started_at_;
  return std::move(end_);
}

Result<ExecutionFactory> ObjectiveExecutions(const Objective& objective, double report_every, Clock& clock) {
  if (!(report_every > 0.0) || !std::isfinite(report_every)) {
    return Status::BadInput(fmt::format("report_every: expected a number > 0, got {}", report_every));
  }
  return ExecutionFactory([&objective, report_every, &clock](const Assignment& assignment,
                                                             const std::vector<std::uint8_t>& restore_state,
                                                             double /*now*/) -> std::unique_ptr<TrialExecution> {
    return std::make_unique<ObjectiveExecution>(objective, assignment, restore_state, report_every, clock);
  });
}

}  // namespace mpitune
