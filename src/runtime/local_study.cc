#include "runtime/local_study.h"

#include <memory>
#include <utility>
#include <vector>

#include "runtime/coordinator/coordinator.h"
#include "runtime/poll_loop.h"
#include "runtime/protocol/transport.h"
#include "runtime/worker/worker_setup.h"

namespace mpitune {

Result<RunSummary> RunStudyInProcess(Scheduler& scheduler, ExecutionFactory executions, Clock& clock,
                                     const std::atomic<bool>* stop_requested, const LocalStudyOptions& options) {
  std::vector<std::unique_ptr<Transport>> transports = MakeInProcessTransports(2, InProcessWire::kDirect);
  CoordinatorOptions coordinator_options;
  coordinator_options.store = options.store;
  coordinator_options.name_ranks = false;
  coordinator_options.on_progress = options.on_progress;
  coordinator_options.progress_every = options.progress_every;
  coordinator_options.fail_fast = options.fail_fast;
  coordinator_options.deadline = options.deadline;
  Coordinator coordinator(scheduler, *transports[0], clock, stop_requested, coordinator_options);
  WorkerOptions worker_options = options.worker;
  worker_options.rank = 0;  // the process's own rank: there is no other
  if (worker_options.hostname.empty()) worker_options.hostname = HostName();
  Worker worker(std::move(executions), *transports[1], clock, worker_options);

  UseFineTimerSlack();
  IdlePacer pacer;
  bool coordinator_done = false;
  bool worker_done = false;
  while (!coordinator_done || !worker_done) {
    bool busy = false;
    if (!coordinator_done) {
      Result<LoopStep> step = coordinator.Step();
      if (!step.ok()) return step.status();
      coordinator_done = *step == LoopStep::kFinished;
      busy = busy || *step == LoopStep::kBusy;
    }
    if (!worker_done) {
      Result<LoopStep> step = worker.Step();
      if (!step.ok()) return step.status();
      worker_done = *step == LoopStep::kFinished;
      busy = busy || *step == LoopStep::kBusy;
    }
    if (busy) {
      pacer.Busy();
    } else {
      pacer.Sleep();
    }
  }
  return coordinator.summary();
}

}  // namespace mpitune
