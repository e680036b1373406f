#include "runtime/worker/objective_run.h"

#include <exception>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "runtime/protocol/messages.h"

namespace mpitune {
namespace {

// Whatever the objective throws becomes an error of its trial only.
template <typename Fn>
Status Guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& error) {
    return Status::Internal(error.what());
  } catch (...) {
    return Status::Internal("unknown exception");
  }
}

}  // namespace

Status ObjectiveRun::Start(const Objective& objective, const Assignment& assignment,
                           const std::vector<std::uint8_t>& restore_state, double report_every) {
  objective_ = &objective;
  trial_ = assignment.trial;
  budget_ = assignment.budget;
  report_every_ = report_every;
  return Begin(assignment.config, assignment.resume_step, restore_state);
}

Status ObjectiveRun::Begin(const Config& config, double step, const std::vector<std::uint8_t>& state) {
  return Guarded([&] {
    session_ = objective_->Start(config, trial_, step);
    if (!session_) return Status::Internal(fmt::format("objective '{}' returned nothing to run", objective_->name()));
    step_ = step;
    next_index_ = NextReportIndex(step_, report_every_);
    next_step_ = GridStep();
    if (step <= 0.0 || state.empty()) return Status::Ok();
    return session_->Restore(state);
  });
}

MetricPoint ObjectiveRun::Advance() {
  const double step = next_step_;
  const double value = session_->Advance(step);
  step_ = step;
  next_index_ += 1.0;
  next_step_ = GridStep();
  return MetricPoint{step, value};
}

Status ObjectiveRun::Exploit(const ExploitSource& source) { return Begin(source.config, source.step, source.state); }

Result<std::vector<std::uint8_t>> ObjectiveRun::Checkpoint() const {
  std::vector<std::uint8_t> state;
  MPITUNE_RETURN_IF_ERROR(Guarded([&] {
    state = session_->Checkpoint();
    return Status::Ok();
  }));
  if (state.size() > kMaxCheckpointBytes) {
    return Status::Internal(fmt::format("trial {}: its checkpoint of {} bytes exceeds the limit of {} bytes", trial_,
                                        state.size(), kMaxCheckpointBytes));
  }
  return state;
}

}  // namespace mpitune
