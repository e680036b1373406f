#include "store/study_events.h"

#include <cmath>

#include <fmt/format.h>

#include "base/byte_codec.h"
#include "mpitune/scheduler.h"

namespace mpitune::store {
namespace {

struct Encoder {
  ByteWriter& out;
  void Limit(double max_units) {
    if (max_units < HUGE_VAL) out.F64(max_units);
  }
  void operator()(const AssignEvent& e) {
    out.F64(e.now);
    out.I64(e.trial);
    out.F64(e.budget);
    out.F64(e.resume_step);
    Limit(e.max_units);
  }
  void operator()(const ReportEvent& e) {
    out.F64(e.now);
    out.I64(e.trial);
    out.F64(e.step);
    out.F64(e.value);
    out.U32(static_cast<std::uint32_t>(e.rank));
  }
  void operator()(const FinishedEvent& e) {
    out.F64(e.now);
    out.I64(e.trial);
    out.U8(static_cast<std::uint8_t>(e.outcome));
  }
  void operator()(const DoneEvent& e) { out.F64(e.now); }
  void operator()(const RunStartedEvent& e) {
    out.I64(e.trial);
    out.I64(e.rank);
    out.String(e.device);
  }
  void operator()(const RunEndedEvent& e) {
    out.I64(e.trial);
    out.I64(e.exit_code);
    out.F64(e.duration);
    out.String(e.message);
  }
  void operator()(const CheckpointEvent& e) {
    out.I64(e.trial);
    out.F64(e.step);
    out.Bytes(e.state);
  }
  void operator()(const WaitEvent& e) {
    out.F64(e.now);
    Limit(e.max_units);
  }
  void operator()(const MaxTrialsEvent& e) { out.I64(e.max_trials); }
  void operator()(const MaxBudgetEvent& e) { out.F64(e.max_budget); }
  void operator()(const MetricLinesEvent& e) {
    out.I64(e.trial);
    out.I64(e.lines.malformed);
    out.I64(e.lines.ignored);
    out.I64(e.lines.steps_back);
  }
};

// Written only when finite: a record without it (every file without a deadline, and
// every file from before it existed) was made with no limit.
double OptionalLimit(ByteReader& in) { return in.done() ? HUGE_VAL : in.F64("max_units"); }

StudyEvent DecodeBody(std::uint8_t type, ByteReader& in) {
  switch (type) {
    case 1: {
      AssignEvent e{in.F64("now"), in.I64("trial"), in.F64("budget"), in.F64("resume_step")};
      e.max_units = OptionalLimit(in);
      return e;
    }
    case 2:
      return ReportEvent{in.F64("now"), in.I64("trial"), in.F64("step"), in.F64("value"), in.U32("rank")};
    case 3: {
      FinishedEvent e{in.F64("now"), in.I64("trial")};
      const std::uint8_t outcome = in.U8("outcome");
      if (outcome > static_cast<std::uint8_t>(TrialOutcome::kInterrupted)) {
        in.Fail(fmt::format("outcome: unknown trial outcome {}", outcome));
      }
      e.outcome = static_cast<TrialOutcome>(outcome);
      return e;
    }
    case 4:
      return DoneEvent{in.F64("now")};
    case 5:
      return RunStartedEvent{in.I64("trial"), in.I64("rank"), in.String("device")};
    case 6:
      return RunEndedEvent{in.I64("trial"), in.I64("exit_code"), in.F64("duration"), in.String("message")};
    case 7:
      return CheckpointEvent{in.I64("trial"), in.F64("step"), in.Bytes("state")};
    case 8: {
      WaitEvent e{in.F64("now")};
      e.max_units = OptionalLimit(in);
      return e;
    }
    case 9: {
      MetricLinesEvent e{in.I64("trial"), {}};
      e.lines.malformed = in.I64("malformed");
      e.lines.ignored = in.I64("ignored");
      e.lines.steps_back = in.I64("steps_back");
      return e;
    }
    case 10: {
      MaxTrialsEvent e{in.I64("max_trials")};
      if (in.ok() && (e.max_trials < 1 || e.max_trials > kMaxTrialsLimit)) {
        in.Fail(fmt::format("max_trials: {} is out of range", e.max_trials));
      }
      return e;
    }
    case 11: {
      MaxBudgetEvent e{in.F64("max_budget")};
      if (in.ok() && !(std::isfinite(e.max_budget) && e.max_budget > 0.0)) {
        in.Fail(fmt::format("max_budget: {} is not a positive number", e.max_budget));
      }
      return e;
    }
    default:
      in.Fail(fmt::format("unknown record type {}", type));
      return WaitEvent{};
  }
}

}  // namespace

std::uint8_t EventRecordType(const StudyEvent& event) { return static_cast<std::uint8_t>(event.index() + 1); }

std::vector<std::uint8_t> EncodeEvent(std::int64_t sequence, const StudyEvent& event) {
  ByteWriter out;
  EncodeEventInto(out, sequence, event);
  return out.Take();
}

void EncodeEventInto(ByteWriter& out, std::int64_t sequence, const StudyEvent& event) {
  out.Clear();
  out.I64(sequence);
  std::visit(Encoder{out}, event);
}

Result<SequencedEvent> DecodeEvent(std::uint8_t type, std::span<const std::uint8_t> payload,
                                   const std::string& where) {
  ByteReader in(payload);
  SequencedEvent decoded{in.I64("sequence"), WaitEvent{}};
  decoded.event = DecodeBody(type, in);
  if (in.ok() && !in.done()) in.Fail(fmt::format("{} bytes left over", in.remaining()));
  MPITUNE_RETURN_IF_ERROR(in.status(where));
  return decoded;
}

}  // namespace mpitune::store
