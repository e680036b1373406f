#include "runtime/coordinator/run_stats.h"

#include <algorithm>
#include <cmath>

namespace mpitune {

TurnaroundStats MeasureTurnaround(const std::vector<RunRecord>& runs) {
  std::vector<double> seconds;
  for (const RunRecord& run : runs) {
    if (run.first_report_at >= 0.0) seconds.push_back(run.first_report_at - run.assigned_at);
  }
  TurnaroundStats stats;
  stats.runs = seconds.size();
  if (seconds.empty()) return stats;
  std::sort(seconds.begin(), seconds.end());
  // Nearest-rank percentiles: a reported p99 is a latency that really occurred.
  const auto rank_of = [&](double q) {
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(seconds.size())));
    return seconds[std::clamp<std::size_t>(rank, 1, seconds.size()) - 1];
  };
  stats.median_seconds = rank_of(0.5);
  stats.p99_seconds = rank_of(0.99);
  return stats;
}

std::map<int, double> BusyFractionByRank(const std::vector<RunRecord>& runs, double from, double to) {
  std::map<int, double> busy;
  const double window = to - from;
  for (const RunRecord& run : runs) {
    const bool open = run.finished_at < 0.0;
    const double end = open ? to : run.finished_at;
    const double start = open ? run.assigned_at : run.finished_at - run.duration;
    const double overlap = std::min(end, to) - std::max(start, from);
    busy[run.rank] += std::max(overlap, 0.0);
  }
  for (auto& [rank, seconds] : busy) seconds = window > 0.0 ? seconds / window : 0.0;
  return busy;
}

}  // namespace mpitune
