#include "mpitune/trial.h"

namespace mpitune {

const char* TrialStateName(TrialState state) {
  switch (state) {
    case TrialState::kPending: return "pending";
    case TrialState::kRunning: return "running";
    case TrialState::kPaused: return "paused";
    case TrialState::kCompleted: return "completed";
    case TrialState::kStopped: return "stopped";
    case TrialState::kFailed: return "failed";
    case TrialState::kLost: return "lost";
  }
  return "unknown";
}

bool IsTerminal(TrialState state) {
  return state == TrialState::kCompleted || state == TrialState::kStopped ||
         state == TrialState::kFailed || state == TrialState::kLost;
}

const char* TrialOutcomeName(TrialOutcome outcome) {
  switch (outcome) {
    case TrialOutcome::kExited: return "exited";
    case TrialOutcome::kFailed: return "failed";
    case TrialOutcome::kTimedOut: return "timed_out";
    case TrialOutcome::kLost: return "lost";
    case TrialOutcome::kInterrupted: return "interrupted";
  }
  return "unknown";
}

const char* DecisionKindName(DecisionKind kind) {
  switch (kind) {
    case DecisionKind::kContinue: return "continue";
    case DecisionKind::kStop: return "stop";
    case DecisionKind::kPause: return "pause";
    case DecisionKind::kExploit: return "exploit";
  }
  return "unknown";
}

}  // namespace mpitune
