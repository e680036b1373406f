// The journal's event records: the NextWithin limit is written only when there is one,
// so a study without a deadline writes what it always wrote and older files decode.
#include <gtest/gtest.h>

#include <cmath>
#include <variant>

#include "mpitune/scheduler.h"
#include "store/study_events.h"

namespace mpitune::store {
namespace {

TEST(StudyEvents, AnAssignWithoutLimitIsTheFormerRecord) {
  const std::vector<std::uint8_t> bytes = EncodeEvent(7, AssignEvent{1.5, 3, 9.0, 3.0});
  EXPECT_EQ(bytes.size(), 8u * 5);  // sequence, now, trial, budget, resume_step
  const Result<SequencedEvent> decoded = DecodeEvent(1, bytes, "journal");
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  const auto& assign = std::get<AssignEvent>(decoded->event);
  EXPECT_EQ(decoded->sequence, 7);
  EXPECT_EQ(assign.trial, 3);
  EXPECT_TRUE(std::isinf(assign.max_units));
}

TEST(StudyEvents, TheLimitRoundTrips) {
  for (double limit : {0.0, 2.5, -1.0}) {
    const Result<SequencedEvent> assign = DecodeEvent(1, EncodeEvent(1, AssignEvent{1, 2, 3, 1, limit}), "j");
    ASSERT_TRUE(assign.ok());
    EXPECT_EQ(std::get<AssignEvent>(assign->event).max_units, limit);
    const Result<SequencedEvent> wait = DecodeEvent(8, EncodeEvent(2, WaitEvent{4, limit}), "j");
    ASSERT_TRUE(wait.ok());
    EXPECT_EQ(std::get<WaitEvent>(wait->event).max_units, limit);
  }
  const Result<SequencedEvent> plain_wait = DecodeEvent(8, EncodeEvent(2, WaitEvent{4}), "j");
  ASSERT_TRUE(plain_wait.ok());
  EXPECT_TRUE(std::isinf(std::get<WaitEvent>(plain_wait->event).max_units));
}

TEST(StudyEvents, BytesBeyondTheLimitAreRefused) {
  std::vector<std::uint8_t> bytes = EncodeEvent(1, WaitEvent{4, 2.0});
  bytes.push_back(0);
  const Result<SequencedEvent> decoded = DecodeEvent(8, bytes, "journal record 5");
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("journal record 5"), std::string::npos) << decoded.status().message();
}

TEST(StudyEvents, ARePlannedMaxTrialsRoundTripsAndAnImpossibleOneIsRefused) {
  const StudyEvent event = MaxTrialsEvent{1234};
  EXPECT_EQ(EventRecordType(event), 10);
  const Result<SequencedEvent> decoded = DecodeEvent(10, EncodeEvent(9, event), "j");
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->sequence, 9);
  EXPECT_EQ(std::get<MaxTrialsEvent>(decoded->event).max_trials, 1234);
  for (std::int64_t bad : {std::int64_t{0}, std::int64_t{-5}, kMaxTrialsLimit + 1}) {
    const Result<SequencedEvent> refused = DecodeEvent(10, EncodeEvent(9, MaxTrialsEvent{bad}), "journal record 3");
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.status().message().find("max_trials"), std::string::npos) << refused.status().message();
  }
}

TEST(StudyEvents, ARePlannedMaxBudgetRoundTripsAndAnImpossibleOneIsRefused) {
  const StudyEvent event = MaxBudgetEvent{42.5};
  EXPECT_EQ(EventRecordType(event), 11);
  const Result<SequencedEvent> decoded = DecodeEvent(11, EncodeEvent(3, event), "j");
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(std::get<MaxBudgetEvent>(decoded->event).max_budget, 42.5);
  for (double bad : {0.0, -1.0, HUGE_VAL, static_cast<double>(NAN)}) {
    const Result<SequencedEvent> refused = DecodeEvent(11, EncodeEvent(3, MaxBudgetEvent{bad}), "journal record 8");
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.status().message().find("max_budget"), std::string::npos) << refused.status().message();
  }
}

}  // namespace
}  // namespace mpitune::store
