#include "runtime/protocol/messages.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace mpitune {
namespace {

using Bytes = std::vector<std::uint8_t>;

// One filled-in example of every message kind, with awkward values where they exist.
std::vector<Message> Samples() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  return {
      HelloMsg{kProtocolVersion, 7, "node-017.cluster", "GPU-8f3a1b2c-0011-2233-4455-66778899aaff",
               "gpu: local worker 3 -> ordinal 1 (CUDA_VISIBLE_DEVICES=3)"},
      AssignMsg{42, {0.5, -3.25, 17.0, 1e-300}, 27.0, 9.0, 2, 1, 13, {0x00, 0xff, 0x7f, 0x80}},
      AssignMsg{43, {}, 1.0, 0.0, 0, 0, -1, {}},
      ReportMsg{42, 0, {3.0}, {0.397887}},
      ReportMsg{44, 2, {1.0, 2.0, 2.5}, {nan, inf, -inf}},
      DecisionMsg{42, 0, 1, DecisionKind::kPause, -1, {}, 0.0, {}},
      DecisionMsg{45, 1, 3, DecisionKind::kExploit, 12, {0.1, 0.2}, 9.0, {0x01, 0x02, 0xff}},
      FinishedMsg{42, TrialOutcome::kFailed, 139, 73.5, "Traceback (most recent call last):\n  ...\nSegfault", 0.0, {},
                  {3, 1, 2}},
      FinishedMsg{44, TrialOutcome::kExited, 0, 2.5, "", 9.0, std::vector<std::uint8_t>(3000, 0xab), {}},
      FinishedMsg{46, TrialOutcome::kInterrupted, 0, 0.0, "", 0.0, {}, {}},
      HeartbeatMsg{},
      StopMsg{42},
      ShutdownMsg{"study done"},
      ShutdownMsg{std::string("with\0nul\xff", 9)},
  };
}

Result<Message> DecodeAs(const Message& original, const Bytes& bytes) {
  return Decode(MessageTag(KindOf(original)), bytes);
}

TEST(ProtocolTest, TagsAndKindsCorrespond) {
  for (int k = 1; k <= 8; ++k) {
    const auto kind = static_cast<MessageKind>(k);
    EXPECT_EQ(MessageKindFromTag(MessageTag(kind)), kind);
    EXPECT_STRNE(MessageKindName(kind), "?");
  }
  EXPECT_FALSE(MessageKindFromTag(kMessageTagBase));
  EXPECT_FALSE(MessageKindFromTag(kMessageTagBase + 9));
  EXPECT_FALSE(MessageKindFromTag(0));
  EXPECT_EQ(KindOf(Message(HelloMsg{})), MessageKind::kHello);
  EXPECT_EQ(KindOf(Message(ShutdownMsg{})), MessageKind::kShutdown);
}

TEST(ProtocolTest, EveryMessageRoundTripsToIdenticalBytes) {
  std::vector<bool> kinds_seen(9, false);
  for (const Message& original : Samples()) {
    kinds_seen[static_cast<std::size_t>(KindOf(original))] = true;
    const Bytes bytes = Encode(original);
    Result<Message> decoded = DecodeAs(original, bytes);
    ASSERT_TRUE(decoded.ok()) << MessageKindName(KindOf(original)) << ": " << decoded.status().message();
    EXPECT_EQ(decoded->index(), original.index());
    EXPECT_EQ(Encode(*decoded), bytes) << MessageKindName(KindOf(original));
    // Equality of the values too, except where NaN != NaN makes it meaningless.
    if (!std::holds_alternative<ReportMsg>(original)) {
      EXPECT_EQ(*decoded, original);
    }
  }
  for (int k = 1; k <= 8; ++k) EXPECT_TRUE(kinds_seen[static_cast<std::size_t>(k)]) << "kind " << k;
}

TEST(ProtocolTest, NanKeepsItsBits) {
  const Bytes bytes = Encode(ReportMsg{1, 0, {2.0}, {std::numeric_limits<double>::quiet_NaN()}});
  Result<Message> decoded = Decode(MessageTag(MessageKind::kReport), bytes);
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(std::isnan(std::get<ReportMsg>(*decoded).values.at(0)));
}

TEST(ProtocolTest, HeaderIsMagicVersionKindReserved) {
  const Bytes bytes = Encode(StopMsg{0x0102030405060708});
  ASSERT_EQ(bytes.size(), kMessageHeaderBytes + 8);
  EXPECT_EQ(bytes[0], 'M');
  EXPECT_EQ(bytes[1], 'T');
  EXPECT_EQ(bytes[2] | (bytes[3] << 8), kProtocolVersion);
  EXPECT_EQ(bytes[4], static_cast<std::uint8_t>(MessageKind::kStop));
  EXPECT_EQ(bytes[5], 0);
  // Little-endian body.
  EXPECT_EQ(bytes[6], 0x08);
  EXPECT_EQ(bytes[13], 0x01);
  EXPECT_EQ(Encode(HeartbeatMsg{}).size(), kMessageHeaderBytes);
}

TEST(ProtocolTest, WrongVersionIsNamedClearly) {
  Bytes bytes = Encode(HelloMsg{});
  bytes[2] = static_cast<std::uint8_t>(kProtocolVersion + 1);
  Result<Message> decoded = Decode(MessageTag(MessageKind::kHello), bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().kind(), ErrorKind::kBadInput);
  EXPECT_EQ(decoded.status().message(),
            "protocol: Hello: protocol version 5 from the peer, this build speaks 4 "
            "(are all ranks running the same mpitune?)");
}

TEST(ProtocolTest, RejectsMalformedHeadersAndBodies) {
  const Bytes report = Encode(ReportMsg{1, 0, {2.0}, {3.0}});
  const int report_tag = MessageTag(MessageKind::kReport);
  auto error = [](int tag, const Bytes& bytes) {
    Result<Message> decoded = Decode(tag, bytes);
    EXPECT_FALSE(decoded.ok());
    return decoded.ok() ? std::string() : decoded.status().message();
  };
  EXPECT_NE(error(7, report).find("MPI tag 7 is not a message tag"), std::string::npos);
  EXPECT_NE(error(report_tag, {}).find("shorter than the 6-byte header"), std::string::npos);
  EXPECT_NE(error(MessageTag(MessageKind::kStop), report).find("header says kind 3"), std::string::npos);

  Bytes bad = report;
  bad[0] = 'X';
  EXPECT_NE(error(report_tag, bad).find("bad magic"), std::string::npos);
  bad = report;
  bad[5] = 1;
  EXPECT_NE(error(report_tag, bad).find("reserved"), std::string::npos);
  bad = report;
  bad.push_back(0);
  EXPECT_NE(error(report_tag, bad).find("1 unexpected bytes"), std::string::npos);
  bad = report;
  bad.pop_back();
  EXPECT_EQ(error(report_tag, bad), "protocol: Report: values: truncated (needs 8 bytes at offset 34, 7 left)");
  // As many values as steps.
  EXPECT_NE(error(report_tag, Encode(ReportMsg{1, 0, {2.0, 3.0}, {4.0}})).find("values: 1 values for 2 steps"),
            std::string::npos);
  EXPECT_NE(error(report_tag, Bytes(kMaxMessageBytes + 1, 0)).find("exceed the limit"), std::string::npos);

  // Enums out of range.
  Bytes decision = Encode(DecisionMsg{1, 0, 1, DecisionKind::kStop, -1, {}, 0.0, {}});
  decision[kMessageHeaderBytes + 16] = 9;
  EXPECT_NE(error(MessageTag(MessageKind::kDecision), decision).find("kind: 9 is not a decision kind"),
            std::string::npos);
  Bytes finished = Encode(FinishedMsg{});
  finished[kMessageHeaderBytes + 8] = 0xff;
  EXPECT_NE(error(MessageTag(MessageKind::kFinished), finished).find("outcome: -1 is not a trial outcome"),
            std::string::npos);
}

TEST(ProtocolTest, RejectsOversizedLengthsWithoutAllocating) {
  // A string length of 0xffffffff with nothing behind it.
  Bytes shutdown = Encode(ShutdownMsg{""});
  for (std::size_t i = kMessageHeaderBytes; i < shutdown.size(); ++i) shutdown[i] = 0xff;
  Result<Message> decoded = Decode(MessageTag(MessageKind::kShutdown), shutdown);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("reason: length 4294967295 exceeds the limit"), std::string::npos);

  // An array count within the limit but beyond the bytes present.
  Bytes assign = Encode(AssignMsg{});
  assign[kMessageHeaderBytes + 8] = 0x00;
  assign[kMessageHeaderBytes + 9] = 0x10;  // 4096 values
  decoded = Decode(MessageTag(MessageKind::kAssign), assign);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("config: truncated"), std::string::npos);
}

TEST(ProtocolTest, EncodeKeepsTheTailOfOverlongStrings) {
  std::string tail(kMaxStringBytes + 100, 'a');
  tail.replace(tail.size() - 5, 5, "oops!");
  const Bytes bytes = Encode(FinishedMsg{1, TrialOutcome::kFailed, 1, 1.0, tail, 0.0, {}, {}});
  Result<Message> decoded = Decode(MessageTag(MessageKind::kFinished), bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  const std::string& message = std::get<FinishedMsg>(*decoded).message;
  EXPECT_EQ(message.size(), kMaxStringBytes);
  EXPECT_EQ(message.substr(message.size() - 5), "oops!");
}

// Whatever Decode accepts must re-encode to the same bytes; whatever it refuses must
// come back as a Status. Run under ASan/UBSan to catch reads past the end.
void ExpectDecodeIsTotal(int tag, const Bytes& bytes) {
  Result<Message> decoded = Decode(tag, bytes);
  if (decoded.ok()) {
    EXPECT_EQ(Encode(*decoded), bytes);
  } else {
    EXPECT_EQ(decoded.status().kind(), ErrorKind::kBadInput);
    EXPECT_EQ(decoded.status().message().rfind("protocol: ", 0), 0u) << decoded.status().message();
  }
}

TEST(ProtocolFuzzTest, EveryTruncationIsRejected) {
  for (const Message& original : Samples()) {
    const Bytes bytes = Encode(original);
    const int tag = MessageTag(KindOf(original));
    for (std::size_t length = 0; length < bytes.size(); ++length) {
      const Bytes cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(length));
      EXPECT_FALSE(Decode(tag, cut).ok()) << MessageKindName(KindOf(original)) << " cut to " << length;
      ExpectDecodeIsTotal(tag, cut);
    }
  }
}

TEST(ProtocolFuzzTest, BitFlipsNeverCrash) {
  std::mt19937_64 rng(20240611);
  for (const Message& original : Samples()) {
    const Bytes bytes = Encode(original);
    const int tag = MessageTag(KindOf(original));
    // Every single-bit flip, exhaustively.
    for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
      Bytes flipped = bytes;
      flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      ExpectDecodeIsTotal(tag, flipped);
    }
    // Random multi-byte damage with random lengths, under every tag.
    for (int round = 0; round < 300; ++round) {
      Bytes damaged = bytes;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !damaged.empty(); ++e) {
        damaged[rng() % damaged.size()] = static_cast<std::uint8_t>(rng());
      }
      damaged.resize(rng() % (damaged.size() + 16), static_cast<std::uint8_t>(rng()));
      ExpectDecodeIsTotal(tag, damaged);
      ExpectDecodeIsTotal(kMessageTagBase + 1 + static_cast<int>(rng() % 8), damaged);
    }
  }
}

TEST(ProtocolFuzzTest, RandomGarbageBehindAValidHeaderNeverCrashes) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 4000; ++round) {
    const auto kind = static_cast<std::uint8_t>(1 + rng() % 8);
    Bytes bytes = {'M', 'T', static_cast<std::uint8_t>(kProtocolVersion), 0, kind, 0};
    const std::size_t body = rng() % 64;
    for (std::size_t i = 0; i < body; ++i) {
      // Bias towards small bytes so that lengths are sometimes plausible.
      bytes.push_back(static_cast<std::uint8_t>(rng() % 3 == 0 ? rng() : rng() % 4));
    }
    ExpectDecodeIsTotal(kMessageTagBase + kind, bytes);
  }
}

TEST(ProtocolTest, SchedulerValuesConvertBothWays) {
  Assignment a;
  a.trial = 9;
  a.config.values = {1.0, 2.0};
  a.budget = 27;
  a.resume_step = 9;
  a.bracket = 1;
  a.rung = 2;
  a.restore_from = 4;
  const Assignment back = ToAssignment(ToAssignMsg(a));
  EXPECT_EQ(back.trial, 9);
  EXPECT_EQ(back.config, a.config);
  EXPECT_EQ(back.budget, 27);
  EXPECT_EQ(back.resume_step, 9);
  EXPECT_EQ(back.bracket, 1);
  EXPECT_EQ(back.rung, 2);
  EXPECT_EQ(back.restore_from, std::optional<TrialId>(4));
  a.restore_from.reset();
  EXPECT_EQ(ToAssignMsg(a).restore_from, -1);
  EXPECT_FALSE(ToAssignment(ToAssignMsg(a)).restore_from);

  const Decision d = ToDecision(DecisionMsg{9, 1, 2, DecisionKind::kExploit, 3, {0.5}, 4.0, {}});
  EXPECT_EQ(d.kind, DecisionKind::kExploit);
  EXPECT_EQ(d.donor, 3);
  EXPECT_EQ(d.new_config, (Config{{0.5}}));
}

}  // namespace
}  // namespace mpitune
