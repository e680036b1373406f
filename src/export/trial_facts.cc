#include "export/trial_facts.h"

#include <cmath>

namespace mpitune::sql {

std::vector<TrialFacts> CollectTrialFacts(const Study& study) {
  std::vector<TrialFacts> facts(study.trials.size());
  const auto slot = [&facts](TrialId id) -> TrialFacts* {
    return id >= 0 && static_cast<std::size_t>(id) < facts.size() ? &facts[static_cast<std::size_t>(id)] : nullptr;
  };
  for (const RunRecord& run : study.runs) {
    TrialFacts* f = slot(run.trial);
    if (f == nullptr) continue;
    ++f->runs;
    f->rank = run.rank;
    f->device = run.device;
    if (run.finished) {
      f->exit_code = run.exit_code;
      f->duration += run.duration;
    }
  }
  for (const ReportRecord& report : study.reports) {
    TrialFacts* f = slot(report.trial);
    if (f == nullptr || !std::isfinite(report.value)) continue;
    // The metric's direction as every scheduler reads it.
    if (!f->best_reported || NormalisedKey(report.value, study.mode) < NormalisedKey(*f->best_reported, study.mode)) {
      f->best_reported = report.value;
    }
  }
  return facts;
}

}  // namespace mpitune::sql
