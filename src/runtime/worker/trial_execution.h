// One run of a trial on a worker (a start or a resume), whatever runs it: a built-in
// objective in this process (objective_execution.h) or the user's command in a child
// process (command_execution.h). The worker loop (worker.h) owns the conversation
// with rank 0 and drives an execution through this interface: it asks for progress,
// sends the reports that come out, and hands over the scheduler's decisions, so a
// decision (a pause, a stop, an exploit of a donor) is carried out in one place per
// kind of trial and the protocol in one place for all of them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mpitune/run_record.h"
#include "mpitune/trial.h"

namespace mpitune {

struct MetricPoint {
  double step = 0.0;
  double value = 0.0;
};

// The donor of an Exploit: where the recipient continues from.
struct ExploitSource {
  TrialId donor = -1;
  Config config;       // the recipient's new hyperparameters
  double step = 0.0;   // the donor checkpoint's step: the recipient restarts there
  std::vector<std::uint8_t> state;  // a built-in objective's checkpoint; empty for commands
};

// How a run ended, as the Finished message and Scheduler::Finished want it.
struct RunEnd {
  TrialOutcome outcome = TrialOutcome::kExited;
  int exit_code = 0;
  double duration = 0.0;  // seconds on the worker's clock
  std::string message;    // empty when it went well; else the reason (and stderr tail)
  // A paused built-in objective's state, which rank 0 keeps for its resume.
  double checkpoint_step = 0.0;
  std::vector<std::uint8_t> checkpoint;
  MetricLineCounts lines;  // a command's output lines that made no report
};

class TrialExecution {
 public:
  virtual ~TrialExecution() = default;

  // Moves the run on for about `max_seconds` at most and appends the metrics it made,
  // at most `max_reports` of them, to `out`. A built-in objective computes steps (none
  // once `max_reports` is 0); a command waits for output (blocking up to `max_seconds`
  // only when it has nothing to hand out) and enforces its timeout and stop grace.
  virtual void Progress(double now, double max_seconds, int max_reports, std::vector<MetricPoint>& out) = 0;
  // The scheduler ended the run: Pause (keep a checkpoint) or Stop.
  virtual void End(DecisionKind kind, double now) = 0;
  // The scheduler's Exploit: continue from the donor's checkpoint with its config.
  virtual void Exploit(const ExploitSource& source, double now) = 0;
  // The study stops (a signal, preemption): end now; the trial resumes later.
  virtual void Interrupt(double now) = 0;
  // Nothing more will come out of it: a built-in objective reached its budget or was
  // ended, a command's process has exited.
  virtual bool Quiet() const = 0;
  // Call once Quiet() and every report is answered (or the run was ended).
  virtual RunEnd Finish(double now) = 0;
};

}  // namespace mpitune
