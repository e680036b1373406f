// What the HTML report draws, computed from the read model: one JSON document the
// page's script turns into charts and tables. Large studies are sampled or
// aggregated here, so the page stays small and quick at 100,000 trials.
#pragma once

#include <nlohmann/json.hpp>

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

nlohmann::ordered_json ReportData(const Study& study, const ReportLimits& limits = {});

}  // namespace mpitune::report
