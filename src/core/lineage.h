// PBT lineage: the path of a member's training back to step 0 through the exploits it
// made, each followed to the donor as it was when copied. Shared by the read model
// (StudyExploit) and the store (ExploitRecord): both have recipient, donor, donor_step.
#pragma once

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "mpitune/trial.h"

namespace mpitune {

// From `step` on, `trial` trained with the config that `exploit` gave it
// (exploits[exploit].new_...); the first point (step 0) has exploit -1 and trained
// with the config its trial had then: exploits[start_from].old_... when start_from >= 0
// (the trial exploited later), else the trial's config now.
struct LineagePoint {
  double step = 0.0;
  TrialId trial = -1;
  std::int64_t exploit = -1;
  std::int64_t start_from = -1;
};

template <typename Exploit>
std::vector<LineagePoint> LineagePath(const std::vector<Exploit>& exploits, TrialId trial, std::size_t trial_count) {
  std::unordered_map<TrialId, std::vector<std::size_t>> by_recipient;  // ascending indices
  for (std::size_t i = 0; i < exploits.size(); ++i) by_recipient[exploits[i].recipient].push_back(i);
  std::vector<LineagePoint> reversed;
  std::size_t limit = exploits.size();  // only exploits before this one count
  const std::vector<std::size_t> none;
  while (trial >= 0 && static_cast<std::size_t>(trial) < trial_count) {
    const auto found = by_recipient.find(trial);
    const std::vector<std::size_t>& own = found == by_recipient.end() ? none : found->second;
    const auto after = std::lower_bound(own.begin(), own.end(), limit);
    if (after == own.begin()) {
      const std::int64_t start_from = after != own.end() ? static_cast<std::int64_t>(*after) : -1;
      reversed.push_back(LineagePoint{0.0, trial, -1, start_from});
      break;
    }
    const std::size_t index = *(after - 1);
    reversed.push_back(LineagePoint{exploits[index].donor_step, trial, static_cast<std::int64_t>(index), -1});
    limit = index;  // the donor as it was then
    trial = exploits[index].donor;
  }
  return {reversed.rbegin(), reversed.rend()};
}

}  // namespace mpitune
