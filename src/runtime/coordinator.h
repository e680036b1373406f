// Rank 0 of an MPI study: owns the scheduler and hands trials to the worker ranks
// over a Transport. Protocol logic only; the same code runs under mpirun (MPI
// transport) and in unit tests (in-process transport, driven step by step).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "mpitune/clock.h"
#include "mpitune/run_observer.h"
#include "mpitune/scheduler.h"
#include "mpitune/status.h"
#include "runtime/idle_backoff.h"
#include "mpitune/transport.h"
#include "mpitune/trial.h"

namespace mpitune {

// One run of a trial on a worker (a start or a resume).
struct TrialRun {
  TrialId trial = -1;
  int rank = -1;
  std::string device;  // the worker's Hello device: a CUDA_VISIBLE_DEVICES value or "cpu"
  bool finished = false;
  TrialOutcome outcome = TrialOutcome::kExited;  // valid once finished
  double assigned_at = 0.0;      // on the coordinator's clock
  double first_report_at = -1.0; // -1: none yet
  double finished_at = -1.0;     // -1: still running
  double worker_seconds = 0.0;   // how long the worker says the run took (its Finished)
};

struct CoordinatorSummary {
  std::int64_t trials_started = 0;  // distinct trials that got a worker
  std::int64_t assignments = 0;     // starts and resumes
  std::int64_t reports = 0;         // metrics passed to Scheduler::Report
  std::int64_t failures = 0;        // runs that ended with kFailed or kTimedOut
  std::int64_t lost_workers = 0;    // declared lost (silent past lost_after_seconds)
  double wall_seconds = 0.0;        // on the given clock
  double last_assignment_at = -1.0; // clock time of the last hand-out before Done
  bool interrupted = false;         // stopped by `stop_requested`, not by Done
  bool all_workers_lost = false;    // ended because no worker was left
  std::string last_failure;         // "trial N on rank R: <message>", if any
  std::vector<TrialRun> runs;       // in the order they were handed out
};

struct CoordinatorOptions {
  std::FILE* log = nullptr;  // one line per worker that joins; null = quiet
  // A worker whose running trial has sent nothing for this long is lost: the trial
  // ends as kLost and the rank gets no more work. 0 = never.
  double lost_after_seconds = 0.0;
  // The study store (null: not stored): told where runs go, how they end, and given
  // the built-in objectives' checkpoints; ticked every pass.
  RunObserver* observer = nullptr;
};


class Coordinator {
 public:
  // Every rank other than the transport's own is a worker. `stop_requested` (may be
  // null) is read between steps; the references must outlive the coordinator.
  Coordinator(Scheduler& scheduler, Transport& transport, Clock& clock, const std::atomic<bool>* stop_requested,
              CoordinatorOptions options = {});

  // One pass: handles every waiting message, reacts to a stop request, hands out
  // work and shuts idle workers down once the study is over. kIdle: nothing
  // happened (the caller may sleep); kFinished: every worker has been sent Shutdown.
  // An error (a scheduler that waits while nothing runs, a failed send) first sends
  // Shutdown to every worker, so no rank is left waiting.
  Result<LoopStep> Step();

  // Steps until finished, sleeping with a backoff while idle.
  Result<CoordinatorSummary> Run();

  const CoordinatorSummary& summary() const { return summary_; }

 private:
  struct WorkerSlot {
    bool joined = false;     // its Hello arrived
    bool shut_down = false;  // Shutdown sent
    bool stop_sent = false;  // StopMsg sent for the running trial
    bool ending = false;     // a Stop/Pause decision was sent: later reports are moot
    bool lost = false;
    bool running = false;
    double last_heard = 0.0;
    TrialId trial = -1;
    std::size_t run_index = 0;  // into summary_.runs
    std::string device = "cpu";
  };

  Status Handle(int from, const Message& message);
  Status HandOutWork();
  void DeclareLostWorkers();
  void KeepCheckpoint(TrialId trial, double step, std::vector<std::uint8_t> state);
  const std::vector<std::uint8_t>* FindCheckpoint(TrialId trial) const;
  void EndRun(WorkerSlot& slot, TrialOutcome outcome, double worker_seconds);
  Status ShutDownIdleWorkers();
  void ShutDownEveryone(const std::string& reason);
  Status SendTo(int rank, const Message& message);
  WorkerSlot* Slot(int rank);
  bool AnyRunning() const;
  bool AllShutDown() const;
  void Log(const std::string& line) const;

  Scheduler& scheduler_;
  Transport& transport_;
  Clock& clock_;
  const std::atomic<bool>* stop_requested_;
  CoordinatorOptions options_;
  std::vector<WorkerSlot> slots_;  // indexed by rank; the coordinator's own slot is unused
  std::unordered_set<TrialId> started_;  // trials that have had a worker
  // Paused built-in trials' states, when there is no observer to keep them.
  std::unordered_map<TrialId, std::vector<std::uint8_t>> checkpoints_;
  bool study_done_ = false;        // the scheduler said Done
  bool stopping_ = false;          // a stop was requested: no new work
  double start_time_ = 0.0;
  CoordinatorSummary summary_;
};

}  // namespace mpitune
