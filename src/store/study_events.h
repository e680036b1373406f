// The journal's records: every scheduler call that changed the study (in the order
// the scheduler saw them, so replaying them into the scheduler loaded from the last
// snapshot rebuilds its exact state) and the runtime facts that go with them (which
// rank ran a run, how it ended, a built-in objective's checkpoint).
//
// Each payload starts with the event's sequence number (u64 as i64), which increases
// by one per event over the study's whole life; a snapshot records the last one it
// contains, so a journal record already in the snapshot is recognised and skipped.
//
//   type  event        payload after the sequence number
//   1     Assign       f64 now, i64 trial, f64 budget, f64 resume_step
//                      [, f64 max_units: the NextWithin limit, when finite]
//   2     Report       f64 now, i64 trial, f64 step, f64 value, u32 rank
//   3     Finished     f64 now, i64 trial, u8 outcome (TrialOutcome)
//   4     Done         f64 now                     (Next said Done: the study ended)
//   5     RunStarted   i64 trial, i32-as-i64 rank, string device
//   6     RunEnded     i64 trial, i64 exit_code, f64 duration, string message
//   7     Checkpoint   i64 trial, f64 step, bytes state
//   8     Wait         f64 now [, f64 max_units]   (Next said Wait)
//   9     MetricLines  i64 trial, i64 malformed, i64 ignored, i64 steps_back
//                      (a command's output lines that made no report; recorded
//                      before its RunEnded, only when one is not 0)
//   10    MaxTrials    i64 max_trials              (the time plan was re-made from
//                      measured costs: Scheduler::SetMaxTrials changed it)
//   11    MaxBudget    f64 max_budget              (likewise: Scheduler::SetMaxBudget)
// A Wait is recorded because it may still change the scheduler (SHA closes its first
// rung on the Wait that finds max_trials started; a sampler that runs dry is marked
// exhausted, after a Hyperband bracket was charged for it): without the record, replay
// would rebuild another state than the one the study had.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "mpitune/run_record.h"
#include "mpitune/status.h"
#include "mpitune/trial.h"
#include "base/byte_codec.h"

namespace mpitune::store {

// max_units: the limit the scheduler was asked under (Scheduler::NextWithin; +Inf
// = none, and then not written, so files without a deadline are as before).
struct AssignEvent {
  double now = 0.0;
  TrialId trial = -1;
  double budget = 0.0;
  double resume_step = 0.0;
  double max_units = HUGE_VAL;
};
struct ReportEvent {
  double now = 0.0;
  TrialId trial = -1;
  double step = 0.0;
  double value = 0.0;
  std::int64_t rank = 0;  // of the run that made it (the store fills it in)
};
struct FinishedEvent {
  double now = 0.0;
  TrialId trial = -1;
  TrialOutcome outcome = TrialOutcome::kExited;
};
struct DoneEvent {
  double now = 0.0;
};
struct WaitEvent {
  double now = 0.0;
  double max_units = HUGE_VAL;
};
struct RunStartedEvent {
  TrialId trial = -1;
  std::int64_t rank = 0;
  std::string device;
};
struct RunEndedEvent {
  TrialId trial = -1;
  std::int64_t exit_code = 0;
  double duration = 0.0;
  std::string message;
};
struct CheckpointEvent {
  TrialId trial = -1;
  double step = 0.0;
  std::vector<std::uint8_t> state;
};
struct MetricLinesEvent {
  TrialId trial = -1;
  MetricLineCounts lines;
};
struct MaxTrialsEvent {
  std::int64_t max_trials = 0;
};
struct MaxBudgetEvent {
  double max_budget = 0.0;
};

using StudyEvent = std::variant<AssignEvent, ReportEvent, FinishedEvent, DoneEvent, RunStartedEvent, RunEndedEvent,
                                CheckpointEvent, WaitEvent, MetricLinesEvent, MaxTrialsEvent, MaxBudgetEvent>;

struct SequencedEvent {
  std::int64_t sequence = 0;
  StudyEvent event;
};

// The journal record type of an event: its variant index + 1.
std::uint8_t EventRecordType(const StudyEvent& event);
std::vector<std::uint8_t> EncodeEvent(std::int64_t sequence, const StudyEvent& event);
// The same into `out` (cleared first): the store's hot path, without an allocation.
void EncodeEventInto(ByteWriter& out, std::int64_t sequence, const StudyEvent& event);
// A record that does not decode (unknown type, short payload, bad enum, bytes left
// over) is an error naming `where`.
Result<SequencedEvent> DecodeEvent(std::uint8_t type, std::span<const std::uint8_t> payload, const std::string& where);

}  // namespace mpitune::store
