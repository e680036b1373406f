// What a trial's runs and reports add up to, for the trials table: how many runs,
// where the last one ran and how it exited, time spent, the best value it reported.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mpitune/study.h"

namespace mpitune::sql {

struct TrialFacts {
  std::int64_t runs = 0;
  std::optional<int> rank;               // of its last run
  std::optional<std::string> device;     // of its last run
  std::optional<std::int64_t> exit_code; // of its last finished run
  double duration = 0.0;                 // seconds, summed over its finished runs
  std::optional<double> best_reported;   // the best finite value it reported (any step)
};

// Indexed by trial id.
std::vector<TrialFacts> CollectTrialFacts(const Study& study);

}  // namespace mpitune::sql
