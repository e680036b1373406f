#include "runtime/coordinator/coordinator.h"

#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace mpitune {

// Protocol walk-through (rank 0's side; messages.h lists the messages):
//
//   worker                         coordinator (this loop) / dispatcher
//   Hello ------------------------> the worker joins, idle
//                                   idle worker -> Scheduler::Next(now):
//         <------------------------   Assignment: Assign, the worker runs it
//                                     Wait: stays idle; asked again next pass
//                                     Done: no more work (see below)
//   Report (1..n metrics) --------> Scheduler::Report for each, in order, until one
//                                   is not Continue
//         <------------------------ Decision: Continue, or that decision and how many
//                                   reports it answers. After a Stop or Pause the
//                                   worker's later Reports are moot and dropped here;
//                                   after an Exploit, those of the old segment are.
//   Finished ---------------------> Scheduler::Finished; the worker is idle again
//
//   Study over (Done): each idle worker gets Shutdown; running ones finish their
//   trial first. The loop ends when every worker has been sent Shutdown.
//   Stop request (signal), or fail fast (the first fail_fast runs all failed): no new
//   work; every running worker gets Stop, answers with Finished(kInterrupted) (the
//   scheduler re-queues the trial), then Shutdown.
//   Deadline (time_budget): the same as a stop request once its stop time comes (the
//   Dispatcher decides; the stop leaves trial.stop_grace for the trials to end); before
//   that, an assignment that is not expected to end in time is not handed out.
//   Lost worker: a running trial's worker silent for lost_after_seconds ends that
//   trial as kLost, gets Shutdown (in case it wakes up) and no more work.
//
// Rank 0 never blocks on one worker: Step() only looks at what has arrived. A Report
// or Finished for a trial that is not the one its sender runs is stale (it crossed a
// Stop on the wire) and is dropped.

Coordinator::Coordinator(Scheduler& scheduler, Transport& transport, Clock& clock,
                         const std::atomic<bool>* stop_requested, CoordinatorOptions options)
    : scheduler_(scheduler), transport_(transport), clock_(clock), stop_requested_(stop_requested),
      options_(std::move(options)),
      dispatcher_(scheduler, transport.size() - 1,
                  DispatcherOptions{options_.lost_after_seconds, options_.store, true, options_.name_ranks,
                                    options_.fail_fast, options_.deadline}) {
  start_time_ = clock_.Now();
  next_progress_ = start_time_ + options_.progress_every;
}

void Coordinator::ReportProgress(double now) {
  if (!options_.on_progress || options_.progress_every <= 0.0 || now < next_progress_) return;
  next_progress_ = now + options_.progress_every;
  options_.on_progress(MeasureProgress(scheduler_, dispatcher_.summary(), now - start_time_));
}

Result<RunSummary> Coordinator::Run() {
  if (transport_.size() < 2) return Status::Internal("the coordinator needs at least one worker rank");
  MPITUNE_RETURN_IF_ERROR(RunLoopUntilFinished([this] { return Step(); }));
  MPITUNE_RETURN_IF_ERROR(transport_.Flush());
  return dispatcher_.summary();
}

Result<LoopStep> Coordinator::Step() {
  bool busy = false;
  Status status;
  double now = clock_.Now();
  while (status.ok()) {
    std::optional<std::pair<int, Message>> received = transport_.Poll();
    if (!received) break;
    busy = true;
    status = Handle(received->first, received->second, now);
  }
  if (busy) now = clock_.Now();
  // The deadline stops the study like a stop request, so it is applied before one is handled.
  if (status.ok()) dispatcher_.CheckDeadline(now);
  if (status.ok() && !dispatcher_.stopping() && stop_requested_ != nullptr &&
      stop_requested_->load(std::memory_order_relaxed)) {
    busy = true;
    dispatcher_.RequestStop();
  }
  if (status.ok() && dispatcher_.stopping()) {
    // A stop request, or fail fast decided while handling a Finished above.
    for (const auto& [worker, trial] : dispatcher_.TakeRunsToInterrupt()) {
      busy = true;
      if (!status.ok()) break;
      status = SendTo(RankOf(worker), StopMsg{trial});
    }
  }
  if (status.ok()) {
    for (int worker : dispatcher_.DeclareLost(now)) {
      busy = true;
      Log(fmt::format("rank 0: {}", dispatcher_.summary().last_failure));
      // Best effort: a worker that was only stalled leaves when it reads this.
      (void)transport_.Send(RankOf(worker), ShutdownMsg{"taken as lost"});
    }
  }
  const std::int64_t assignments_before = dispatcher_.summary().assignments;
  if (status.ok()) {
    status = dispatcher_.HandOut(now, [this](int worker, const Assignment& assignment,
                                             const std::vector<std::uint8_t>& restore_state) {
      AssignMsg message = ToAssignMsg(assignment);
      message.restore_state = restore_state;
      return SendTo(RankOf(worker), message);
    });
  }
  if (status.ok()) {
    const std::string reason = dispatcher_.summary().deadline_reached ? "deadline reached"
                               : dispatcher_.stopping()               ? "interrupted"
                                                                      : "study done";
    for (int worker : dispatcher_.TakeWorkersToRelease()) {
      if (!status.ok()) break;
      status = SendTo(RankOf(worker), ShutdownMsg{reason});
    }
  }
  if (status.ok() && options_.store != nullptr) status = options_.store->Tick(now);
  if (!status.ok()) {
    ShutDownEveryone("coordinator error: " + status.message());
    return status;
  }
  RunSummary& summary = dispatcher_.summary();
  summary.wall_seconds = now - start_time_;
  if (dispatcher_.AllReleased()) {
    summary.all_workers_lost = !dispatcher_.done() && !dispatcher_.stopping();
    return LoopStep::kFinished;
  }
  ReportProgress(now);
  return busy || summary.assignments != assignments_before ? LoopStep::kBusy : LoopStep::kIdle;
}

Status Coordinator::Handle(int from, Message& message, double now) {
  const int worker = WorkerOf(from);
  if (from == transport_.rank() || worker < 0 || worker >= transport_.size() - 1) {
    Log(fmt::format("rank 0: ignored {} from rank {}, which is not a worker", MessageKindName(KindOf(message)), from));
    return Status::Ok();
  }
  if (auto* report = std::get_if<ReportMsg>(&message)) {
    const std::optional<ReportAnswer> answer =
        dispatcher_.Report(worker, report->trial, report->segment, report->steps, report->values, now);
    if (!answer) return Status::Ok();
    DecisionMsg decision{report->trial, report->segment, answer->answered, answer->decision.kind,
                         answer->decision.donor, std::move(answer->decision.new_config.values),
                         answer->restore_step, {}};
    if (answer->restore_state != nullptr) decision.restore_state = *answer->restore_state;
    return SendTo(from, decision);
  }
  if (auto* finished = std::get_if<FinishedMsg>(&message)) {
    dispatcher_.Finished(worker, finished->trial,
                         RunEnd{finished->outcome, finished->exit_code, finished->duration,
                                std::move(finished->message), finished->checkpoint_step,
                                std::move(finished->checkpoint), finished->lines},
                         now);
    return Status::Ok();
  }
  if (const auto* hello = std::get_if<HelloMsg>(&message)) {
    dispatcher_.Join(worker, hello->rank, hello->device, now);
    Log(fmt::format("rank 0: worker rank {} on {} joined, device {} ({})", hello->rank, hello->hostname,
                    hello->device, hello->device_note));
    return Status::Ok();
  }
  dispatcher_.Heard(worker, now);
  if (std::holds_alternative<HeartbeatMsg>(message)) return Status::Ok();
  Log(fmt::format("rank 0: ignored unexpected {} from rank {}", MessageKindName(KindOf(message)), from));
  return Status::Ok();
}

void Coordinator::ShutDownEveryone(const std::string& reason) {
  for (int worker : dispatcher_.ReleaseAll()) {
    // Best effort: the error that got us here is what the caller reports.
    (void)transport_.Send(RankOf(worker), ShutdownMsg{reason});
  }
  (void)transport_.Flush();
}

Status Coordinator::SendTo(int rank, const Message& message) {
  return transport_.Send(rank, message).WithContext(fmt::format("rank 0: sending {} to rank {}",
                                                                MessageKindName(KindOf(message)), rank));
}

void Coordinator::Log(const std::string& line) const {
  if (options_.log == nullptr) return;
  fmt::print(options_.log, "{}\n", line);
  std::fflush(options_.log);
}

}  // namespace mpitune
