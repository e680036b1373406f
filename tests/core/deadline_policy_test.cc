// The deadline's two rules (core/deadline_policy.h).
#include "core/deadline_policy.h"

#include <gtest/gtest.h>

#include <cmath>

namespace mpitune {
namespace {

TEST(DeadlinePolicyTest, StopsTheGraceAndMarginBeforeTheDeadline) {
  const DeadlinePolicy policy(DeadlineOptions{100.0, 10.0, 0.5, 0.0});
  EXPECT_TRUE(policy.enabled());
  EXPECT_DOUBLE_EQ(policy.stop_at(), 89.5);
  EXPECT_FALSE(policy.StopDue(89.4));
  EXPECT_TRUE(policy.StopDue(89.5));
  EXPECT_FALSE(DeadlinePolicy(DeadlineOptions{}).StopDue(1e9));
}

TEST(DeadlinePolicyTest, HandsOutOnlyWhatIsExpectedToEndBeforeTheStop) {
  DeadlinePolicy policy(DeadlineOptions{100.0, 0.0, 0.0, 2.0});
  EXPECT_TRUE(policy.Fits(10.0, 80.0));   // 80 + 20 = 100
  EXPECT_FALSE(policy.Fits(10.0, 80.5));
  // Measured: 30 s for 10 units beats the prior of 2 s a unit.
  policy.Observe(10.0, 30.0);
  EXPECT_DOUBLE_EQ(policy.unit_seconds(), 3.0);
  EXPECT_FALSE(policy.Fits(10.0, 80.0));
  EXPECT_TRUE(policy.Fits(10.0, 70.0));
  // A ratio of sums: the long run weighs more.
  policy.Observe(1.0, 1.0);
  EXPECT_DOUBLE_EQ(policy.unit_seconds(), 31.0 / 11.0);
  EXPECT_FALSE(policy.Fits(0.0, 100.0));  // nothing starts at the stop
}

TEST(DeadlinePolicyTest, UnknownCostLetsTheFirstTrialsRunToMeasureIt) {
  DeadlinePolicy policy(DeadlineOptions{100.0, 0.0, 0.0, 0.0});
  EXPECT_TRUE(policy.Fits(1e6, 0.0));
  policy.Observe(0.0, 5.0);   // no progress: nothing learnt
  policy.Observe(2.0, -1.0);  // a clock that went back: ignored
  EXPECT_EQ(policy.observations(), 0);
  EXPECT_TRUE(policy.Fits(1e6, 0.0));
}

TEST(DeadlinePolicyTest, AnExpectedTimeRatioSetsTheDeadlineFromTheFirstMeasuredCosts) {
  DeadlineOptions options;
  options.max_budget = 9.0;
  options.stop_grace = 1.0;
  options.time_ratio = 2.0;
  DeadlinePolicy policy(options);
  EXPECT_FALSE(policy.enabled());
  EXPECT_TRUE(policy.measuring());
  EXPECT_TRUE(std::isinf(policy.UnitsThatFit(0.0)));
  for (int i = 1; i < DeadlinePolicy::kRatioObservations; ++i) {
    policy.Observe(1.0, 3.0);
    EXPECT_FALSE(policy.enabled()) << i;
  }
  policy.Observe(1.0, 5.0);  // 14 s for 4 units: 3.5 s a unit
  ASSERT_TRUE(policy.enabled());
  EXPECT_DOUBLE_EQ(policy.deadline(), 2.0 * 9.0 * 3.5);
  // Set once: later costs move the estimate, not the deadline.
  policy.Observe(1.0, 100.0);
  EXPECT_DOUBLE_EQ(policy.deadline(), 63.0);
  EXPECT_DOUBLE_EQ(policy.stop_at(), 62.0);
}

}  // namespace
}  // namespace mpitune
