// PBT's schedule along a lineage, worked by hand: which config ran from which step,
// following each exploit back to the donor's state at the time it was copied.
#include <gtest/gtest.h>

#include <vector>

#include "mpitune/study.h"

namespace mpitune {
namespace {

std::vector<ParamValue> P(double h) { return {ParamValue{h}}; }

// Four trials; configs h = 10 * id at the start.
//   exploit 0: trial 2 copies 0 at step 2 (0 was at 2), explores to h = 5
//   exploit 1: trial 0 copies 1 at step 4 (1 was at 4), explores to h = 15
//   exploit 2: trial 3 copies 2 at step 6 (2 was at 5), explores to h = 7
// Trial 3's lineage: 3 <- 2 (at 5, after exploit 0) <- 0 (at 2, before exploit 1).
Study ThreeExploits() {
  Study study;
  for (TrialId id = 0; id < 4; ++id) {
    StudyTrial trial;
    trial.id = id;
    trial.params = P(10.0 * static_cast<double>(id));
    study.trials.push_back(trial);
  }
  const auto exploit = [&](TrialId recipient, TrialId donor, double step, double donor_step, double before,
                           double after) {
    study.exploits.push_back(StudyExploit{recipient, donor, step, donor_step, 0.0, P(before), P(after)});
    study.trials[static_cast<std::size_t>(recipient)].params = P(after);
    study.trials[static_cast<std::size_t>(recipient)].parent = donor;
  };
  exploit(2, 0, 2, 2, 20, 5);
  exploit(0, 1, 4, 4, 0, 15);
  exploit(3, 2, 6, 5, 30, 7);
  return study;
}

void ExpectSchedule(const std::vector<ScheduleStep>& got, const std::vector<ScheduleStep>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].step, want[i].step) << "entry " << i;
    EXPECT_EQ(got[i].trial, want[i].trial) << "entry " << i;
    EXPECT_EQ(got[i].params, want[i].params) << "entry " << i;
  }
}

TEST(LineageScheduleTest, FollowsEachExploitBackToTheDonorAsItWasThen) {
  const Study study = ThreeExploits();
  // Trial 0 ran h = 0 from the start (its config before exploit 1), and trial 2 took
  // over at step 2 with h = 5; trial 3 from step 5 with h = 7.
  ExpectSchedule(LineageSchedule(study, 3), {{0, 0, P(0)}, {2, 2, P(5)}, {5, 3, P(7)}});
  // Trial 0 itself: h = 10 from trial 1's start, 15 from step 4.
  ExpectSchedule(LineageSchedule(study, 0), {{0, 1, P(10)}, {4, 0, P(15)}});
  // A trial that never exploited: its own config from step 0.
  ExpectSchedule(LineageSchedule(study, 1), {{0, 1, P(10)}});
}

}  // namespace
}  // namespace mpitune
