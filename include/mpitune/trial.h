// The values that pass between a scheduler and whoever runs trials (the MPI
// coordinator, the single-process runner or the simulator).
//
// Protocol, as every driver uses it:
//   1. A worker is free -> Scheduler::Next(now) -> Assignment | Wait | Done.
//   2. The worker runs the assigned trial from `resume_step` towards `budget` and
//      calls Report(trial, step, value, now) for each intermediate metric; the
//      Decision says whether to go on (Continue), pause with a checkpoint (Pause),
//      stop (Stop), or exploit a donor (Exploit).
//   3. When the trial's process/session has ended, for whatever reason, the worker
//      calls Finished(trial, outcome, now); only then is the worker free again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "mpitune/space.h"

namespace mpitune {

using TrialId = std::int64_t;

// Where a trial stands in the scheduler's view.
enum class TrialState : std::int8_t {
  kPending = 0,    // waits to be (re)started on a worker
  kRunning = 1,    // on a worker
  kPaused = 2,     // checkpointed at a rung, waiting for a promotion
  kCompleted = 3,  // reached the maximum budget
  kStopped = 4,    // stopped early by the scheduler (or left paused when the study ended)
  kFailed = 5,     // crashed, timed out, or exited without reporting a metric
  kLost = 6,       // its worker disappeared
};
const char* TrialStateName(TrialState state);
bool IsTerminal(TrialState state);

// How a trial's run on a worker ended, as the worker saw it.
enum class TrialOutcome : std::int8_t {
  kExited = 0,       // ended normally (after a Stop/Pause decision, or by itself)
  kFailed = 1,       // non-zero exit, crash, exception, unparseable output
  kTimedOut = 2,     // killed after the configured timeout
  kLost = 3,         // the worker running it is gone
  kInterrupted = 4,  // stopped by a shutdown (SIGTERM/preemption): not its fault,
                     // re-queued to resume from its last checkpoint
};
const char* TrialOutcomeName(TrialOutcome outcome);

struct Assignment {
  TrialId trial = -1;
  Config config;
  double budget = 0.0;       // run until this budget (epochs, steps, ...) is reached
  double resume_step = 0.0;  // the trial's checkpoint is at this step (0 = fresh start)
  int bracket = 0;
  int rung = 0;
  // PBT: start from this other trial's checkpoint (at its `resume_step`).
  std::optional<TrialId> restore_from;
};

struct Wait {};  // nothing to hand out now; ask again after the next event
struct Done {};  // the study is over
using NextAction = std::variant<Assignment, Wait, Done>;

enum class DecisionKind : std::int8_t { kContinue = 0, kStop = 1, kPause = 2, kExploit = 3 };
const char* DecisionKindName(DecisionKind kind);

struct Decision {
  DecisionKind kind = DecisionKind::kContinue;
  // Exploit only: load `donor`'s checkpoint and continue with `new_config`.
  TrialId donor = -1;
  Config new_config;

  static Decision Continue() { return {}; }
  static Decision Stop() { return {DecisionKind::kStop, -1, {}}; }
  static Decision Pause() { return {DecisionKind::kPause, -1, {}}; }
};

}  // namespace mpitune
