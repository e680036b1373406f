// A worker: says Hello to rank 0, then runs the trials it is assigned, one at a time,
// through a TrialExecution (a built-in objective or the user's command), sending their
// metrics as reports and carrying out rank 0's answers. Protocol logic only (see
// coordinator.cc for the walk-through); it runs over any Transport: MPI, or the
// in-process one of a single-process study.
//
// Reports are pipelined: the worker runs up to kReportsAhead reports ahead of rank 0's
// answers, sending what one pass made as one Report message, so a fast trial is not
// held up by a round trip per report. It waits for every answer only when its run has
// nothing more to say (a built-in objective at its assignment's budget, a command
// that exited), since the last answer says whether the run pauses or stops there.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "mpitune/status.h"
#include "runtime/poll_loop.h"
#include "runtime/protocol/messages.h"
#include "runtime/protocol/transport.h"
#include "runtime/worker/trial_execution.h"

namespace mpitune {

inline constexpr int kCoordinatorRank = 0;

// Starts the execution of one assigned run; `restore_state` is the built-in
// objective's checkpoint to resume from (empty for none).
using ExecutionFactory = std::function<std::unique_ptr<TrialExecution>(
    const Assignment& assignment, const std::vector<std::uint8_t>& restore_state, double now)>;

struct WorkerOptions {
  int rank = -1;               // what the Hello says (the MPI rank); -1: the transport's
  std::string hostname;
  std::string device = "cpu";  // what the Hello says: CUDA_VISIBLE_DEVICES value or "cpu"
  std::string device_note;
  double heartbeat_seconds = 5.0;     // a silent trial still tells rank 0 we are alive
  double output_wait_seconds = 0.05;  // longest block on a command's output per pass
};

class Worker {
 public:
  // A Stop for an intermediate report arrives at most this many reports late: the
  // extra reports are dropped by rank 0, so the scheduler sees exactly the reports
  // it would have seen had the worker waited.
  static constexpr int kReportsAhead = 64;

  // Rank 0 is the coordinator. The references must outlive the worker.
  Worker(ExecutionFactory factory, Transport& transport, Clock& clock, WorkerOptions options);
  ~Worker();

  // One pass: Hello the first time, every waiting message, then the running trial.
  // kIdle: nothing happened (the caller may sleep); kFinished: Shutdown arrived.
  Result<LoopStep> Step();

  // Steps until Shutdown, sleeping while idle.
  Status Run();

  std::int64_t trials_run() const { return trials_run_; }

 private:
  struct Running {
    TrialId trial = -1;
    std::unique_ptr<TrialExecution> execution;
    std::uint32_t segment = 0;
    int unanswered = 0;  // reports of this segment sent, not yet answered
    bool ended = false;  // Stop, Pause or an interrupt: its later reports are moot
  };

  Status Handle(const Message& message);
  void HandleDecision(const DecisionMsg& message);
  Status DriveTrial(bool& busy);
  Status Send(const Message& message);

  ExecutionFactory factory_;
  Transport& transport_;
  Clock& clock_;
  WorkerOptions options_;
  bool said_hello_ = false;
  bool shut_down_ = false;
  std::unique_ptr<Running> running_;
  std::vector<MetricPoint> batch_;  // reused for every pass
  double last_sent_ = 0.0;          // for heartbeats
  std::int64_t trials_run_ = 0;
};

}  // namespace mpitune
