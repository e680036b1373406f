#include "store/study_replay.h"

#include <algorithm>
#include <variant>

#include <fmt/format.h>

namespace mpitune::store {
namespace {

RunRecord* OpenRun(StudyHistory& history, TrialId trial) {
  const auto it = history.open_runs.find(trial);
  if (it == history.open_runs.end()) return nullptr;
  return &history.runs[it->second];
}

}  // namespace

void ApplyToHistory(StudyHistory& history, const StudyEvent& event) {
  if (const auto* assign = std::get_if<AssignEvent>(&event)) {
    RunRecord run;
    run.trial = assign->trial;
    run.assigned_at = assign->now;
    history.open_runs[assign->trial] = history.runs.size();
    history.runs.push_back(std::move(run));
    history.last_time = std::max(history.last_time, assign->now);
  } else if (const auto* report = std::get_if<ReportEvent>(&event)) {
    history.reports.push_back(
        {report->trial, report->step, report->value, report->now, static_cast<int>(report->rank)});
    if (RunRecord* run = OpenRun(history, report->trial); run != nullptr && run->first_report_at < 0.0) {
      run->first_report_at = report->now;
    }
    history.last_time = std::max(history.last_time, report->now);
  } else if (const auto* finished = std::get_if<FinishedEvent>(&event)) {
    if (RunRecord* run = OpenRun(history, finished->trial)) {
      run->finished = true;
      run->finished_at = finished->now;
      run->outcome = finished->outcome;
      history.open_runs.erase(finished->trial);
    }
    history.last_time = std::max(history.last_time, finished->now);
  } else if (const auto* done = std::get_if<DoneEvent>(&event)) {
    history.done = true;
    history.last_time = std::max(history.last_time, done->now);
  } else if (const auto* wait = std::get_if<WaitEvent>(&event)) {
    history.last_time = std::max(history.last_time, wait->now);
  } else if (const auto* started = std::get_if<RunStartedEvent>(&event)) {
    if (RunRecord* run = OpenRun(history, started->trial)) {
      run->rank = static_cast<int>(started->rank);
      run->device = started->device;
    }
  } else if (const auto* ended = std::get_if<RunEndedEvent>(&event)) {
    if (RunRecord* run = OpenRun(history, ended->trial)) {
      run->exit_code = ended->exit_code;
      run->duration = ended->duration;
      run->message = ended->message;
    }
  } else if (const auto* lines = std::get_if<MetricLinesEvent>(&event)) {
    if (RunRecord* run = OpenRun(history, lines->trial)) run->lines = lines->lines;
  } else if (const auto* checkpoint = std::get_if<CheckpointEvent>(&event)) {
    history.checkpoints[checkpoint->trial] = StoredCheckpoint{checkpoint->step, checkpoint->state};
  }
}

Status ApplyToScheduler(Scheduler& scheduler, const StudyEvent& event) {
  if (const auto* assign = std::get_if<AssignEvent>(&event)) {
    const NextAction action = scheduler.NextWithin(assign->now, assign->max_units);
    const auto* assignment = std::get_if<Assignment>(&action);
    if (assignment == nullptr || assignment->trial != assign->trial || assignment->budget != assign->budget ||
        assignment->resume_step != assign->resume_step) {
      return Status::BadInput(
          fmt::format("replay diverged: the file says trial {} was handed out (budget {:g}), the scheduler now "
                      "hands out {}",
                      assign->trial, assign->budget,
                      assignment ? fmt::format("trial {} (budget {:g})", assignment->trial, assignment->budget)
                                 : std::string(std::holds_alternative<Done>(action) ? "nothing (done)"
                                                                                     : "nothing (wait)")));
    }
    return Status::Ok();
  }
  if (const auto* report = std::get_if<ReportEvent>(&event)) {
    scheduler.Report(report->trial, report->step, report->value, report->now);
    return Status::Ok();
  }
  if (const auto* finished = std::get_if<FinishedEvent>(&event)) {
    scheduler.Finished(finished->trial, finished->outcome, finished->now);
    return Status::Ok();
  }
  if (const auto* done = std::get_if<DoneEvent>(&event)) {
    if (!std::holds_alternative<Done>(scheduler.Next(done->now))) {
      return Status::BadInput("replay diverged: the file says the study ended, the scheduler has more to do");
    }
  }
  if (const auto* wait = std::get_if<WaitEvent>(&event)) {
    if (!std::holds_alternative<Wait>(scheduler.NextWithin(wait->now, wait->max_units))) {
      return Status::BadInput("replay diverged: the file says the scheduler had nothing to hand out, now it has");
    }
  }
  if (const auto* max_trials = std::get_if<MaxTrialsEvent>(&event)) {
    if (!scheduler.SetMaxTrials(max_trials->max_trials) || scheduler.options().max_trials != max_trials->max_trials) {
      return Status::BadInput(fmt::format("replay diverged: the file says max_trials became {}, the scheduler has {}",
                                          max_trials->max_trials, scheduler.options().max_trials));
    }
  }
  if (const auto* max_budget = std::get_if<MaxBudgetEvent>(&event)) {
    if (!scheduler.SetMaxBudget(max_budget->max_budget) || scheduler.options().max_budget != max_budget->max_budget) {
      return Status::BadInput(fmt::format("replay diverged: the file says max_budget became {}, the scheduler has {}",
                                          max_budget->max_budget, scheduler.options().max_budget));
    }
  }
  return Status::Ok();
}

}  // namespace mpitune::store
