#include <cmath>
#include <optional>
#include <vector>

#include "mpitune/scheduler.h"

namespace mpitune {

std::optional<TrialId> BestTrialOf(const std::vector<RungSummary>& rungs, MetricMode mode) {
  // Budgets, not rung indices, decide "highest": Hyperband's brackets share budgets.
  double best_budget = -HUGE_VAL;
  double best_key = HUGE_VAL;
  std::optional<TrialId> best;
  for (const RungSummary& rung : rungs) {
    if (rung.budget < best_budget) continue;
    for (const RungEntry& entry : rung.entries) {
      if (!std::isfinite(entry.value)) continue;
      const double key = NormalisedKey(entry.value, mode);
      const bool higher = rung.budget > best_budget;
      if (higher || key < best_key || (key == best_key && entry.trial < *best)) {
        best_budget = rung.budget;
        best_key = key;
        best = entry.trial;
      }
    }
  }
  return best;
}

}  // namespace mpitune
