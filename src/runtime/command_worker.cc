#include "runtime/command_worker.h"

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "runtime/idle_backoff.h"
#include "runtime/worker_inbox.h"

namespace mpitune {
namespace {

}  // namespace

CommandWorker::CommandWorker(const StudyConfig& config, CommandRunnerSettings settings, Transport& transport,
                             Clock& clock, CommandWorkerOptions options)
    : config_(config), settings_(std::move(settings)), transport_(transport), clock_(clock),
      options_(std::move(options)) {}

// Leaving with a trial still running (an error, or Shutdown mid-trial) must not
// leave its process behind: the runner's CommandTrial kills the group.
CommandWorker::~CommandWorker() = default;

Status CommandWorker::Run() {
  MPITUNE_RETURN_IF_ERROR(RunLoopUntilFinished([this] { return Step(); }));
  return transport_.Flush();
}

Result<LoopStep> CommandWorker::Step() {
  if (shut_down_) return LoopStep::kFinished;
  bool busy = false;
  if (!said_hello_) {
    said_hello_ = true;
    busy = true;
    last_sent_ = clock_.Now();
    MPITUNE_RETURN_IF_ERROR(SendHello(transport_, options_.hello));
  }
  Result<bool> served = ServeInbox(transport_, shut_down_, [this](const Message& message) { return Handle(message); });
  if (!served.ok()) return served.status();
  busy = busy || *served;
  if (shut_down_) return LoopStep::kFinished;
  if (running_ != nullptr) MPITUNE_RETURN_IF_ERROR(DriveTrial(busy));
  return busy ? LoopStep::kBusy : LoopStep::kIdle;
}

Status CommandWorker::Handle(const Message& message) {
  if (const auto* assign = std::get_if<AssignMsg>(&message)) {
    if (running_ != nullptr) {
      return Status::Internal(fmt::format("rank {}: got trial {} while trial {} is still running",
                                          transport_.rank(), assign->trial, running_->trial()));
    }
    ++trials_run_;
    running_ = std::make_unique<CommandTrialRunner>(config_, settings_, ToAssignment(*assign), clock_.Now());
    return Status::Ok();
  }
  if (const auto* decision = std::get_if<DecisionMsg>(&message)) {
    // A Decision for a trial we no longer run crossed its Finished on the wire.
    if (running_ != nullptr && running_->trial() == decision->trial) {
      running_->Decide(decision->kind, clock_.Now());
    }
    return Status::Ok();
  }
  if (const auto* stop = std::get_if<StopMsg>(&message)) {
    if (running_ != nullptr && running_->trial() == stop->trial) running_->Interrupt(clock_.Now());
    return Status::Ok();
  }
  if (std::holds_alternative<ShutdownMsg>(message)) {
    if (running_ != nullptr) {
      fmt::print(stderr, "mpitune: rank {}: shut down while trial {} was running; killing it\n", transport_.rank(),
                 running_->trial());
      running_.reset();
    }
    shut_down_ = true;
    return Status::Ok();
  }
  fmt::print(stderr, "mpitune: rank {}: ignored unexpected {} from rank 0\n", transport_.rank(),
             MessageKindName(KindOf(message)));
  return Status::Ok();
}

// Reads the trial's output, passes its reports on one at a time, and says Finished
// once the process has ended and rank 0 has seen every report that still matters.
Status CommandWorker::DriveTrial(bool& busy) {
  running_->Wait(busy ? 0.0 : options_.output_wait_seconds);
  double now = clock_.Now();
  running_->Poll(now);
  if (std::optional<MetricReport> report = running_->TakeReport()) {
    busy = true;
    last_sent_ = now;
    return transport_.Send(kCoordinatorRank,
                           ReportMsg{running_->trial(), report->step, report->value, now - running_->started_at()});
  }
  if (running_->Done()) {
    busy = true;
    return SendFinished();
  }
  if (now - last_sent_ >= options_.heartbeat_seconds) {
    last_sent_ = now;
    return transport_.Send(kCoordinatorRank, HeartbeatMsg{});
  }
  return Status::Ok();
}

Status CommandWorker::SendFinished() {
  const TrialId id = running_->trial();
  const CommandRunEnd end = running_->Finish();
  running_.reset();
  last_sent_ = clock_.Now();
  return transport_.Send(kCoordinatorRank, FinishedMsg{id, end.outcome, end.exit_code, end.duration, end.message, 0.0, {}});
}

}  // namespace mpitune
