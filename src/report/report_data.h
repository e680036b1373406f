// What the HTML report draws, computed from the read model: one JSON document the
// page's script turns into charts and tables. Large studies are sampled or
// aggregated here, so the page stays small and quick at 100,000 trials.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "core/time_plan.h"
#include "mpitune/study.h"

namespace mpitune::report {

// The most trials drawn one by one in the learning curves and in parallel
// coordinates, and the most points of a value-against-parameter chart; the rest are
// summarised (quantile bands, counts) and the page says how many it shows.
struct ReportLimits {
  std::size_t curves = 300;
  std::size_t parallel = 500;
  std::size_t scatter = 5000;
  std::size_t timeline_runs = 4000;  // above this, busy workers over time instead of one bar per run
  std::size_t failures_listed = 50;
};

// The time plan of a study with a time budget (what `mpitune plan` prints for its
// stored config, on the workers it ran on), shown beside what happened.
struct ShownPlan {
  TimePlan plan;
  std::int64_t workers = 1;
  double unit_seconds = 0.0;
};

nlohmann::ordered_json ReportData(const Study& study, const ReportLimits& limits = {},
                                  const ShownPlan* plan = nullptr);

}  // namespace mpitune::report
