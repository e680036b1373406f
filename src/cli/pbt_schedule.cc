#include "cli/pbt_schedule.h"

#include <algorithm>
#include <limits>

namespace mpitune::cli {

std::vector<ScheduleSegment> PbtSchedule(const Study& study, TrialId trial) {
  if (study.exploits.empty() || trial < 0 || static_cast<std::size_t>(trial) >= study.trials.size()) return {};
  std::vector<ScheduleSegment> backwards;
  TrialId current = trial;
  // Exploits of `current` that happened before this study time count; a donor's
  // later exploits do not shape the checkpoint its recipient copied.
  double before_time = std::numeric_limits<double>::infinity();
  // Parameters `current` trained with after its latest counted exploit.
  std::vector<ParamValue> params = study.trials[static_cast<std::size_t>(trial)].params;
  // Each step goes to an earlier exploit, so the walk ends; the bound guards a cycle
  // in a damaged record.
  for (std::size_t guard = 0; guard <= study.exploits.size(); ++guard) {
    const StudyExploit* latest = nullptr;
    for (const StudyExploit& exploit : study.exploits) {
      if (exploit.recipient == current && exploit.time < before_time) latest = &exploit;
    }
    if (latest == nullptr) {
      backwards.push_back({0.0, current, params});
      break;
    }
    backwards.push_back({latest->donor_step, current, latest->new_params});
    // Before the exploit, the model was the donor's up to donor_step, trained with the
    // donor's parameters of that time (its old parameters at its own next exploit, or
    // its current ones).
    const TrialId donor = latest->donor;
    if (donor < 0 || static_cast<std::size_t>(donor) >= study.trials.size()) break;
    before_time = latest->time;
    params = study.trials[static_cast<std::size_t>(donor)].params;
    for (const StudyExploit& exploit : study.exploits) {
      if (exploit.recipient == donor && exploit.time >= before_time) {
        params = exploit.old_params;
        break;
      }
    }
    current = donor;
  }
  std::reverse(backwards.begin(), backwards.end());
  return backwards;
}

}  // namespace mpitune::cli
