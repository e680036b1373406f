// Rank 0's side of a study, free of messages: which worker runs which trial, what the
// scheduler answers to each report, how runs end, when workers are lost, stopped or
// sent home. The coordinator (coordinator.h) feeds it from the transport; the simulator
// feeds it from its event queue in virtual time; so a study behaves the same whichever
// way it runs, and a new rule (a deadline, say) is written here once.
//
// Costs O(log workers) per hand-out and O(1) per report, so thousands of workers and
// millions of reports per second are fine.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/deadline_policy.h"
#include "mpitune/scheduler.h"
#include "mpitune/status.h"
#include "runtime/coordinator/checkpoint_book.h"
#include "runtime/run_summary.h"
#include "runtime/worker/trial_execution.h"
#include "store/study_store.h"

namespace mpitune {

struct DispatcherOptions {
  // A worker whose running trial has sent nothing for this long is lost: the trial
  // ends as kLost and the worker gets no more work. 0 = never.
  double lost_after_seconds = 0.0;
  // The study store (null: not stored): told where runs go and how they end, and it
  // keeps the built-in objectives' checkpoints.
  StudyStore* store = nullptr;
  // Keep a RunRecord per run in the summary (the end-of-run figures).
  bool keep_runs = true;
  // Name the worker's rank in failure lines ("trial 3 on rank 2: ...").
  bool name_ranks = true;
  // Fail fast: once this many runs have failed (kFailed, kTimedOut) while none has
  // ended well in the whole study, no more work is handed out and the running trials
  // are interrupted (they resume later): a broken command or setup costs a handful
  // of trials, not the study's. 0 = never.
  std::int64_t fail_fast = 0;
  // The study's deadline (deadline 0: none). No hand-out that is not expected to end
  // by its stop time; at the stop time the running runs are interrupted (as by a
  // stop request) and the study ends with summary().deadline_reached.
  DeadlineOptions deadline = {};
};

// Rank 0's answer to one Report message.
struct ReportAnswer {
  std::uint32_t answered = 0;  // reports it answers (all, or up to the decisive one)
  Decision decision;           // Continue, or the first other decision
  double restore_step = 0.0;   // Exploit: the donor checkpoint's step
  const std::vector<std::uint8_t>* restore_state = nullptr;  // Exploit of a built-in objective
};

class Dispatcher {
 public:
  // Starts `assignment` on `worker`, with the built-in objective's checkpoint to resume
  // from (empty for none).
  using AssignFn =
      std::function<Status(int worker, const Assignment& assignment, const std::vector<std::uint8_t>& restore_state)>;

  // Workers are numbered 0..worker_slots-1 (the coordinator uses transport ranks).
  Dispatcher(Scheduler& scheduler, int worker_slots, DispatcherOptions options);

  // `worker` is ready for work; `rank` and `device` go into its runs' records.
  void Join(int worker, int rank, const std::string& device, double now);
  // Any message from `worker` shows it is alive.
  void Heard(int worker, double now);

  // Hands trials to idle workers, lowest number first, until the scheduler has none;
  // nothing once the study is done or stopping. A scheduler that waits while nothing
  // runs can never go on: an Internal error.
  Status HandOut(double now, const AssignFn& assign);

  // A Report message of `worker`'s run. nullopt: nothing to answer (stale: the run has
  // ended or moved on to another segment, so the reports are moot).
  std::optional<ReportAnswer> Report(int worker, TrialId trial, std::uint32_t segment, std::span<const double> steps,
                                     std::span<const double> values, double now);
  // `worker`'s run of `trial` ended (a stale Finished is ignored).
  void Finished(int worker, TrialId trial, RunEnd end, double now);

  // Applies the deadline at `now`: once its stop time has come, the study stops (no
  // new work, running runs to interrupt). HandOut checks it too; a driver that may
  // sit idle until the stop time (nothing to receive) calls it then.
  void CheckDeadline(double now);
  const DeadlinePolicy& deadline() const { return deadline_; }

  // Stop the study (a signal): no new work from now; the running runs are to be
  // interrupted (TakeRunsToInterrupt).
  void RequestStop();
  // Runs to interrupt because the study stops (a stop request or fail fast), each
  // returned once.
  std::vector<std::pair<int, TrialId>> TakeRunsToInterrupt();
  // Runs whose workers were silent past lost_after_seconds end as kLost; returns those
  // workers, which get no more work (tell them to leave).
  std::vector<int> DeclareLost(double now);
  // Idle workers that will get no more work (the study is done or stopping); each is
  // returned once. Workers that have not joined yet are waited for.
  std::vector<int> TakeWorkersToRelease();
  bool AllReleased() const;
  // Ends the study's loop at once (an error): every worker not yet released.
  std::vector<int> ReleaseAll();

  bool done() const { return done_; }
  bool stopping() const { return stopping_; }
  std::int64_t running() const { return running_; }
  const RunSummary& summary() const { return summary_; }
  RunSummary& summary() { return summary_; }

 private:
  // Small (32 bytes), so that a report's lookup among thousands of workers costs one
  // cache line; the device name, needed only at hand-outs, lives in devices_.
  struct Slot {
    TrialId trial = -1;
    double last_heard = 0.0;
    std::uint32_t run_index = 0;  // into summary_.runs
    std::uint32_t segment = 0;
    std::int32_t rank = 0;
    bool joined : 1 = false;
    bool released : 1 = false;   // told to leave (or lost): no more work
    bool lost : 1 = false;
    bool running : 1 = false;
    bool ending : 1 = false;     // a Stop/Pause answer was given: later reports are moot
    bool stop_sent : 1 = false;  // interrupted by a stop request
  };

  // The cost measure of a running run: where and when its last report (or its start) was.
  struct Progress {
    double step = 0.0;
    double time = 0.0;
    double subset = 1.0;  // a proxy task's data fraction: units cost in proportion
  };
  void StopForDeadline();
  // Re-plans max_trials and max_budget from the measured unit cost, at 4 reports per
  // live worker, then at each 4x as many.
  void MaybeReplan(double now);
  // study.expected_time_ratio: the measured cost has just set the deadline.
  void SetDeadlineFromRatio();

  void EndRun(Slot& slot, const RunEnd& end, double now);
  // Counts a run's outcome towards fail fast, and stops the study when it is reached.
  void CheckFailFast(TrialOutcome outcome);
  void Stop();
  void CountFailure(const Slot& slot, TrialId trial, const std::string& message);
  Slot* Find(int worker);

  Scheduler& scheduler_;
  DispatcherOptions options_;
  CheckpointBook checkpoints_;
  std::vector<Slot> slots_;
  std::vector<std::string> devices_;  // by worker
  std::priority_queue<int, std::vector<int>, std::greater<>> idle_;  // may hold stale entries
  std::vector<char> started_;  // by trial id: has had a worker
  std::int64_t running_ = 0;
  std::int64_t released_ = 0;
  double next_lost_check_ = 0.0;
  bool done_ = false;
  bool stopping_ = false;
  bool interrupt_pending_ = false;  // stopping, and running runs not yet told
  DeadlinePolicy deadline_;
  std::vector<Progress> progress_;  // by worker, kept only with a deadline
  bool closed_by_deadline_ = false; // nothing more fits: no more hand-outs
  std::int64_t next_replan_at_ = 4;  // observations of the unit cost
  bool succeeded_ = false;         // a run of the study ended well (this process or before)
  std::int64_t failed_before_success_ = 0;
  RunSummary summary_;
};

}  // namespace mpitune
