// Rank 0 of a study: carries messages between the workers (over a Transport) and the
// Dispatcher, which owns the scheduler's side of every decision. Protocol logic only;
// the same code runs under mpirun (MPI transport), in a single-process study and in
// unit tests (in-process transport, driven step by step).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "base/clock.h"
#include "mpitune/scheduler.h"
#include "mpitune/status.h"
#include "runtime/coordinator/dispatcher.h"
#include "runtime/coordinator/progress.h"
#include "runtime/poll_loop.h"
#include "runtime/protocol/transport.h"
#include "runtime/run_summary.h"
#include "store/study_store.h"

namespace mpitune {

struct CoordinatorOptions {
  std::FILE* log = nullptr;  // one line per worker that joins; null = quiet
  // A worker whose running trial has sent nothing for this long is lost: the trial
  // ends as kLost and the rank gets no more work. 0 = never.
  double lost_after_seconds = 0.0;
  // The study store (null: not stored): told where runs go, how they end, and given
  // the built-in objectives' checkpoints; ticked every pass.
  StudyStore* store = nullptr;
  // Name the worker's rank in failure lines (off for a single-process study).
  bool name_ranks = true;
  // Called about every `progress_every` seconds of the clock with where the study
  // stands; never when null or progress_every is 0.
  std::function<void(const StudyProgress&)> on_progress;
  double progress_every = 0.0;
  // See DispatcherOptions::fail_fast; 0 = never.
  std::int64_t fail_fast = 0;
  // See DispatcherOptions::deadline; deadline 0 = none.
  DeadlineOptions deadline = {};
};

class Coordinator {
 public:
  // Every rank other than the transport's own (0) is a worker. `stop_requested` (may
  // be null) is read between steps; the references must outlive the coordinator.
  Coordinator(Scheduler& scheduler, Transport& transport, Clock& clock, const std::atomic<bool>* stop_requested,
              CoordinatorOptions options = {});

  // One pass: handles every waiting message, reacts to a stop request, hands out
  // work and sends idle workers home once the study is over. kIdle: nothing happened
  // (the caller may sleep); kFinished: every worker has been sent Shutdown. An error
  // (a scheduler that waits while nothing runs, a failed send, a store that can no
  // longer write) first sends Shutdown to every worker, so no rank is left waiting.
  Result<LoopStep> Step();

  // Steps until finished, sleeping while idle.
  Result<RunSummary> Run();

  const RunSummary& summary() const { return dispatcher_.summary(); }

 private:
  Status Handle(int from, Message& message, double now);
  Status SendTo(int rank, const Message& message);
  void ShutDownEveryone(const std::string& reason);
  void Log(const std::string& line) const;
  static int WorkerOf(int rank) { return rank - 1; }
  static int RankOf(int worker) { return worker + 1; }

  void ReportProgress(double now);

  Scheduler& scheduler_;
  Transport& transport_;
  Clock& clock_;
  const std::atomic<bool>* stop_requested_;
  CoordinatorOptions options_;
  Dispatcher dispatcher_;
  double start_time_ = 0.0;
  double next_progress_ = 0.0;
};

}  // namespace mpitune
