// A worker rank of an MPI study whose trials are the user's command: the same
// conversation with rank 0 as Worker (worker.h), but each Assign starts a child
// process (command_trial_runner.h) and its metric lines become Reports. While a
// report waits for its Decision the process keeps running and its output is still
// read, so a chatty trial never blocks on a full pipe.
#pragma once

#include <cstdint>
#include <memory>

#include "mpitune/clock.h"
#include "mpitune/protocol.h"
#include "mpitune/status.h"
#include "mpitune/study_config.h"
#include "mpitune/transport.h"
#include "runtime/command_trial_runner.h"
#include "runtime/coordinator.h"
#include "runtime/worker.h"

namespace mpitune {

struct CommandWorkerOptions {
  WorkerOptions hello;              // hostname and device for the Hello
  double heartbeat_seconds = 5.0;   // a silent trial still tells rank 0 we are alive
  double output_wait_seconds = 0.05;  // longest block on the trial's pipes per step
};

class CommandWorker {
 public:
  // Rank 0 is the coordinator. The references must outlive the worker.
  CommandWorker(const StudyConfig& config, CommandRunnerSettings settings, Transport& transport, Clock& clock,
                CommandWorkerOptions options);
  ~CommandWorker();

  // One pass: Hello the first time, every waiting message, then the running trial's
  // output. kIdle: nothing happened; kFinished: Shutdown arrived.
  Result<LoopStep> Step();

  // Steps until Shutdown.
  Status Run();

  std::int64_t trials_run() const { return trials_run_; }

 private:
  Status Handle(const Message& message);
  Status DriveTrial(bool& busy);
  Status SendFinished();

  const StudyConfig& config_;
  CommandRunnerSettings settings_;
  Transport& transport_;
  Clock& clock_;
  CommandWorkerOptions options_;
  bool said_hello_ = false;
  bool shut_down_ = false;
  std::unique_ptr<CommandTrialRunner> running_;
  double last_sent_ = 0.0;  // for heartbeats
  std::int64_t trials_run_ = 0;
};

}  // namespace mpitune
