#include "runtime/worker/worker.h"

#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace mpitune {

Worker::Worker(ExecutionFactory factory, Transport& transport, Clock& clock, WorkerOptions options)
    : factory_(std::move(factory)), transport_(transport), clock_(clock), options_(std::move(options)) {
  if (options_.rank < 0) options_.rank = transport_.rank();
}

// Leaving with a trial still running (an error, or Shutdown mid-trial) must not leave
// its process behind: a command execution kills its process group when destroyed.
Worker::~Worker() = default;

Status Worker::Run() {
  MPITUNE_RETURN_IF_ERROR(RunLoopUntilFinished([this] { return Step(); }));
  return transport_.Flush();
}

Status Worker::Send(const Message& message) {
  last_sent_ = clock_.Now();
  return transport_.Send(kCoordinatorRank, message);
}

Result<LoopStep> Worker::Step() {
  if (shut_down_) return LoopStep::kFinished;
  bool busy = false;
  if (!said_hello_) {
    said_hello_ = true;
    busy = true;
    MPITUNE_RETURN_IF_ERROR(Send(HelloMsg{kProtocolVersion, options_.rank, options_.hostname, options_.device,
                                          options_.device_note}));
  }
  while (!shut_down_) {
    std::optional<std::pair<int, Message>> received = transport_.Poll();
    if (!received) break;
    busy = true;
    if (received->first != kCoordinatorRank) {
      fmt::print(stderr, "mpitune: rank {}: ignored a message from rank {}\n", transport_.rank(), received->first);
      continue;
    }
    MPITUNE_RETURN_IF_ERROR(Handle(received->second));
  }
  if (shut_down_) return LoopStep::kFinished;
  if (running_) MPITUNE_RETURN_IF_ERROR(DriveTrial(busy));
  return busy ? LoopStep::kBusy : LoopStep::kIdle;
}

Status Worker::Handle(const Message& message) {
  const double now = clock_.Now();
  if (const auto* assign = std::get_if<AssignMsg>(&message)) {
    if (running_) {
      return Status::Internal(fmt::format("rank {}: got trial {} while trial {} is still running", transport_.rank(),
                                          assign->trial, running_->trial));
    }
    ++trials_run_;
    running_ = std::make_unique<Running>();
    running_->trial = assign->trial;
    running_->execution = factory_(ToAssignment(*assign), assign->restore_state, now);
    return Status::Ok();
  }
  if (const auto* decision = std::get_if<DecisionMsg>(&message)) {
    HandleDecision(*decision);
    return Status::Ok();
  }
  if (const auto* stop = std::get_if<StopMsg>(&message)) {
    // A Stop that crossed our Finished on the wire names a trial we no longer run.
    if (running_ && running_->trial == stop->trial && !running_->ended) {
      running_->ended = true;
      running_->execution->Interrupt(now);
    }
    return Status::Ok();
  }
  if (std::holds_alternative<ShutdownMsg>(message)) {
    if (running_) {
      fmt::print(stderr, "mpitune: rank {}: shut down while trial {} was running\n", transport_.rank(),
                 running_->trial);
      running_.reset();
    }
    shut_down_ = true;
    return Status::Ok();
  }
  fmt::print(stderr, "mpitune: rank {}: ignored unexpected {} from rank 0\n", transport_.rank(),
             MessageKindName(KindOf(message)));
  return Status::Ok();
}

void Worker::HandleDecision(const DecisionMsg& message) {
  // An answer for a trial we no longer run, or for reports made before an Exploit,
  // crossed something on the wire: nothing waits for it.
  if (!running_ || running_->trial != message.trial || running_->segment != message.segment || running_->ended) {
    return;
  }
  Running& run = *running_;
  run.unanswered -= static_cast<int>(message.answered);
  const double now = clock_.Now();
  switch (message.kind) {
    case DecisionKind::kContinue:
      return;
    case DecisionKind::kStop:
    case DecisionKind::kPause:
      run.ended = true;
      run.execution->End(message.kind, now);
      return;
    case DecisionKind::kExploit:
      // Reports of the old segment still on their way are moot; rank 0 drops them.
      ++run.segment;
      run.unanswered = 0;
      run.execution->Exploit(
          ExploitSource{message.donor, Config{message.new_config}, message.restore_step, message.restore_state}, now);
      return;
  }
}

// Moves the running trial on, sends what it reported as one message, and says
// Finished once it has nothing more to say and every report that matters is answered.
Status Worker::DriveTrial(bool& busy) {
  Running& run = *running_;
  const int window = run.ended ? 0 : Worker::kReportsAhead - run.unanswered;
  // Block on a command's output only when nothing else is to be done; shortly while
  // answers are due, so their effect (a stop, the next assignment) is not held up.
  const double wait = busy ? 0.0 : run.unanswered > 0 ? 0.002 : options_.output_wait_seconds;
  batch_.clear();
  run.execution->Progress(clock_.Now(), wait, window, batch_);
  if (!batch_.empty()) {
    busy = true;
    ReportMsg report{run.trial, run.segment, {}, {}};
    report.steps.reserve(batch_.size());
    report.values.reserve(batch_.size());
    for (const MetricPoint& point : batch_) {
      report.steps.push_back(point.step);
      report.values.push_back(point.value);
    }
    run.unanswered += static_cast<int>(batch_.size());
    return Send(report);
  }
  if (run.execution->Quiet() && (run.ended || run.unanswered == 0)) {
    busy = true;
    const TrialId trial = run.trial;
    RunEnd end = run.execution->Finish(clock_.Now());
    running_.reset();
    return Send(FinishedMsg{trial, end.outcome, end.exit_code, end.duration, std::move(end.message),
                            end.checkpoint_step, std::move(end.checkpoint), end.lines});
  }
  if (clock_.Now() - last_sent_ >= options_.heartbeat_seconds) return Send(HeartbeatMsg{});
  return Status::Ok();
}

}  // namespace mpitune
