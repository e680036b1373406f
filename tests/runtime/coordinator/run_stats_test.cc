#include "runtime/coordinator/run_stats.h"

#include <vector>

#include <gtest/gtest.h>

namespace mpitune {
namespace {

RunRecord MakeRun(int rank, double assigned_at, double first_report_at, double finished_at, double worker_seconds) {
  RunRecord run;
  run.rank = rank;
  run.assigned_at = assigned_at;
  run.first_report_at = first_report_at;
  run.finished_at = finished_at;
  run.duration = worker_seconds;
  return run;
}

TEST(RunStatsTest, TurnaroundUsesNearestRankPercentilesOfRunsThatReported) {
  std::vector<RunRecord> runs;
  // Turnarounds 1..100 ms, plus a run that never reported (ignored).
  for (int i = 1; i <= 100; ++i) runs.push_back(MakeRun(1, 10.0, 10.0 + i * 1e-3, 11.0, 1.0));
  runs.push_back(MakeRun(2, 5.0, -1.0, 6.0, 1.0));
  const TurnaroundStats stats = MeasureTurnaround(runs);
  EXPECT_EQ(stats.runs, 100u);
  EXPECT_NEAR(stats.median_seconds, 0.050, 1e-12);
  EXPECT_NEAR(stats.p99_seconds, 0.099, 1e-12);
  EXPECT_EQ(MeasureTurnaround({}).runs, 0u);
}

TEST(RunStatsTest, BusyFractionCountsTheWorkersOwnRunTimeInsideTheWindow) {
  const std::vector<RunRecord> runs = {
      // Rank 1: busy 0..4 (as the worker measured: 4 s ending when Finished arrived),
      // then 5..10; idle 4..5 while its next Assign travelled.
      MakeRun(1, 0.0, 0.1, 4.0, 4.0), MakeRun(1, 4.0, 5.1, 10.0, 5.0),
      // Rank 2: one run from 2 to 8, the rest idle.
      MakeRun(2, 1.5, 2.5, 8.0, 6.0),
      // Rank 3: still running at the end of the window: busy from its Assign.
      MakeRun(3, 6.0, 6.5, -1.0, 0.0)};
  const auto busy = BusyFractionByRank(runs, 0.0, 10.0);
  ASSERT_EQ(busy.size(), 3u);
  EXPECT_NEAR(busy.at(1), 0.9, 1e-12);
  EXPECT_NEAR(busy.at(2), 0.6, 1e-12);
  EXPECT_NEAR(busy.at(3), 0.4, 1e-12);
  // A shorter window clips the runs that straddle its end.
  const auto first_half = BusyFractionByRank(runs, 0.0, 5.0);
  EXPECT_NEAR(first_half.at(1), 0.8, 1e-12);
  EXPECT_NEAR(first_half.at(2), 0.6, 1e-12);
  EXPECT_NEAR(first_half.at(3), 0.0, 1e-12);
}

}  // namespace
}  // namespace mpitune
