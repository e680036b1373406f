#include "runtime/local_command_runner.h"

#include <optional>
#include <string>
#include <unordered_set>
#include <variant>

#include <fmt/format.h>

namespace mpitune {
namespace {

// Long enough to cost no CPU, short enough that a process that ends (which does not
// wake the wait) is noticed at once.
constexpr double kOutputWaitSeconds = 0.05;

bool StopRequested(const std::atomic<bool>* flag) {
  return flag != nullptr && flag->load(std::memory_order_relaxed);
}

// Runs one assignment to its end, answering each report with the scheduler's decision.
CommandRunEnd RunOne(Scheduler& scheduler, const StudyConfig& config, const CommandRunnerSettings& settings,
                     const Assignment& assignment, Clock& clock, const std::atomic<bool>* stop_requested,
                     RunObserver* observer, LocalRunSummary& summary, Status& store_error) {
  CommandTrialRunner runner(config, settings, assignment, clock.Now());
  while (!runner.Done()) {
    if (observer != nullptr && store_error.ok()) store_error = observer->Tick(clock.Now());
    // A study that can no longer be stored stops as if interrupted.
    if (!runner.interrupted() && (StopRequested(stop_requested) || !store_error.ok())) runner.Interrupt(clock.Now());
    runner.Wait(kOutputWaitSeconds);
    runner.Poll(clock.Now());
    while (std::optional<MetricReport> report = runner.TakeReport()) {
      ++summary.reports;
      const Decision decision = scheduler.Report(assignment.trial, report->step, report->value, clock.Now());
      runner.Decide(decision.kind, clock.Now());
    }
  }
  return runner.Finish();
}

}  // namespace

Result<LocalRunSummary> RunCommandTrialsInProcess(Scheduler& scheduler, const StudyConfig& config,
                                                  const CommandRunnerSettings& settings, Clock& clock,
                                                  const std::atomic<bool>* stop_requested, RunObserver* observer) {
  LocalRunSummary summary;
  Status store_error;
  std::unordered_set<TrialId> started;
  const double start = clock.Now();
  while (true) {
    if (StopRequested(stop_requested)) {
      summary.interrupted = true;
      break;
    }
    NextAction action = scheduler.Next(clock.Now());
    if (std::holds_alternative<Done>(action)) break;
    if (std::holds_alternative<Wait>(action)) {
      return Status::Internal(fmt::format("scheduler '{}' asked the only worker to wait while no trial is running",
                                          SchedulerKindName(scheduler.options().kind)));
    }
    const Assignment& assignment = std::get<Assignment>(action);
    ++summary.assignments;
    if (started.insert(assignment.trial).second) ++summary.trials_started;
    const CommandRunEnd end =
        RunOne(scheduler, config, settings, assignment, clock, stop_requested, observer, summary, store_error);
    if (observer != nullptr) observer->RunEnded(assignment.trial, end.exit_code, end.duration, end.message);
    scheduler.Finished(assignment.trial, end.outcome, clock.Now());
    if (!store_error.ok()) return store_error;
    if (end.outcome == TrialOutcome::kFailed || end.outcome == TrialOutcome::kTimedOut) {
      ++summary.failures;
      summary.last_failure = fmt::format("trial {}: {}", assignment.trial, end.message);
    }
    if (end.outcome == TrialOutcome::kInterrupted) {
      summary.interrupted = true;
      break;
    }
  }
  summary.wall_seconds = clock.Now() - start;
  return summary;
}

}  // namespace mpitune
