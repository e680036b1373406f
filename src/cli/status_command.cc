// `mpitune status FILE [--json]`: what a study file holds, also while the study runs
// (the reader replays the journal up to its last whole record and never writes).
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli_errors.h"
#include "cli/commands.h"
#include "cli/results_table.h"
#include "cli/study_setup.h"
#include "mpitune/study_store.h"

namespace mpitune::cli {
namespace {

constexpr std::size_t kRecentFailures = 5;

// "finished", "open" (a journal is there: running now, or killed) or "stopped".
std::string FileState(const StoredStudy& study) {
  if (study.history.done) return "finished";
  if (::access((study.path + ".journal").c_str(), F_OK) == 0) return "open";
  return "stopped";
}

bool IsFailure(TrialOutcome outcome) {
  return outcome == TrialOutcome::kFailed || outcome == TrialOutcome::kTimedOut || outcome == TrialOutcome::kLost;
}

std::vector<const StoredRun*> RecentFailures(const StudyHistory& history) {
  std::vector<const StoredRun*> failures;
  for (auto it = history.runs.rbegin(); it != history.runs.rend() && failures.size() < kRecentFailures; ++it) {
    if (it->finished && IsFailure(it->outcome)) failures.push_back(&*it);
  }
  return failures;
}

std::vector<const StoredRun*> OpenRuns(const StudyHistory& history) {
  std::vector<const StoredRun*> open;
  for (const auto& [trial, index] : history.open_runs) open.push_back(&history.runs[index]);
  std::sort(open.begin(), open.end(), [](const StoredRun* a, const StoredRun* b) { return a->trial < b->trial; });
  return open;
}

// JSON has no NaN or Inf: such a metric is null.
nlohmann::json Number(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr); }

nlohmann::json ParamsJson(const SearchSpace& space, const Config& config) {
  nlohmann::json params = nlohmann::json::object();
  for (std::size_t i = 0; i < space.size(); ++i) {
    std::visit([&](const auto& value) { params[space.param(i).name] = value; }, space.Value(config, i));
  }
  return params;
}

nlohmann::json StatusJson(const StoredStudy& study) {
  const Scheduler& scheduler = *study.scheduler;
  nlohmann::json out;
  out["file"] = study.path;
  out["name"] = study.config.name;
  out["state"] = FileState(study);
  out["metric"] = study.config.metric;
  out["mode"] = MetricModeName(study.config.mode);
  out["events"] = study.last_sequence;
  out["max_trials"] = study.config.scheduler.max_trials;
  out["trials"] = scheduler.trials().size();
  out["reports"] = study.history.reports.size();
  std::map<std::string, std::int64_t> counts;
  for (std::size_t i = 0; i < scheduler.trials().size(); ++i) ++counts[TrialStateName(scheduler.trials()[i].state)];
  out["counts"] = counts;
  if (const std::optional<TrialId> best = scheduler.BestTrial()) {
    const TrialRecord& trial = scheduler.trials()[static_cast<std::size_t>(*best)];
    out["best"] = {{"trial", trial.id},
                   {"value", Number(trial.best_value)},
                   {"budget", trial.last_step},
                   {"state", TrialStateName(trial.state)},
                   {"params", ParamsJson(scheduler.space(), trial.config)}};
  } else {
    out["best"] = nullptr;
  }
  out["rungs"] = scheduler.DescribeRungs();
  nlohmann::json running = nlohmann::json::array();
  for (const StoredRun* run : OpenRuns(study.history)) {
    running.push_back({{"trial", run->trial}, {"rank", run->rank}, {"device", run->device},
                       {"assigned_at", run->assigned_at}});
  }
  out["running"] = running;
  nlohmann::json failures = nlohmann::json::array();
  for (const StoredRun* run : RecentFailures(study.history)) {
    failures.push_back({{"trial", run->trial}, {"rank", run->rank}, {"outcome", TrialOutcomeName(run->outcome)},
                        {"exit_code", run->exit_code}, {"message", run->message}});
  }
  out["recent_failures"] = failures;
  return out;
}

// Every report in the order the scheduler saw it, and every trial's state: for
// scripts that check or plot a study.
void AddHistory(const StoredStudy& study, nlohmann::json& out) {
  nlohmann::json reports = nlohmann::json::array();
  for (const StoredReport& report : study.history.reports) {
    reports.push_back({report.trial, report.step, Number(report.value), report.rank});
  }
  out["history"]["reports"] = reports;
  out["history"]["report_columns"] = {"trial", "step", "value", "rank"};
  nlohmann::json trials = nlohmann::json::array();
  const TrialTable& table = study.scheduler->trials();
  for (std::size_t i = 0; i < table.size(); ++i) {
    trials.push_back({{"trial", table[i].id}, {"state", TrialStateName(table[i].state)},
                      {"last_step", table[i].last_step}, {"best_value", Number(table[i].best_value)}});
  }
  out["history"]["trials"] = trials;
}

void PrintText(const StoredStudy& study) {
  const Scheduler& scheduler = *study.scheduler;
  fmt::print("{}\n", DescribeStudy(study.config));
  fmt::print("file: {} ({}), {} events, {} reports{}\n", study.path, FileState(study), study.last_sequence,
             study.history.reports.size(), study.torn_tail ? ", a partial last record ignored" : "");
  fmt::print("{}\n", FormatStateCounts(scheduler));
  fmt::print("{}\n", FormatBestTrial(scheduler, study.config.metric));
  fmt::print("rungs:\n");
  for (const std::string& line : scheduler.DescribeRungs()) fmt::print("  {}\n", line);
  const std::vector<const StoredRun*> open = OpenRuns(study.history);
  if (!open.empty()) {
    fmt::print("running:\n");
    for (const StoredRun* run : open) {
      fmt::print("  trial {} on rank {} ({}), since study time {:.1f} s\n", run->trial, run->rank, run->device,
                 run->assigned_at);
    }
  }
  const std::vector<const StoredRun*> failures = RecentFailures(study.history);
  if (!failures.empty()) {
    fmt::print("recent failures:\n");
    for (const StoredRun* run : failures) {
      std::string message = run->message;
      std::replace(message.begin(), message.end(), '\n', ' ');
      fmt::print("  trial {} on rank {}: {} (exit {}){}{}\n", run->trial, run->rank, TrialOutcomeName(run->outcome),
                 run->exit_code, message.empty() ? "" : ": ", message);
    }
  }
}

}  // namespace

CLI::App* AddStatusCommand(CLI::App& app, StatusCommandOptions& options) {
  CLI::App* command =
      app.add_subcommand("status", "Show what a study file holds (also while the study runs); never writes");
  command->add_option("FILE", options.path, "Study file (HDF5)")->required()->type_name("PATH");
  command->add_flag("--json", options.json, "Print one JSON object, for scripts");
  command->add_flag("--history", options.history, "With --json: every report and every trial's state too")
      ->needs(command->get_option("--json"));
  return command;
}

int RunStatusCommand(const StatusCommandOptions& options) {
  if (::access(options.path.c_str(), F_OK) != 0) {
    return ReportError(Status::BadInput(fmt::format("{}: no such study file", options.path)));
  }
  Result<StoredStudy> study = ReadStudyFile(options.path);
  if (!study.ok()) return ReportError(study.status());
  if (options.json) {
    nlohmann::json out = StatusJson(*study);
    if (options.history) AddHistory(*study, out);
    fmt::print("{}\n", out.dump(options.history ? -1 : 2));
  } else {
    PrintText(*study);
  }
  return kExitOk;
}

}  // namespace mpitune::cli
