#include "runtime/worker.h"

#include <exception>
#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "runtime/idle_backoff.h"
#include "runtime/worker_inbox.h"
#include "runtime/report_grid.h"

namespace mpitune {
namespace {

// The objective is user-facing code: whatever it throws fails its trial only, and
// the worker goes on with the next one.
template <typename Fn>
Status CallObjective(Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& error) {
    return Status::Internal(error.what());
  } catch (...) {
    return Status::Internal("unknown exception");
  }
}

}  // namespace

Worker::Worker(const Objective& objective, Transport& transport, Clock& clock, WorkerOptions options)
    : objective_(objective), transport_(transport), clock_(clock), options_(std::move(options)) {}

Status Worker::Run() {
  MPITUNE_RETURN_IF_ERROR(RunLoopUntilFinished([this] { return Step(); }));
  return transport_.Flush();
}

Result<LoopStep> Worker::Step() {
  if (shut_down_) return LoopStep::kFinished;
  bool busy = false;
  if (!said_hello_) {
    said_hello_ = true;
    busy = true;
    MPITUNE_RETURN_IF_ERROR(SendHello(transport_, options_));
  }
  Result<bool> served = ServeInbox(transport_, shut_down_, [this](const Message& message) { return Handle(message); });
  if (!served.ok()) return served.status();
  busy = busy || *served;
  if (shut_down_) return LoopStep::kFinished;
  // Cheap steps go in batches, so that a zero-work objective is not paced by inbox
  // polls; a slow step is alone in its pass, so Stop and Shutdown are seen after it.
  const double batch_ends = clock_.Now() + kStepBatchSeconds;
  for (int i = 0; i < kReportsAhead && CanAdvance(); ++i) {
    busy = true;
    MPITUNE_RETURN_IF_ERROR(AdvanceOneStep());
    if (clock_.Now() >= batch_ends) break;
  }
  return busy ? LoopStep::kBusy : LoopStep::kIdle;
}

Status Worker::Handle(const Message& message) {
  if (const auto* assign = std::get_if<AssignMsg>(&message)) return HandleAssign(*assign);
  if (const auto* decision = std::get_if<DecisionMsg>(&message)) return HandleDecision(*decision);
  if (const auto* stop = std::get_if<StopMsg>(&message)) {
    // A Stop that crossed our Finished on the wire names a trial we no longer run.
    if (!running_ || running_->assignment.trial != stop->trial) return Status::Ok();
    // The scheduler resumes an interrupted trial from its last pause, whose
    // checkpoint rank 0 already holds; the state reached since is not kept.
    return Finish(TrialOutcome::kInterrupted, "");
  }
  if (std::holds_alternative<ShutdownMsg>(message)) {
    if (running_) {
      fmt::print(stderr, "mpitune: rank {}: shut down while trial {} was running\n", transport_.rank(),
                 running_->assignment.trial);
    }
    shut_down_ = true;
    return Status::Ok();
  }
  fmt::print(stderr, "mpitune: rank {}: ignored unexpected {} from rank 0\n", transport_.rank(),
             MessageKindName(KindOf(message)));
  return Status::Ok();
}

Status Worker::HandleAssign(const AssignMsg& message) {
  if (running_) {
    return Status::Internal(fmt::format("rank {}: got trial {} while trial {} is still running", transport_.rank(),
                                        message.trial, running_->assignment.trial));
  }
  running_.emplace();
  running_->assignment = ToAssignment(message);
  running_->step = running_->assignment.resume_step;
  running_->started_at = clock_.Now();
  ++trials_run_;
  const Assignment& assignment = running_->assignment;
  if (Status status = StartEvaluation(assignment.config, &message.restore_state); !status.ok()) {
    return Finish(TrialOutcome::kFailed, status.message());
  }
  return Status::Ok();
}

bool Worker::CanAdvance() const {
  return running_ && running_->step < running_->assignment.budget && running_->unanswered < kReportsAhead;
}

Status Worker::HandleDecision(const DecisionMsg& message) {
  if (!running_ || running_->unanswered == 0 || running_->assignment.trial != message.trial) {
    return Status::Ok();  // an answer to a trial that has since been stopped
  }
  --running_->unanswered;
  const TrialId id = message.trial;
  // Only the answer to the report at the budget decides how the run ends there; an
  // earlier answer can only stop it (or, for PBT, restart it from a donor) early.
  const bool at_budget = running_->step >= running_->assignment.budget && running_->unanswered == 0;
  const Decision decision = ToDecision(message);
  switch (decision.kind) {
    case DecisionKind::kExploit:
      if (!at_budget) {
        // The donor's checkpoint is not sent with a decision: the evaluation restarts
        // with the new config at this step (no scheduler makes Exploit decisions yet).
        if (Status status = StartEvaluation(decision.new_config, nullptr); !status.ok()) {
          return Finish(TrialOutcome::kFailed, status.message());
        }
      }
      [[fallthrough]];
    case DecisionKind::kContinue:
      if (!at_budget) return Status::Ok();
      return Finish(TrialOutcome::kExited, "");
    case DecisionKind::kPause: {
      // Schedulers pause a run only at its assignment's budget, where the worker
      // waits for every answer, so the checkpoint is taken at the paused step.
      std::vector<std::uint8_t> checkpoint;
      Status saved = CallObjective([&] {
        checkpoint = running_->evaluation->Checkpoint();
        if (checkpoint.size() > kMaxCheckpointBytes) {
          return Status::Internal(fmt::format("trial {}: its checkpoint of {} bytes exceeds the limit of {} bytes", id,
                                              checkpoint.size(), kMaxCheckpointBytes));
        }
        return Status::Ok();
      });
      if (!saved.ok()) return Finish(TrialOutcome::kFailed, saved.message());
      return Finish(TrialOutcome::kExited, "", std::move(checkpoint));
      return Finish(TrialOutcome::kExited, "");
    }
    case DecisionKind::kStop:
      return Finish(TrialOutcome::kExited, "");
  }
  return Status::Ok();
}

Status Worker::AdvanceOneStep() {
  RunningTrial& trial = *running_;
  const double step = NextReportStep(trial.step, trial.assignment.budget, options_.report_every);
  double value = 0.0;
  if (Status status = CallObjective([&] {
        value = trial.evaluation->Advance(step);
        return Status::Ok();
      });
      !status.ok()) {
    return Finish(TrialOutcome::kFailed, status.message());
  }
  trial.step = step;
  ++trial.unanswered;
  return transport_.Send(kCoordinatorRank,
                         ReportMsg{trial.assignment.trial, step, value, clock_.Now() - trial.started_at});
}

// Starts `config` at the running trial's step, restoring `checkpoint` when one came
// (stateless objectives have none and evaluate at later budgets).
Status Worker::StartEvaluation(const Config& config, const std::vector<std::uint8_t>* checkpoint) {
  RunningTrial& trial = *running_;
  return CallObjective([&] {
    trial.evaluation = objective_.Start(config, trial.assignment.trial, trial.step);
    if (!trial.evaluation) return Status::Internal(fmt::format("objective '{}' returned nothing to run", objective_.name()));
    if (trial.step <= 0.0 || checkpoint == nullptr || checkpoint->empty()) return Status::Ok();
    return trial.evaluation->Restore(*checkpoint);
  });
}

Status Worker::Finish(TrialOutcome outcome, const std::string& message, std::vector<std::uint8_t> checkpoint) {
  const TrialId id = running_->assignment.trial;
  const double duration = clock_.Now() - running_->started_at;
  const double step = running_->step;
  running_.reset();
  FinishedMsg finished{id, outcome, 0, duration, message, 0.0, {}};
  if (!checkpoint.empty()) {
    finished.checkpoint_step = step;
    finished.checkpoint = std::move(checkpoint);
  }
  return transport_.Send(kCoordinatorRank, finished);
}

}  // namespace mpitune
