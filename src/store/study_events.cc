#include "store/study_events.h"

#include <fmt/format.h>

#include "store/byte_codec.h"

namespace mpitune::store {
namespace {

struct Encoder {
  ByteWriter& out;
  void operator()(const AssignEvent& e) {
    out.PutF64(e.now);
    out.PutI64(e.trial);
    out.PutF64(e.budget);
    out.PutF64(e.resume_step);
  }
  void operator()(const ReportEvent& e) {
    out.PutF64(e.now);
    out.PutI64(e.trial);
    out.PutF64(e.step);
    out.PutF64(e.value);
    out.PutU32(static_cast<std::uint32_t>(e.rank));
  }
  void operator()(const FinishedEvent& e) {
    out.PutF64(e.now);
    out.PutI64(e.trial);
    out.PutU8(static_cast<std::uint8_t>(e.outcome));
  }
  void operator()(const DoneEvent& e) { out.PutF64(e.now); }
  void operator()(const RunStartedEvent& e) {
    out.PutI64(e.trial);
    out.PutI64(e.rank);
    out.PutString(e.device);
  }
  void operator()(const RunEndedEvent& e) {
    out.PutI64(e.trial);
    out.PutI64(e.exit_code);
    out.PutF64(e.duration);
    out.PutString(e.message);
  }
  void operator()(const CheckpointEvent& e) {
    out.PutI64(e.trial);
    out.PutF64(e.step);
    out.PutBytes(e.state);
  }
  void operator()(const WaitEvent& e) { out.PutF64(e.now); }
};

// MPITUNE_RETURN_IF_ERROR for Result<T> reads into a field.
#define MPITUNE_READ_INTO(target, expression)          \
  do {                                                 \
    auto read_result = (expression);                   \
    if (!read_result.ok()) return read_result.status(); \
    target = *read_result;                             \
  } while (false)

Result<StudyEvent> DecodeBody(std::uint8_t type, ByteReader& in) {
  switch (type) {
    case 1: {
      AssignEvent e;
      MPITUNE_READ_INTO(e.now, in.ReadF64());
      MPITUNE_READ_INTO(e.trial, in.ReadI64());
      MPITUNE_READ_INTO(e.budget, in.ReadF64());
      MPITUNE_READ_INTO(e.resume_step, in.ReadF64());
      return StudyEvent(e);
    }
    case 2: {
      ReportEvent e;
      MPITUNE_READ_INTO(e.now, in.ReadF64());
      MPITUNE_READ_INTO(e.trial, in.ReadI64());
      MPITUNE_READ_INTO(e.step, in.ReadF64());
      MPITUNE_READ_INTO(e.value, in.ReadF64());
      MPITUNE_READ_INTO(e.rank, in.ReadU32());
      return StudyEvent(e);
    }
    case 3: {
      FinishedEvent e;
      std::uint8_t outcome = 0;
      MPITUNE_READ_INTO(e.now, in.ReadF64());
      MPITUNE_READ_INTO(e.trial, in.ReadI64());
      MPITUNE_READ_INTO(outcome, in.ReadU8());
      if (outcome > static_cast<std::uint8_t>(TrialOutcome::kInterrupted)) {
        return Status::BadInput(fmt::format("unknown trial outcome {}", outcome));
      }
      e.outcome = static_cast<TrialOutcome>(outcome);
      return StudyEvent(e);
    }
    case 4: {
      DoneEvent e;
      MPITUNE_READ_INTO(e.now, in.ReadF64());
      return StudyEvent(e);
    }
    case 5: {
      RunStartedEvent e;
      MPITUNE_READ_INTO(e.trial, in.ReadI64());
      MPITUNE_READ_INTO(e.rank, in.ReadI64());
      MPITUNE_READ_INTO(e.device, in.ReadString());
      return StudyEvent(e);
    }
    case 6: {
      RunEndedEvent e;
      MPITUNE_READ_INTO(e.trial, in.ReadI64());
      MPITUNE_READ_INTO(e.exit_code, in.ReadI64());
      MPITUNE_READ_INTO(e.duration, in.ReadF64());
      MPITUNE_READ_INTO(e.message, in.ReadString());
      return StudyEvent(e);
    }
    case 7: {
      CheckpointEvent e;
      MPITUNE_READ_INTO(e.trial, in.ReadI64());
      MPITUNE_READ_INTO(e.step, in.ReadF64());
      MPITUNE_READ_INTO(e.state, in.ReadBytes());
      return StudyEvent(std::move(e));
    }
    case 8: {
      WaitEvent e;
      MPITUNE_READ_INTO(e.now, in.ReadF64());
      return StudyEvent(e);
    }
    default:
      return Status::BadInput(fmt::format("unknown record type {}", type));
  }
}

#undef MPITUNE_READ_INTO

}  // namespace

std::uint8_t EventRecordType(const StudyEvent& event) { return static_cast<std::uint8_t>(event.index() + 1); }

std::vector<std::uint8_t> EncodeEvent(std::int64_t sequence, const StudyEvent& event) {
  ByteWriter out;
  EncodeEventInto(out, sequence, event);
  return out.Take();
}

void EncodeEventInto(ByteWriter& out, std::int64_t sequence, const StudyEvent& event) {
  out.Clear();
  out.PutI64(sequence);
  std::visit(Encoder{out}, event);
}

Result<SequencedEvent> DecodeEvent(std::uint8_t type, std::span<const std::uint8_t> payload,
                                   const std::string& where) {
  ByteReader in(payload);
  Result<std::int64_t> sequence = in.ReadI64();
  if (!sequence.ok()) return Status::BadInput(fmt::format("{}: {}", where, sequence.status().message()));
  Result<StudyEvent> event = DecodeBody(type, in);
  if (!event.ok()) return Status::BadInput(fmt::format("{}: {}", where, event.status().message()));
  if (!in.done()) return Status::BadInput(fmt::format("{}: {} bytes left over", where, in.remaining()));
  return SequencedEvent{*sequence, std::move(*event)};
}

}  // namespace mpitune::store
