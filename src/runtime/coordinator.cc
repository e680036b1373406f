#include "runtime/coordinator.h"

#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "runtime/idle_backoff.h"

namespace mpitune {

// Protocol walk-through (rank 0's side; protocol.h lists the messages):
//
//   worker                         coordinator (this loop)
//   Hello ------------------------> slot joined, idle
//                                   idle slot -> Scheduler::Next(now):
//         <------------------------   Assignment: Assign, slot running
//                                     Wait: stays idle; asked again next pass
//                                     Done: no more work (see below)
//   Report -----------------------> Scheduler::Report
//         <------------------------ Decision for every Report (a worker may run
//                                   ahead of the answers; after a Stop or Pause
//                                   answer, its later Reports are dropped here)
//   Finished ---------------------> Scheduler::Finished; slot idle again
//
//   Study over (Done): each idle worker gets Shutdown; running ones finish their
//   trial first. The loop ends when every worker has been sent Shutdown.
//   Stop request (signal): no new work; every running worker gets Stop, answers
//   with Finished(kInterrupted) (the scheduler re-queues the trial), then Shutdown.
//   Lost worker: a running trial's worker silent for lost_after_seconds ends that
//   trial as kLost, gets Shutdown (in case it wakes up) and no more work.
//
// Rank 0 never blocks on one worker: Step() only looks at what has arrived. A Report
// or Finished for a trial that is not the one its sender runs is stale (it crossed a
// Stop on the wire) and is dropped.

Coordinator::Coordinator(Scheduler& scheduler, Transport& transport, Clock& clock,
                         const std::atomic<bool>* stop_requested, CoordinatorOptions options)
    : scheduler_(scheduler), transport_(transport), clock_(clock), stop_requested_(stop_requested),
      options_(options), slots_(static_cast<std::size_t>(transport.size())) {
  start_time_ = clock_.Now();
}

Result<CoordinatorSummary> Coordinator::Run() {
  if (transport_.size() < 2) return Status::Internal("the MPI coordinator needs at least one worker rank");
  MPITUNE_RETURN_IF_ERROR(RunLoopUntilFinished([this] { return Step(); }));
  MPITUNE_RETURN_IF_ERROR(transport_.Flush());
  return summary_;
}

Result<LoopStep> Coordinator::Step() {
  bool busy = false;
  Status status;
  while (status.ok()) {
    std::optional<std::pair<int, Message>> received = transport_.Poll();
    if (!received) break;
    busy = true;
    status = Handle(received->first, received->second);
  }
  if (status.ok() && !stopping_ && stop_requested_ != nullptr &&
      stop_requested_->load(std::memory_order_relaxed)) {
    stopping_ = true;
    summary_.interrupted = true;
    busy = true;
    for (std::size_t rank = 0; rank < slots_.size() && status.ok(); ++rank) {
      WorkerSlot& slot = slots_[rank];
      if (!slot.running || slot.stop_sent) continue;
      slot.stop_sent = true;
      status = SendTo(static_cast<int>(rank), StopMsg{slot.trial});
    }
  }
  if (status.ok() && options_.lost_after_seconds > 0.0) DeclareLostWorkers();
  const std::int64_t assignments_before = summary_.assignments;
  if (status.ok()) status = HandOutWork();
  if (status.ok()) status = ShutDownIdleWorkers();
  if (status.ok() && options_.observer != nullptr) status = options_.observer->Tick(clock_.Now());
  if (!status.ok()) {
    ShutDownEveryone("coordinator error: " + status.message());
    return status;
  }
  summary_.wall_seconds = clock_.Now() - start_time_;
  if (AllShutDown()) {
    summary_.all_workers_lost = !study_done_ && !stopping_;
    return LoopStep::kFinished;
  }
  return busy || summary_.assignments != assignments_before ? LoopStep::kBusy : LoopStep::kIdle;
}

Status Coordinator::Handle(int from, const Message& message) {
  WorkerSlot* slot = Slot(from);
  if (slot == nullptr) {
    Log(fmt::format("rank 0: ignored {} from rank {}, which is not a worker", MessageKindName(KindOf(message)), from));
    return Status::Ok();
  }
  if (slot->lost) return Status::Ok();  // its trial is settled; it has been told to leave
  const double now = clock_.Now();
  slot->last_heard = now;
  if (const auto* hello = std::get_if<HelloMsg>(&message)) {
    slot->joined = true;
    slot->device = hello->device;
    Log(fmt::format("rank 0: worker rank {} on {} joined, device {} ({})", from, hello->hostname, hello->device,
                    hello->device_note));
    return Status::Ok();
  }
  if (const auto* report = std::get_if<ReportMsg>(&message)) {
    if (!slot->running || report->trial != slot->trial) return Status::Ok();  // stale
    TrialRun& run = summary_.runs[slot->run_index];
    if (run.first_report_at < 0.0) run.first_report_at = now;
    // The worker still counts answers, so a moot report gets one; the scheduler,
    // which has ended or paused the run, does not see it.
    if (slot->ending) return SendTo(from, ToDecisionMsg(report->trial, Decision::Stop()));
    ++summary_.reports;
    const Decision decision = scheduler_.Report(report->trial, report->step, report->value, now);
    if (decision.kind == DecisionKind::kStop || decision.kind == DecisionKind::kPause) slot->ending = true;
    return SendTo(from, ToDecisionMsg(report->trial, decision));
  }
  if (const auto* finished = std::get_if<FinishedMsg>(&message)) {
    if (!slot->running || finished->trial != slot->trial) return Status::Ok();  // stale
    if (finished->outcome == TrialOutcome::kFailed || finished->outcome == TrialOutcome::kTimedOut) {
      ++summary_.failures;
      summary_.last_failure = fmt::format("trial {} on rank {}: {}", finished->trial, from, finished->message);
    }
    if (!finished->checkpoint.empty()) {
      KeepCheckpoint(finished->trial, finished->checkpoint_step, finished->checkpoint);
    }
    if (options_.observer != nullptr) {
      options_.observer->RunEnded(finished->trial, finished->exit_code, finished->duration, finished->message);
    }
    EndRun(*slot, finished->outcome, finished->duration);
    return Status::Ok();
  }
  if (std::holds_alternative<HeartbeatMsg>(message)) return Status::Ok();
  Log(fmt::format("rank 0: ignored unexpected {} from rank {}", MessageKindName(KindOf(message)), from));
  return Status::Ok();
}

void Coordinator::EndRun(WorkerSlot& slot, TrialOutcome outcome, double worker_seconds) {
  const double now = clock_.Now();
  scheduler_.Finished(slot.trial, outcome, now);
  TrialRun& run = summary_.runs[slot.run_index];
  run.finished = true;
  run.outcome = outcome;
  run.finished_at = now;
  run.worker_seconds = worker_seconds;
  slot.running = false;
  slot.stop_sent = false;
  slot.ending = false;
  slot.trial = -1;
}

void Coordinator::KeepCheckpoint(TrialId trial, double step, std::vector<std::uint8_t> state) {
  if (options_.observer != nullptr) {
    options_.observer->Checkpointed(trial, step, std::move(state));
  } else {
    checkpoints_[trial] = std::move(state);
  }
}

const std::vector<std::uint8_t>* Coordinator::FindCheckpoint(TrialId trial) const {
  if (options_.observer != nullptr) return options_.observer->FindCheckpoint(trial);
  const auto it = checkpoints_.find(trial);
  return it == checkpoints_.end() ? nullptr : &it->second;
}

void Coordinator::DeclareLostWorkers() {
  const double now = clock_.Now();
  for (std::size_t rank = 0; rank < slots_.size(); ++rank) {
    WorkerSlot& slot = slots_[rank];
    if (!slot.running || now - slot.last_heard < options_.lost_after_seconds) continue;
    const TrialId trial = slot.trial;
    ++summary_.failures;
    ++summary_.lost_workers;
    summary_.last_failure = fmt::format("trial {} on rank {}: the worker sent nothing for {:.0f} s and is taken as lost",
                                        trial, rank, now - slot.last_heard);
    Log("rank 0: " + summary_.last_failure);
    if (options_.observer != nullptr) {
      options_.observer->RunEnded(trial, -1, now - summary_.runs[slot.run_index].assigned_at, summary_.last_failure);
    }
    EndRun(slot, TrialOutcome::kLost, now - summary_.runs[slot.run_index].assigned_at);
    slot.lost = true;
    slot.shut_down = true;
    // Best effort: a worker that was only stalled leaves when it reads this.
    (void)transport_.Send(static_cast<int>(rank), ShutdownMsg{"taken as lost"});
  }
}

Status Coordinator::HandOutWork() {
  if (stopping_ || study_done_) return Status::Ok();
  for (std::size_t rank = 0; rank < slots_.size(); ++rank) {
    WorkerSlot& slot = slots_[rank];
    if (!slot.joined || slot.shut_down || slot.running) continue;
    NextAction action = scheduler_.Next(clock_.Now());
    if (std::holds_alternative<Done>(action)) {
      study_done_ = true;
      return Status::Ok();
    }
    if (std::holds_alternative<Wait>(action)) {
      // Only a running trial's Report or Finished can change the scheduler's mind.
      if (!AnyRunning()) {
        return Status::Internal(fmt::format("scheduler '{}' asked every worker to wait while no trial is running",
                                            SchedulerKindName(scheduler_.options().kind)));
      }
      return Status::Ok();
    }
    const Assignment& assignment = std::get<Assignment>(action);
    const double now = clock_.Now();
    slot.running = true;
    slot.trial = assignment.trial;
    slot.last_heard = now;
    slot.run_index = summary_.runs.size();
    TrialRun run{assignment.trial, static_cast<int>(rank), slot.device};
    run.assigned_at = now;
    summary_.runs.push_back(run);
    summary_.last_assignment_at = now;
    ++summary_.assignments;
    if (started_.insert(assignment.trial).second) ++summary_.trials_started;
    if (options_.observer != nullptr) options_.observer->RunStarted(assignment.trial, static_cast<int>(rank), slot.device);
    AssignMsg message = ToAssignMsg(assignment);
    if (assignment.resume_step > 0.0) {
      if (const auto* state = FindCheckpoint(assignment.restore_from.value_or(assignment.trial))) {
        message.restore_state = *state;
      }
    }
    MPITUNE_RETURN_IF_ERROR(SendTo(static_cast<int>(rank), message));
  }
  return Status::Ok();
}

Status Coordinator::ShutDownIdleWorkers() {
  if (!study_done_ && !stopping_) return Status::Ok();
  const std::string reason = stopping_ ? "interrupted" : "study done";
  for (std::size_t rank = 0; rank < slots_.size(); ++rank) {
    WorkerSlot& slot = slots_[rank];
    // A worker that has not said Hello yet is waited for, so that no message of
    // its is still in flight when the ranks finalise.
    if (!slot.joined || slot.shut_down || slot.running) continue;
    slot.shut_down = true;
    MPITUNE_RETURN_IF_ERROR(SendTo(static_cast<int>(rank), ShutdownMsg{reason}));
  }
  return Status::Ok();
}

void Coordinator::ShutDownEveryone(const std::string& reason) {
  for (std::size_t rank = 0; rank < slots_.size(); ++rank) {
    if (static_cast<int>(rank) == transport_.rank() || slots_[rank].shut_down) continue;
    slots_[rank].shut_down = true;
    // Best effort: the error that got us here is what the caller reports.
    (void)transport_.Send(static_cast<int>(rank), ShutdownMsg{reason});
  }
  (void)transport_.Flush();
}

Status Coordinator::SendTo(int rank, const Message& message) {
  return transport_.Send(rank, message).WithContext(fmt::format("rank 0: sending {} to rank {}",
                                                                MessageKindName(KindOf(message)), rank));
}

Coordinator::WorkerSlot* Coordinator::Slot(int rank) {
  if (rank < 0 || rank >= static_cast<int>(slots_.size()) || rank == transport_.rank()) return nullptr;
  return &slots_[static_cast<std::size_t>(rank)];
}

bool Coordinator::AnyRunning() const {
  for (const WorkerSlot& slot : slots_) {
    if (slot.running) return true;
  }
  return false;
}

bool Coordinator::AllShutDown() const {
  for (std::size_t rank = 0; rank < slots_.size(); ++rank) {
    if (static_cast<int>(rank) != transport_.rank() && !slots_[rank].shut_down) return false;
  }
  return true;
}

void Coordinator::Log(const std::string& line) const {
  if (options_.log == nullptr) return;
  fmt::print(options_.log, "{}\n", line);
  std::fflush(options_.log);
}

}  // namespace mpitune
