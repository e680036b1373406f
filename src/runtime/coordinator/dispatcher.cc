#include "runtime/coordinator/dispatcher.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "core/time_plan.h"

namespace mpitune {

namespace {

// A trial that ranks, or is on its way (it reported and was interrupted): the study's
// command works, so fail fast stays off for the rest of it, resumes included.
bool HasSucceeded(const TrialRecord& trial) {
  switch (trial.state) {
    case TrialState::kPaused:
    case TrialState::kCompleted:
    case TrialState::kStopped:
      return true;
    case TrialState::kPending:
    case TrialState::kRunning:
      return trial.reports > 0;
    case TrialState::kFailed:
    case TrialState::kLost:
      return false;
  }
  return false;
}

}  // namespace

Dispatcher::Dispatcher(Scheduler& scheduler, int worker_slots, DispatcherOptions options)
    : scheduler_(scheduler), options_(options), checkpoints_(options.store),
      slots_(static_cast<std::size_t>(std::max(worker_slots, 0))), devices_(slots_.size(), "cpu"),
      deadline_(options.deadline) {
  if (deadline_.measuring()) {
    progress_.resize(slots_.size());
    if (options_.store != nullptr) {
      const StudyHistory& history = options_.store->history();
      deadline_.Resume(history.measured_units, history.measured_seconds, history.measured_observations);
      // Re-plan at the next threshold above what was measured before.
      while (next_replan_at_ <= deadline_.observations()) next_replan_at_ *= 4;
    }
  }
  if (options_.fail_fast > 0) {
    for (const TrialRecord& trial : scheduler_.trials()) {
      if (HasSucceeded(trial)) {
        succeeded_ = true;
        break;
      }
    }
  }
}

Dispatcher::Slot* Dispatcher::Find(int worker) {
  if (worker < 0 || worker >= static_cast<int>(slots_.size())) return nullptr;
  return &slots_[static_cast<std::size_t>(worker)];
}

void Dispatcher::Join(int worker, int rank, const std::string& device, double now) {
  Slot* slot = Find(worker);
  if (slot == nullptr || slot->joined) return;
  slot->joined = true;
  slot->rank = rank;
  devices_[static_cast<std::size_t>(worker)] = device;
  slot->last_heard = now;
  idle_.push(worker);
}

void Dispatcher::Heard(int worker, double now) {
  if (Slot* slot = Find(worker)) slot->last_heard = now;
}

void Dispatcher::CheckDeadline(double now) {
  if (stopping_ || done_ || !deadline_.enabled()) return;
  // Closed and nothing left running: waiting for the stop time would only idle.
  if (deadline_.StopDue(now) || (closed_by_deadline_ && running_ == 0)) StopForDeadline();
}

void Dispatcher::StopForDeadline() {
  summary_.deadline_reached = true;
  Stop();
}

void Dispatcher::SetDeadlineFromRatio() {
  summary_.time_budget_from_ratio = deadline_.deadline();
  // The study's budget from now on, resumes included: stored with the study.
  if (options_.store != nullptr) (void)options_.store->SetTimeBudget(deadline_.deadline());
}

void Dispatcher::MaybeReplan(double now) {
  const DeadlineOptions& deadline = deadline_.options();
  if (!(deadline.replan_max_trials || deadline.replan_max_budget) || deadline_.observations() < next_replan_at_) return;
  if (done_ || stopping_ || closed_by_deadline_) return;
  std::int64_t workers = 0;
  for (const Slot& slot : slots_) workers += slot.joined && !slot.released && !slot.lost ? 1 : 0;
  // The first reports come from the cheapest configs: a plan made from them alone
  // would count on all work going at their pace (on 100 workers, the first 4 reports
  // measured less than half the mean cost, the first 100 a fifth less). Wait for 4
  // reports per worker.
  if (deadline_.observations() < 4 * workers) {
    next_replan_at_ = 4 * workers;
    return;
  }
  while (next_replan_at_ <= deadline_.observations()) next_replan_at_ *= 4;
  const double unit_seconds = deadline_.unit_seconds();
  RunSummary::Replan replan{now, scheduler_.options().max_trials, scheduler_.options().max_trials,
                            scheduler_.options().max_budget, scheduler_.options().max_budget, unit_seconds};
  // max_budget first: the trials that fit depend on it.
  if (deadline.replan_max_budget) {
    const std::optional<double> planned = ReplanMaxBudget(scheduler_.options(), deadline, workers, unit_seconds);
    if (planned && scheduler_.SetMaxBudget(*planned)) replan.max_budget_after = scheduler_.options().max_budget;
  }
  if (deadline.replan_max_trials) {
    const std::optional<std::int64_t> planned =
        ReplanMaxTrials(scheduler_.options(), deadline, workers, unit_seconds);
    const std::int64_t before = replan.max_trials_before;
    // Small moves are noise in the measurement, not a better plan.
    if (planned && std::abs(static_cast<double>(*planned - before)) > 0.1 * static_cast<double>(before) &&
        scheduler_.SetMaxTrials(*planned)) {
      replan.max_trials_after = scheduler_.options().max_trials;
    }
  }
  if (replan.max_trials_after != replan.max_trials_before || replan.max_budget_after != replan.max_budget_before) {
    summary_.replans.push_back(replan);
  }
}

Status Dispatcher::HandOut(double now, const AssignFn& assign) {
  CheckDeadline(now);
  while (!done_ && !stopping_ && !closed_by_deadline_ && !idle_.empty()) {
    const int worker = idle_.top();
    Slot& slot = slots_[static_cast<std::size_t>(worker)];
    if (!slot.joined || slot.released || slot.running) {
      idle_.pop();  // stale entry
      continue;
    }
    // Near the deadline the scheduler offers only what fits (a short run rather than
    // an idle worker); the limit counts whole-data units, so a proxy run's is an
    // upper bound of its cost.
    const double max_units = deadline_.UnitsThatFit(now);
    NextAction action = scheduler_.NextWithin(now, max_units);
    if (std::holds_alternative<Done>(action)) {
      done_ = true;
      break;
    }
    if (std::holds_alternative<Wait>(action)) {
      // Only a running trial's Report or Finished can change the scheduler's mind.
      if (running_ == 0 && max_units < HUGE_VAL) {
        // What is left does not fit before the deadline: a later resume with more
        // time takes it up.
        closed_by_deadline_ = true;
        CheckDeadline(now);
        break;
      }
      if (running_ == 0) {
        return Status::Internal(fmt::format("scheduler '{}' asked every worker to wait while no trial is running",
                                            SchedulerKindName(scheduler_.options().kind)));
      }
      break;
    }
    const Assignment& assignment = std::get<Assignment>(action);
    idle_.pop();
    if (!progress_.empty()) {
      progress_[static_cast<std::size_t>(worker)] =
          Progress{assignment.resume_step, now, deadline_.Subset(assignment.budget)};
    }
    slot.running = true;
    slot.ending = false;
    slot.stop_sent = false;
    slot.segment = 0;
    slot.trial = assignment.trial;
    slot.last_heard = now;
    ++running_;
    ++summary_.assignments;
    summary_.last_assignment_at = now;
    const auto index = static_cast<std::size_t>(assignment.trial);
    if (index >= started_.size()) started_.resize(std::max(index + 1, 2 * started_.size()), 0);
    if (started_[index] == 0) {
      started_[index] = 1;
      ++summary_.trials_started;
    }
    if (options_.keep_runs) {
      slot.run_index = static_cast<std::uint32_t>(summary_.runs.size());
      RunRecord run;
      run.trial = assignment.trial;
      run.rank = slot.rank;
      run.device = devices_[static_cast<std::size_t>(worker)];
      run.assigned_at = now;
      summary_.runs.push_back(std::move(run));
    }
    if (options_.store != nullptr) {
      options_.store->RunStarted(assignment.trial, slot.rank, devices_[static_cast<std::size_t>(worker)]);
    }
    static const std::vector<std::uint8_t> kNoState;
    const std::vector<std::uint8_t>* restore = &kNoState;
    if (assignment.resume_step > 0.0) {
      if (const StoredCheckpoint* checkpoint = checkpoints_.Find(assignment.restore_from.value_or(assignment.trial))) {
        restore = &checkpoint->state;
      }
    }
    MPITUNE_RETURN_IF_ERROR(assign(worker, assignment, *restore));
  }
  return Status::Ok();
}

std::optional<ReportAnswer> Dispatcher::Report(int worker, TrialId trial, std::uint32_t segment,
                                               std::span<const double> steps, std::span<const double> values,
                                               double now) {
  Slot* slot = Find(worker);
  if (slot == nullptr || slot->lost) return std::nullopt;
  slot->last_heard = now;
  if (!slot->running || slot->trial != trial || slot->ending || slot->segment != segment) return std::nullopt;
  if (options_.keep_runs) {
    RunRecord& run = summary_.runs[slot->run_index];
    if (run.first_report_at < 0.0) run.first_report_at = now;
  }
  if (!progress_.empty() && !steps.empty()) {
    Progress& progress = progress_[static_cast<std::size_t>(worker)];
    const double step = steps.back();
    if (step > progress.step) {
      const bool had_deadline = deadline_.enabled();
      const double units = (step - progress.step) * progress.subset;
      if (deadline_.Observe(units, now - progress.time) && options_.store != nullptr) {
        options_.store->CostMeasured(units, now - progress.time);
      }
      progress.step = step;
      progress.time = now;
      if (!had_deadline && deadline_.enabled()) SetDeadlineFromRatio();
      MaybeReplan(now);
    }
  }
  ReportAnswer answer;
  const std::size_t count = std::min(steps.size(), values.size());
  for (std::size_t i = 0; i < count; ++i) {
    ++summary_.reports;
    answer.decision = scheduler_.Report(trial, steps[i], values[i], now);
    answer.answered = static_cast<std::uint32_t>(i + 1);
    if (answer.decision.kind == DecisionKind::kContinue) continue;
    if (answer.decision.kind == DecisionKind::kExploit) {
      ++slot->segment;
      const TrialId donor = answer.decision.donor;
      if (const StoredCheckpoint* checkpoint = checkpoints_.Find(donor)) {
        answer.restore_step = checkpoint->step;
        answer.restore_state = &checkpoint->state;
      } else if (donor >= 0 && static_cast<std::size_t>(donor) < scheduler_.trial_count()) {
        answer.restore_step = scheduler_.trial(donor).checkpoint_step;
      }
      if (!progress_.empty()) {
        Progress& progress = progress_[static_cast<std::size_t>(worker)];
        progress.step = answer.restore_step;
        progress.time = now;
      }
    } else {
      slot->ending = true;
    }
    break;
  }
  return answer;
}

void Dispatcher::CountFailure(const Slot& slot, TrialId trial, const std::string& message) {
  ++summary_.failures;
  summary_.last_failure = options_.name_ranks ? fmt::format("trial {} on rank {}: {}", trial, slot.rank, message)
                                              : fmt::format("trial {}: {}", trial, message);
}

void Dispatcher::EndRun(Slot& slot, const RunEnd& end, double now) {
  const TrialId trial = slot.trial;
  if (end.outcome == TrialOutcome::kFailed || end.outcome == TrialOutcome::kTimedOut ||
      end.outcome == TrialOutcome::kLost) {
    CountFailure(slot, trial, end.message);
  }
  if (!end.checkpoint.empty()) checkpoints_.Keep(trial, end.checkpoint_step, end.checkpoint);
  if (end.lines.any()) {
    summary_.lines += end.lines;
    if (options_.store != nullptr) options_.store->RunOutput(trial, end.lines);
  }
  if (options_.store != nullptr) options_.store->RunEnded(trial, end.exit_code, end.duration, end.message);
  scheduler_.Finished(trial, end.outcome, now);
  CheckFailFast(end.outcome);
  if (options_.keep_runs) {
    RunRecord& run = summary_.runs[slot.run_index];
    run.finished = true;
    run.outcome = end.outcome;
    run.finished_at = now;
    run.exit_code = end.exit_code;
    run.duration = end.duration;
    run.message = end.message;
    run.lines = end.lines;
  }
  --running_;
  slot.running = false;
  slot.ending = false;
  slot.stop_sent = false;
  slot.trial = -1;
}

void Dispatcher::Finished(int worker, TrialId trial, RunEnd end, double now) {
  Slot* slot = Find(worker);
  if (slot == nullptr || slot->lost) return;
  slot->last_heard = now;
  if (!slot->running || slot->trial != trial) return;  // stale: it crossed a Stop on the wire
  EndRun(*slot, end, now);
  if (!slot->released) idle_.push(worker);
  CheckDeadline(now);
}

void Dispatcher::CheckFailFast(TrialOutcome outcome) {
  if (outcome == TrialOutcome::kExited) {
    succeeded_ = true;
    return;
  }
  if (outcome != TrialOutcome::kFailed && outcome != TrialOutcome::kTimedOut) return;
  if (succeeded_ || options_.fail_fast <= 0) return;
  if (++failed_before_success_ < options_.fail_fast || stopping_) return;
  summary_.failed_fast = true;
  Stop();
}

void Dispatcher::Stop() {
  if (stopping_) return;
  stopping_ = true;
  interrupt_pending_ = true;
}

void Dispatcher::RequestStop() {
  if (stopping_) return;
  summary_.interrupted = true;
  Stop();
}

std::vector<std::pair<int, TrialId>> Dispatcher::TakeRunsToInterrupt() {
  std::vector<std::pair<int, TrialId>> interrupt;
  // No run starts once the study stops, so one pass finds every one.
  if (!interrupt_pending_) return interrupt;
  interrupt_pending_ = false;
  for (std::size_t worker = 0; worker < slots_.size(); ++worker) {
    Slot& slot = slots_[worker];
    if (!slot.running || slot.stop_sent) continue;
    slot.stop_sent = true;
    interrupt.emplace_back(static_cast<int>(worker), slot.trial);
  }
  return interrupt;
}

std::vector<int> Dispatcher::DeclareLost(double now) {
  std::vector<int> lost;
  // A scan of every worker, so not on every pass: silence is measured in minutes.
  if (options_.lost_after_seconds <= 0.0 || now < next_lost_check_) return lost;
  next_lost_check_ = now + std::min(1.0, options_.lost_after_seconds / 10.0);
  for (std::size_t worker = 0; worker < slots_.size(); ++worker) {
    Slot& slot = slots_[worker];
    if (!slot.running || now - slot.last_heard < options_.lost_after_seconds) continue;
    RunEnd end;
    end.outcome = TrialOutcome::kLost;
    end.exit_code = -1;
    end.message = "the worker sent nothing for " + fmt::format("{:.0f}", now - slot.last_heard) +
                  " s and is taken as lost";
    if (options_.keep_runs) end.duration = now - summary_.runs[slot.run_index].assigned_at;
    ++summary_.lost_workers;
    EndRun(slot, end, now);
    slot.lost = true;
    if (!slot.released) {
      slot.released = true;
      ++released_;
    }
    lost.push_back(static_cast<int>(worker));
  }
  return lost;
}

std::vector<int> Dispatcher::TakeWorkersToRelease() {
  std::vector<int> release;
  if (!done_ && !stopping_) return release;
  for (std::size_t worker = 0; worker < slots_.size(); ++worker) {
    Slot& slot = slots_[worker];
    // A worker that has not said Hello yet is waited for, so that no message of its is
    // still in flight when the ranks finalise.
    if (!slot.joined || slot.released || slot.running) continue;
    slot.released = true;
    ++released_;
    release.push_back(static_cast<int>(worker));
  }
  return release;
}

bool Dispatcher::AllReleased() const { return released_ == static_cast<std::int64_t>(slots_.size()); }

std::vector<int> Dispatcher::ReleaseAll() {
  std::vector<int> release;
  for (std::size_t worker = 0; worker < slots_.size(); ++worker) {
    Slot& slot = slots_[worker];
    if (slot.released) continue;
    slot.released = true;
    ++released_;
    release.push_back(static_cast<int>(worker));
  }
  return release;
}

}  // namespace mpitune
