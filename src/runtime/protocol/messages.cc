#include "runtime/protocol/messages.h"

#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include "base/byte_codec.h"

namespace mpitune {

namespace {

constexpr std::uint8_t kMagic0 = 'M';
constexpr std::uint8_t kMagic1 = 'T';
constexpr int kKindCount = static_cast<int>(std::variant_size_v<Message>);

// ---- bodies, one pair per message, fields in the order protocol.h documents ----

void Put(ByteWriter& w, const HelloMsg& m) {
  w.U32(m.protocol_version);
  w.I32(m.rank);
  w.String(m.hostname, kMaxStringBytes);
  w.String(m.device, kMaxStringBytes);
  w.String(m.device_note, kMaxStringBytes);
}
void Get(ByteReader& r, HelloMsg& m) {
  m.protocol_version = r.U32("protocol_version");
  m.rank = r.I32("rank");
  m.hostname = r.String("hostname", kMaxStringBytes);
  m.device = r.String("device", kMaxStringBytes);
  m.device_note = r.String("device_note", kMaxStringBytes);
}

void Put(ByteWriter& w, const AssignMsg& m) {
  w.I64(m.trial);
  w.F64Array(m.config);
  w.F64(m.budget);
  w.F64(m.resume_step);
  w.I32(m.bracket);
  w.I32(m.rung);
  w.I64(m.restore_from);
  w.Bytes(m.restore_state);
}
void Get(ByteReader& r, AssignMsg& m) {
  m.trial = r.I64("trial");
  m.config = r.F64Array("config", kMaxArrayLength);
  m.budget = r.F64("budget");
  m.resume_step = r.F64("resume_step");
  m.bracket = r.I32("bracket");
  m.rung = r.I32("rung");
  m.restore_from = r.I64("restore_from");
  m.restore_state = r.Bytes("restore_state", kMaxCheckpointBytes);
}

void Put(ByteWriter& w, const ReportMsg& m) {
  w.I64(m.trial);
  w.U32(m.segment);
  w.F64Array(m.steps);
  w.F64Array(m.values);
}
void Get(ByteReader& r, ReportMsg& m) {
  m.trial = r.I64("trial");
  m.segment = r.U32("segment");
  m.steps = r.F64Array("steps", kMaxArrayLength);
  m.values = r.F64Array("values", kMaxArrayLength);
  if (r.ok() && m.steps.size() != m.values.size()) {
    r.Fail(fmt::format("values: {} values for {} steps", m.values.size(), m.steps.size()));
  }
}

void Put(ByteWriter& w, const DecisionMsg& m) {
  w.I64(m.trial);
  w.U32(m.segment);
  w.U32(m.answered);
  w.I8(static_cast<std::int8_t>(m.kind));
  w.I64(m.donor);
  w.F64Array(m.new_config);
  w.F64(m.restore_step);
  w.Bytes(m.restore_state);
}
void Get(ByteReader& r, DecisionMsg& m) {
  m.trial = r.I64("trial");
  m.segment = r.U32("segment");
  m.answered = r.U32("answered");
  const std::int8_t kind = r.I8("kind");
  if (kind < static_cast<std::int8_t>(DecisionKind::kContinue) ||
      kind > static_cast<std::int8_t>(DecisionKind::kExploit)) {
    r.Fail(fmt::format("kind: {} is not a decision kind", kind));
  }
  m.kind = static_cast<DecisionKind>(kind);
  m.donor = r.I64("donor");
  m.new_config = r.F64Array("new_config", kMaxArrayLength);
  m.restore_step = r.F64("restore_step");
  m.restore_state = r.Bytes("restore_state", kMaxCheckpointBytes);
}

void Put(ByteWriter& w, const FinishedMsg& m) {
  w.I64(m.trial);
  w.I8(static_cast<std::int8_t>(m.outcome));
  w.I32(m.exit_code);
  w.F64(m.duration);
  w.String(m.message, kMaxStringBytes);
  w.F64(m.checkpoint_step);
  w.Bytes(m.checkpoint);
  w.I64(m.lines.malformed);
  w.I64(m.lines.ignored);
  w.I64(m.lines.steps_back);
}
void Get(ByteReader& r, FinishedMsg& m) {
  m.trial = r.I64("trial");
  const std::int8_t outcome = r.I8("outcome");
  if (outcome < static_cast<std::int8_t>(TrialOutcome::kExited) ||
      outcome > static_cast<std::int8_t>(TrialOutcome::kInterrupted)) {
    r.Fail(fmt::format("outcome: {} is not a trial outcome", outcome));
  }
  m.outcome = static_cast<TrialOutcome>(outcome);
  m.exit_code = r.I32("exit_code");
  m.duration = r.F64("duration");
  m.message = r.String("message", kMaxStringBytes);
  m.checkpoint_step = r.F64("checkpoint_step");
  m.checkpoint = r.Bytes("checkpoint", kMaxCheckpointBytes);
  m.lines.malformed = r.I64("malformed_lines");
  m.lines.ignored = r.I64("ignored_lines");
  m.lines.steps_back = r.I64("steps_back");
}

void Put(ByteWriter&, const HeartbeatMsg&) {}
void Get(ByteReader&, HeartbeatMsg&) {}

void Put(ByteWriter& w, const StopMsg& m) { w.I64(m.trial); }
void Get(ByteReader& r, StopMsg& m) { m.trial = r.I64("trial"); }

void Put(ByteWriter& w, const ShutdownMsg& m) { w.String(m.reason, kMaxStringBytes); }
void Get(ByteReader& r, ShutdownMsg& m) { m.reason = r.String("reason", kMaxStringBytes); }

// Builds the alternative with index `index` of Message and reads its body.
template <std::size_t index = 0>
Message GetBody(std::size_t wanted, ByteReader& reader) {
  if constexpr (index + 1 < std::variant_size_v<Message>) {
    if (wanted != index) return GetBody<index + 1>(wanted, reader);
  }
  std::variant_alternative_t<index, Message> body;
  Get(reader, body);
  return Message(std::in_place_index<index>, std::move(body));
}

Status Fail(MessageKind kind, const std::string& what) {
  return Status::BadInput(fmt::format("protocol: {}: {}", MessageKindName(kind), what));
}

}  // namespace

const char* MessageKindName(MessageKind kind) {
  switch (kind) {
    case MessageKind::kHello: return "Hello";
    case MessageKind::kAssign: return "Assign";
    case MessageKind::kReport: return "Report";
    case MessageKind::kDecision: return "Decision";
    case MessageKind::kFinished: return "Finished";
    case MessageKind::kHeartbeat: return "Heartbeat";
    case MessageKind::kStop: return "Stop";
    case MessageKind::kShutdown: return "Shutdown";
  }
  return "?";
}

int MessageTag(MessageKind kind) { return kMessageTagBase + static_cast<int>(kind); }

std::optional<MessageKind> MessageKindFromTag(int tag) {
  const int kind = tag - kMessageTagBase;
  if (kind < 1 || kind > kKindCount) return std::nullopt;
  return static_cast<MessageKind>(kind);
}

MessageKind KindOf(const Message& message) { return static_cast<MessageKind>(message.index() + 1); }

std::vector<std::uint8_t> Encode(const Message& message) {
  ByteWriter writer;
  writer.U8(kMagic0);
  writer.U8(kMagic1);
  writer.U16(kProtocolVersion);
  writer.U8(static_cast<std::uint8_t>(KindOf(message)));
  writer.U8(0);
  std::visit([&writer](const auto& body) { Put(writer, body); }, message);
  return writer.Take();
}

Result<Message> Decode(int tag, std::span<const std::uint8_t> bytes) {
  const std::optional<MessageKind> kind = MessageKindFromTag(tag);
  if (!kind) {
    return Status::BadInput(fmt::format("protocol: MPI tag {} is not a message tag ({}..{})", tag,
                                        kMessageTagBase + 1, kMessageTagBase + kKindCount));
  }
  if (bytes.size() < kMessageHeaderBytes) {
    return Fail(*kind, fmt::format("{} bytes, shorter than the {}-byte header", bytes.size(),
                                   kMessageHeaderBytes));
  }
  if (bytes.size() > kMaxMessageBytes) {
    return Fail(*kind, fmt::format("{} bytes exceed the limit of {}", bytes.size(), kMaxMessageBytes));
  }

  ByteReader reader(bytes);
  const std::uint8_t magic0 = reader.U8("magic");
  const std::uint8_t magic1 = reader.U8("magic");
  if (magic0 != kMagic0 || magic1 != kMagic1) {
    return Fail(*kind, fmt::format("bad magic 0x{:02x}{:02x}, not an mpitune message", magic0, magic1));
  }
  // Before any field: another release may lay the body out differently.
  const std::uint16_t version = reader.U16("version");
  if (version != kProtocolVersion) {
    return Fail(*kind, fmt::format("protocol version {} from the peer, this build speaks {} "
                                   "(are all ranks running the same mpitune?)",
                                   version, kProtocolVersion));
  }
  const std::uint8_t header_kind = reader.U8("kind");
  if (header_kind != static_cast<std::uint8_t>(*kind)) {
    return Fail(*kind, fmt::format("header says kind {} but the MPI tag {} says {}", header_kind, tag,
                                   static_cast<int>(*kind)));
  }
  if (const std::uint8_t reserved = reader.U8("reserved"); reserved != 0) {
    return Fail(*kind, fmt::format("reserved header byte is {}, expected 0", reserved));
  }

  Message message = GetBody(static_cast<std::size_t>(*kind) - 1, reader);
  if (!reader.ok()) return Fail(*kind, reader.error());
  if (reader.remaining() != 0) {
    return Fail(*kind, fmt::format("{} unexpected bytes after the last field", reader.remaining()));
  }
  return message;
}

AssignMsg ToAssignMsg(const Assignment& assignment) {
  AssignMsg m;
  m.trial = assignment.trial;
  m.config = assignment.config.values;
  m.budget = assignment.budget;
  m.resume_step = assignment.resume_step;
  m.bracket = assignment.bracket;
  m.rung = assignment.rung;
  m.restore_from = assignment.restore_from.value_or(-1);
  return m;
}

Assignment ToAssignment(const AssignMsg& message) {
  Assignment a;
  a.trial = message.trial;
  a.config.values = message.config;
  a.budget = message.budget;
  a.resume_step = message.resume_step;
  a.bracket = message.bracket;
  a.rung = message.rung;
  if (message.restore_from >= 0) a.restore_from = message.restore_from;
  return a;
}

Decision ToDecision(const DecisionMsg& message) {
  return Decision{message.kind, message.donor, Config{message.new_config}};
}

}  // namespace mpitune
