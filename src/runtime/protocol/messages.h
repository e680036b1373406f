// The messages between rank 0 (the coordinator) and the worker ranks.
//
// Pure encoding: no MPI here. The transport sends Encode()'s bytes as MPI_BYTE with
// the kind's tag (MessageTag) and hands what it receives, with its tag, to Decode().
//
// Conversation
//   worker -> 0   Hello      once, at start: protocol version, rank, host, device
//   0 -> worker   Assign     run a trial from resume_step towards budget (with the
//                            checkpoint of a built-in objective to resume from)
//   worker -> 0   Report     one or more metrics of the running trial, in step order,
//                            all of one segment (see below)
//   0 -> worker   Decision   the answer to every Report message, in order: Continue
//                            when the scheduler let every report of it go on, else
//                            the first other decision and how many reports it answers
//                            (`answered`): Stop or Pause end the run, Exploit restarts
//                            it from the donor's checkpoint (restore_step, and the
//                            state for a built-in objective) with new_config.
//                            Reports after a Stop/Pause/Exploit are moot: rank 0
//                            drops them unanswered and never passes them on.
//   worker -> 0   Finished   the trial's process/session has ended; the worker is free
//   worker -> 0   Heartbeat  "still alive" while a trial runs without reporting
//   0 -> worker   Stop       stop (interrupt) this running trial now
//   0 -> worker   Shutdown   leave the worker loop; the reason is logged
//
// Segments: a run starts in segment 0; each Exploit starts the next. A Report carries
// the segment its metrics were measured in and a Decision the segment it answers, so
// neither side mistakes a report made before an Exploit for one made after it.
//
// Wire format (all integers little-endian, two's complement; no padding)
//   header  6 bytes: magic 'M' 'T', u16 version (kProtocolVersion), u8 kind,
//                    u8 reserved (0)
//   body    the message's fields in declaration order:
//             i32/i64/u32   fixed width
//             f64           IEEE-754 bits as u64 (NaN payloads survive)
//             enum          i8
//             string        u32 byte length + bytes (no terminator)
//             f64 array     u32 element count + elements
//             bytes         u32 byte length + bytes (at most kMaxCheckpointBytes)
//   MPI tag = kMessageTagBase + kind.
//
//   kind  message    body
//   1     Hello      u32 protocol_version, i32 rank, string hostname,
//                    string device (CUDA_VISIBLE_DEVICES value or "cpu"),
//                    string device_note
//   2     Assign     i64 trial, f64[] config, f64 budget, f64 resume_step,
//                    i32 bracket, i32 rung, i64 restore_from (-1 = none),
//                    bytes restore_state (a built-in objective's checkpoint to
//                    resume from; empty = none)
//   3     Report     i64 trial, u32 segment, f64[] steps, f64[] values (as many)
//   4     Decision   i64 trial, u32 segment, u32 answered, i8 kind (DecisionKind),
//                    i64 donor, f64[] new_config, f64 restore_step,
//                    bytes restore_state (Exploit of a built-in objective)
//   5     Finished   i64 trial, i8 outcome (TrialOutcome), i32 exit_code,
//                    f64 duration, string message (stderr tail / error text),
//                    f64 checkpoint_step, bytes checkpoint (a built-in
//                    objective's state when it paused; rank 0 stores it in the
//                    study file, so the trial resumes on any rank, after a crash too),
//                    i64 malformed_lines, i64 ignored_lines, i64 steps_back (a
//                    command's metric lines that made no report)
//   6     Heartbeat  (empty)
//   7     Stop       i64 trial
//   8     Shutdown   string reason
//
// Decode checks, in order: the size of the header, the magic, the version (a peer
// built from another release fails here with both versions named, before any field
// is read), the kind against the tag, every length against both its limit and the
// bytes left, every enum against its range, and that no bytes are left over. Any
// failure is a kBadInput Status naming the message and the field; Decode never reads
// out of bounds, never allocates more than the input's size, and never throws.
//
// Encode cuts strings longer than kMaxStringBytes to their last kMaxStringBytes bytes
// (the end of an stderr tail is the part that explains a crash), so whatever Encode
// produces, Decode accepts; arrays must hold at most kMaxArrayLength values.
// Encode(Decode(b)) == b for every b that Decode accepts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "mpitune/run_record.h"
#include "mpitune/status.h"
#include "mpitune/trial.h"

namespace mpitune {

// 4: Finished carries the run's metric line counts.
inline constexpr std::uint16_t kProtocolVersion = 4;
inline constexpr std::size_t kMessageHeaderBytes = 6;
inline constexpr std::size_t kMaxStringBytes = 64 * 1024;
inline constexpr std::size_t kMaxArrayLength = 64 * 1024;
// Above the largest message Encode can produce; the transport may reject bigger
// probes (MPI_Get_count) before it allocates a receive buffer.
inline constexpr std::size_t kMaxCheckpointBytes = 16 * 1024 * 1024;
inline constexpr std::size_t kMaxMessageBytes = kMaxCheckpointBytes + 2 * 1024 * 1024;
// MPI tags start here so that they stay clear of the small tags other code may use.
inline constexpr int kMessageTagBase = 100;

enum class MessageKind : std::uint8_t {
  kHello = 1,
  kAssign = 2,
  kReport = 3,
  kDecision = 4,
  kFinished = 5,
  kHeartbeat = 6,
  kStop = 7,
  kShutdown = 8,
};
const char* MessageKindName(MessageKind kind);
int MessageTag(MessageKind kind);
// nullopt for a tag that belongs to no message kind.
std::optional<MessageKind> MessageKindFromTag(int tag);

struct HelloMsg {
  std::uint32_t protocol_version = kProtocolVersion;
  std::int32_t rank = -1;
  std::string hostname;
  std::string device;  // the trial's CUDA_VISIBLE_DEVICES value, or "cpu"
  std::string device_note;
  bool operator==(const HelloMsg&) const = default;
};

struct AssignMsg {
  TrialId trial = -1;
  std::vector<double> config;  // Config::values
  double budget = 0.0;
  double resume_step = 0.0;
  std::int32_t bracket = 0;
  std::int32_t rung = 0;
  TrialId restore_from = -1;  // -1 = none
  std::vector<std::uint8_t> restore_state;  // checkpoint to resume from; empty = none
  bool operator==(const AssignMsg&) const = default;
};

struct ReportMsg {
  TrialId trial = -1;
  std::uint32_t segment = 0;
  std::vector<double> steps;
  std::vector<double> values;  // one per step
  bool operator==(const ReportMsg&) const = default;
};

struct DecisionMsg {
  TrialId trial = -1;
  std::uint32_t segment = 0;   // of the reports it answers
  std::uint32_t answered = 0;  // how many reports of that Report message it answers
  DecisionKind kind = DecisionKind::kContinue;
  TrialId donor = -1;               // Exploit only
  std::vector<double> new_config;   // Exploit only
  double restore_step = 0.0;        // Exploit: the donor checkpoint's step
  std::vector<std::uint8_t> restore_state;  // Exploit of a built-in objective
  bool operator==(const DecisionMsg&) const = default;
};

struct FinishedMsg {
  TrialId trial = -1;
  TrialOutcome outcome = TrialOutcome::kExited;
  std::int32_t exit_code = 0;
  double duration = 0.0;  // seconds
  std::string message;    // stderr tail or error text; empty when it went well
  double checkpoint_step = 0.0;
  std::vector<std::uint8_t> checkpoint;  // a paused built-in objective's state
  MetricLineCounts lines;                // a command's output lines that made no report
  bool operator==(const FinishedMsg&) const = default;
};

struct HeartbeatMsg {
  bool operator==(const HeartbeatMsg&) const = default;
};

struct StopMsg {
  TrialId trial = -1;
  bool operator==(const StopMsg&) const = default;
};

struct ShutdownMsg {
  std::string reason;
  bool operator==(const ShutdownMsg&) const = default;
};

// The alternatives are in MessageKind order: index + 1 == kind.
using Message = std::variant<HelloMsg, AssignMsg, ReportMsg, DecisionMsg, FinishedMsg, HeartbeatMsg,
                             StopMsg, ShutdownMsg>;
MessageKind KindOf(const Message& message);

std::vector<std::uint8_t> Encode(const Message& message);
// `tag` is the MPI tag the bytes arrived with; it must agree with the header's kind.
Result<Message> Decode(int tag, std::span<const std::uint8_t> bytes);

// Conversions between the scheduler's values and their messages.
AssignMsg ToAssignMsg(const Assignment& assignment);
Assignment ToAssignment(const AssignMsg& message);
Decision ToDecision(const DecisionMsg& message);

}  // namespace mpitune
