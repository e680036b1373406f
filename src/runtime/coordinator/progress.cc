#include "runtime/coordinator/progress.h"

namespace mpitune {

StudyProgress MeasureProgress(const Scheduler& scheduler, const RunSummary& summary, double elapsed) {
  StudyProgress progress;
  progress.elapsed = elapsed;
  progress.max_trials = scheduler.options().max_trials;
  progress.trials = static_cast<std::int64_t>(scheduler.trial_count());
  progress.running = scheduler.running();
  progress.trials_this_run = summary.trials_started;
  for (const TrialRecord& trial : scheduler.trials()) {
    if (IsTerminal(trial.state)) ++progress.ended;
    if (trial.state == TrialState::kPaused) ++progress.paused;
    if (trial.state == TrialState::kFailed || trial.state == TrialState::kLost) ++progress.failed;
  }
  BestTrialFinder best(scheduler.options().mode);
  scheduler.VisitRungs(best);
  progress.best = best.best();
  progress.best_value = best.best_value();
  return progress;
}

}  // namespace mpitune
