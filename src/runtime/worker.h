// A worker rank of an MPI study: says Hello, then runs the trials rank 0 assigns,
// one at a time, with a built-in objective, reporting every `report_every` budget
// units. It runs ahead of rank 0's decisions by up to kReportsAhead reports, so a
// fast trial is not held up by one round trip per report; at the assignment's budget
// it waits for every answer, since the last one says whether to pause or stop there.
// Protocol logic only (see coordinator.cc for the walk-through); runs over any Transport.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "mpitune/clock.h"
#include "mpitune/objective.h"
#include "mpitune/protocol.h"
#include "mpitune/status.h"
#include "mpitune/transport.h"
#include "runtime/coordinator.h"

namespace mpitune {

struct WorkerOptions {
  double report_every = 1.0;  // > 0
  std::string hostname;
  std::string device = "cpu";  // what the Hello says: CUDA_VISIBLE_DEVICES value or "cpu"
  std::string device_note;
};

class Worker {
 public:
  // A Stop for an intermediate report arrives at most this many steps late: the
  // extra steps are reported and dropped by rank 0, so the scheduler sees exactly
  // the reports it would have seen had the worker waited.
  static constexpr int kReportsAhead = 64;
  // One pass advances the running trial for at most about this long.
  static constexpr double kStepBatchSeconds = 0.001;

  // Rank 0 is the coordinator. The references must outlive the worker.
  Worker(const Objective& objective, Transport& transport, Clock& clock, WorkerOptions options);

  // One pass: sends Hello the first time, handles every waiting message, then moves
  // the running trial on by up to kReportsAhead report steps. kIdle:
  // nothing happened (the caller may sleep); kFinished: Shutdown arrived.
  Result<LoopStep> Step();

  // Steps until Shutdown, sleeping with a backoff while idle.
  Status Run();

  std::int64_t trials_run() const { return trials_run_; }

 private:
  struct RunningTrial {
    Assignment assignment;
    double step = 0.0;  // the last step reported (or resume_step)
    double started_at = 0.0;
    int unanswered = 0;  // reports sent whose decision has not arrived
    std::unique_ptr<ObjectiveSession> evaluation;
  };

  Status Handle(const Message& message);
  Status HandleAssign(const AssignMsg& message);
  Status HandleDecision(const DecisionMsg& message);
  bool CanAdvance() const;
  Status AdvanceOneStep();
  Status StartEvaluation(const Config& config, const std::vector<std::uint8_t>* checkpoint);
  Status Finish(TrialOutcome outcome, const std::string& message, std::vector<std::uint8_t> checkpoint = {});

  const Objective& objective_;
  Transport& transport_;
  Clock& clock_;
  WorkerOptions options_;
  bool said_hello_ = false;
  bool shut_down_ = false;
  std::optional<RunningTrial> running_;
  std::int64_t trials_run_ = 0;
};

}  // namespace mpitune
