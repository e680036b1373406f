#include "mpitune/local_runner.h"

#include <cmath>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "runtime/report_grid.h"

namespace mpitune {
namespace {

class LocalRunner {
 public:
  LocalRunner(Scheduler& scheduler, const Objective& objective, Clock& clock, const LocalRunOptions& options,
              const std::atomic<bool>* stop_requested)
      : scheduler_(scheduler), objective_(objective), clock_(clock), options_(options),
        stop_requested_(stop_requested) {}

  Result<LocalRunSummary> Run() {
    const double start = clock_.Now();
    while (true) {
      if (StopRequested()) {
        summary_.interrupted = true;
        break;
      }
      NextAction action = scheduler_.Next(clock_.Now());
      if (std::holds_alternative<Done>(action)) break;
      if (std::holds_alternative<Wait>(action)) {
        // Only a finishing trial could unblock the scheduler, and none is running.
        return Status::Internal(fmt::format(
            "scheduler '{}' asked the only worker to wait while no trial is running",
            SchedulerKindName(scheduler_.options().kind)));
      }
      const Assignment& assignment = std::get<Assignment>(action);
      const TrialOutcome outcome = RunAssignment(assignment);
      scheduler_.Finished(assignment.trial, outcome, clock_.Now());
      if (!store_error_.ok()) return store_error_;
      if (outcome == TrialOutcome::kInterrupted) {
        summary_.interrupted = true;
        break;
      }
    }
    summary_.wall_seconds = clock_.Now() - start;
    return summary_;
  }

 private:
  bool StopRequested() const {
    return stop_requested_ != nullptr && stop_requested_->load(std::memory_order_relaxed);
  }

  // The objective is user-facing code: whatever it throws fails its trial only.
  TrialOutcome RunAssignment(const Assignment& assignment) {
    ++summary_.assignments;
    if (started_.insert(assignment.trial).second) ++summary_.trials_started;
    try {
      return RunSteps(assignment);
    } catch (const std::exception& error) {
      return Fail(assignment.trial, error.what());
    } catch (...) {
      return Fail(assignment.trial, "unknown exception");
    }
  }

  TrialOutcome RunSteps(const Assignment& assignment) {
    const TrialId id = assignment.trial;
    double step = assignment.resume_step;
    std::unique_ptr<ObjectiveSession> evaluation;
    if (const Status status = StartEvaluation(assignment.config, id, step, assignment.restore_from.value_or(id), evaluation);
        !status.ok()) {
      return Fail(id, status.message());
    }
    while (true) {
      if (StopRequested()) return TrialOutcome::kInterrupted;
      step = NextReportStep(step, assignment.budget, options_.report_every);
      const double value = evaluation->Advance(step);
      ++summary_.reports;
      const Decision decision = scheduler_.Report(id, step, value, clock_.Now());
      if (options_.observer != nullptr) {
        store_error_ = options_.observer->Tick(clock_.Now());
        if (!store_error_.ok()) return TrialOutcome::kInterrupted;
      }
      const bool at_budget = step >= assignment.budget;
      switch (decision.kind) {
        case DecisionKind::kExploit:
          if (!at_budget) {
            if (const Status status = StartEvaluation(decision.new_config, id, step, decision.donor, evaluation);
                !status.ok()) {
              return Fail(id, status.message());
            }
          }
          [[fallthrough]];
        case DecisionKind::kContinue:
          if (!at_budget) continue;
          return TrialOutcome::kExited;
        case DecisionKind::kPause:
          if (std::vector<std::uint8_t> bytes = evaluation->Checkpoint(); !bytes.empty()) {
            KeepCheckpoint(id, step, std::move(bytes));
          }
          return TrialOutcome::kExited;
        case DecisionKind::kStop:
          return TrialOutcome::kExited;
      }
    }
  }

  // Starts `config` at `step`, restoring `source`'s checkpoint when there is one
  // (stateless objectives have none and simply evaluate at later budgets).
  Status StartEvaluation(const Config& config, TrialId id, double step, TrialId source,
                      std::unique_ptr<ObjectiveSession>& evaluation) {
    evaluation = objective_.Start(config, id, step);
    if (!evaluation) return Status::Internal(fmt::format("objective '{}' returned nothing to run", objective_.name()));
    if (step <= 0.0) return Status::Ok();
    const std::vector<std::uint8_t>* checkpoint = FindCheckpoint(source);
    if (checkpoint == nullptr) return Status::Ok();
    return evaluation->Restore(*checkpoint);
  }

  // With a store, checkpoints live in the study file, so a resumed study has them.
  void KeepCheckpoint(TrialId id, double step, std::vector<std::uint8_t> bytes) {
    if (options_.observer != nullptr) {
      options_.observer->Checkpointed(id, step, std::move(bytes));
    } else {
      checkpoints_[id] = std::move(bytes);
    }
  }

  const std::vector<std::uint8_t>* FindCheckpoint(TrialId id) const {
    if (options_.observer != nullptr) return options_.observer->FindCheckpoint(id);
    const auto it = checkpoints_.find(id);
    return it == checkpoints_.end() ? nullptr : &it->second;
  }

  TrialOutcome Fail(TrialId id, const std::string& message) {
    ++summary_.failures;
    summary_.last_failure = fmt::format("trial {}: {}", id, message);
    if (options_.observer != nullptr) options_.observer->RunEnded(id, 1, 0.0, message);
    return TrialOutcome::kFailed;
  }

  Scheduler& scheduler_;
  const Objective& objective_;
  Clock& clock_;
  const LocalRunOptions& options_;
  const std::atomic<bool>* stop_requested_;
  LocalRunSummary summary_;
  std::unordered_set<TrialId> started_;
  std::unordered_map<TrialId, std::vector<std::uint8_t>> checkpoints_;  // without an observer
  Status store_error_;
};

}  // namespace

Result<LocalRunSummary> RunInProcess(Scheduler& scheduler, const Objective& objective, Clock& clock,
                                     const LocalRunOptions& options,
                                     const std::atomic<bool>* stop_requested) {
  if (!(options.report_every > 0.0) || !std::isfinite(options.report_every)) {
    return Status::BadInput(fmt::format("report_every: expected a number > 0, got {}", options.report_every));
  }
  LocalRunner runner(scheduler, objective, clock, options, stop_requested);
  return runner.Run();
}

}  // namespace mpitune
