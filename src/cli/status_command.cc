// `mpitune status FILE [--json [--history] | --watch [--interval S]]`: what a study
// file holds, also while the study runs (the reader replays the journal up to its
// last whole record and never writes).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/cli_errors.h"
#include "cli/commands.h"
#include "cli/pbt_view.h"
#include "cli/results_table.h"
#include "cli/study_setup.h"
#include "mpitune/study.h"
#include "trial/params_json.h"

namespace mpitune::cli {
namespace {

constexpr std::size_t kRecentFailures = 5;

using Json = nlohmann::ordered_json;

Json LinesJson(const MetricLineCounts& lines) {
  return {{"malformed", lines.malformed}, {"ignored", lines.ignored}, {"steps_back", lines.steps_back}};
}

bool IsFailure(TrialOutcome outcome) {
  return outcome == TrialOutcome::kFailed || outcome == TrialOutcome::kTimedOut || outcome == TrialOutcome::kLost;
}

std::vector<const RunRecord*> RecentFailures(const Study& study) {
  std::vector<const RunRecord*> failures;
  for (auto it = study.runs.rbegin(); it != study.runs.rend() && failures.size() < kRecentFailures; ++it) {
    if (it->finished && IsFailure(it->outcome)) failures.push_back(&*it);
  }
  return failures;
}

// JSON has no NaN or Inf: such a metric is null.
Json Number(double value) { return std::isfinite(value) ? Json(value) : Json(nullptr); }
Json Number(const std::optional<double>& value) { return value ? Number(*value) : Json(nullptr); }

std::string Describe(const Study& study) {
  StudyConfig config;
  config.name = study.name;
  config.metric = study.metric;
  config.mode = study.mode;
  config.seed = study.scheduler.seed;
  config.scheduler = study.scheduler;
  return DescribeStudy(config);
}

// "time: 4.0 min used of 1.0 h (56 min left); planned: scheduler.max_trials", or
// "time: 4.0 min used (no time budget)".
std::string DescribeTime(const Study& study) {
  const double budget = study.time_budget;
  if (budget <= 0.0) return fmt::format("time: {} used (no time budget)", FormatSeconds(study.study_time));
  const double left = std::max(0.0, budget - study.study_time);
  std::string line = fmt::format("time: {} used of {} ({}{})", FormatSeconds(study.study_time), FormatSeconds(budget),
                                 left > 0.0 ? FormatSeconds(left) + " left" : "none left",
                                 left > 0.0 ? "" : ": deadline reached");
  if (!study.derived.empty()) line += fmt::format("; planned: {}", fmt::join(study.derived, ", "));
  return line;
}

// "finished", "stopped", "open: written now by a running process (last write 0.2 s
// ago)" or "open: no process is writing it (killed?) since 5.0 min; `mpitune resume F`".
std::string DescribeState(const Study& study) {
  if (study.state != StudyState::kOpen) return StudyStateName(study.state);
  const std::string ago =
      study.seconds_since_write ? fmt::format(", last write {} ago", FormatAge(*study.seconds_since_write)) : "";
  if (study.writer_alive) return fmt::format("open: a running process writes it{}", ago);
  return fmt::format("open: no process writes it (killed?){}; `mpitune resume {}` goes on", ago, study.path);
}

// The trial's state says what its run is doing: "running", or "pausing" / "stopping"
// when the scheduler has answered and the worker is letting go.
std::string RunActivity(const Study& study, const RunRecord& run) {
  if (run.trial < 0 || static_cast<std::size_t>(run.trial) >= study.trials.size()) return "running";
  switch (study.trials[static_cast<std::size_t>(run.trial)].state) {
    case TrialState::kRunning: return "running";
    case TrialState::kPaused: return "pausing";
    case TrialState::kPending: return "interrupted";
    default: return "stopping";
  }
}

Json RungsJson(const Study& study) {
  Json rungs = Json::array();
  for (const StudyRung& rung : study.rungs) {
    Json entry = {{"bracket", rung.bracket}, {"rung", rung.rung},       {"budget", rung.budget},
                  {"results", rung.results}, {"promoted", rung.promoted}};
    entry["best_trial"] = rung.best ? Json(*rung.best) : Json(nullptr);
    entry["best_value"] = rung.best ? Number(rung.best_value) : Json(nullptr);
    rungs.push_back(std::move(entry));
  }
  return rungs;
}

Json StatusJson(const Study& study) {
  Json out;
  out["file"] = study.path;
  out["name"] = study.name;
  out["state"] = StudyStateName(study.state);
  if (study.state == StudyState::kOpen) {
    out["writer"] = study.writer_alive ? "alive" : "none";
    out["seconds_since_write"] = study.seconds_since_write ? Json(*study.seconds_since_write) : Json(nullptr);
  }
  out["metric"] = study.metric;
  out["mode"] = MetricModeName(study.mode);
  out["events"] = study.events;
  out["max_trials"] = study.scheduler.max_trials;
  out["max_budget"] = study.scheduler.max_budget;
  out["derived"] = study.derived;
  // Study time: every session's, as the study clock counts it (resumes go on from it).
  out["time_used"] = study.study_time;
  const double budget = study.time_budget;
  out["time_budget"] = budget > 0.0 ? Json(budget) : Json(nullptr);
  out["time_left"] = budget > 0.0 ? Json(std::max(0.0, budget - study.study_time)) : Json(nullptr);
  out["trials"] = study.trials.size();
  out["reports"] = study.reports.size();
  std::map<std::string, std::int64_t> counts;
  for (const StudyTrial& trial : study.trials) ++counts[TrialStateName(trial.state)];
  out["counts"] = counts;
  if (const StudyTrial* best = study.best_trial()) {
    out["best"] = {{"trial", best->id},
                   {"value", Number(best->value)},
                   {"budget", best->value_budget},
                   {"state", TrialStateName(best->state)},
                   {"params", ParamsJsonObject(study.space, best->params)}};
  } else {
    out["best"] = nullptr;
  }
  out["rungs"] = RungsJson(study);
  if (study.scheduler.kind == SchedulerKind::kPbt) {
    out["exploits"] = study.exploits.size();
    out["population"] = PopulationJson(study);
    out["best_schedule"] = ScheduleJson(study, study.best_schedule);
  }
  Json running = Json::array();
  for (const RunRecord* run : study.OpenRuns()) {
    running.push_back({{"trial", run->trial}, {"rank", run->rank}, {"device", run->device},
                       {"assigned_at", run->assigned_at}, {"activity", RunActivity(study, *run)}});
  }
  out["running"] = running;
  Json failures = Json::array();
  for (const RunRecord* run : RecentFailures(study)) {
    failures.push_back({{"trial", run->trial}, {"rank", run->rank}, {"outcome", TrialOutcomeName(run->outcome)},
                        {"exit_code", run->exit_code}, {"message", run->message},
                        {"metric_lines", LinesJson(run->lines)}});
  }
  out["recent_failures"] = failures;
  MetricLineCounts lines;
  for (const RunRecord& run : study.runs) lines += run.lines;
  out["metric_lines"] = LinesJson(lines);
  return out;
}

// Every report in the order the scheduler saw it, and every trial with its state,
// parameters and value per rung: for scripts that check or plot a study.
void AddHistory(const Study& study, Json& out) {
  Json reports = Json::array();
  for (const ReportRecord& report : study.reports) {
    reports.push_back({report.trial, report.step, Number(report.value), report.rank});
  }
  out["history"]["reports"] = reports;
  out["history"]["report_columns"] = {"trial", "step", "value", "rank"};
  Json trials = Json::array();
  for (const StudyTrial& trial : study.trials) {
    Json rung_values = Json::array();
    for (const std::optional<double>& value : trial.rung_values) rung_values.push_back(Number(value));
    trials.push_back({{"trial", trial.id},
                      {"state", TrialStateName(trial.state)},
                      {"parent", trial.parent >= 0 ? Json(trial.parent) : Json(nullptr)},
                      {"last_step", trial.last_step},
                      {"value", Number(trial.value)},
                      {"budget", trial.value ? Json(trial.value_budget) : Json(nullptr)},
                      {"rung_values", rung_values},
                      {"params", ParamsJsonObject(study.space, trial.params)}});
  }
  out["history"]["trials"] = trials;
  if (study.scheduler.kind == SchedulerKind::kPbt) out["history"]["exploits"] = ExploitsJson(study);
}

void PrintText(const Study& study) {
  fmt::print("{}\n", Describe(study));
  fmt::print("file: {} ({}), {} events, {} reports{}\n", study.path, DescribeState(study), study.events,
             study.reports.size(), study.torn_tail ? ", a partial last record ignored" : "");
  fmt::print("{}\n", DescribeTime(study));
  fmt::print("{}\n", FormatStateCounts(study));
  fmt::print("{}\n", FormatBestTrial(study));
  if (const std::string lines = FormatMetricLines(study.runs); !lines.empty()) fmt::print("{}\n", lines);
  if (study.scheduler.kind == SchedulerKind::kPbt) {
    fmt::print("population ({} exploits):\n", study.exploits.size());
    for (const std::string& line : FormatPopulation(study)) fmt::print("  {}\n", line);
    if (!study.best_schedule.empty()) {
      fmt::print("schedule of the best trial (YAML):\n{}", ScheduleYaml(study, study.best_schedule, "  "));
    }
  } else {
    fmt::print("rungs:\n");
    for (const std::string& line : FormatRungs(study)) fmt::print("  {}\n", line);
  }
  const std::vector<const RunRecord*> open = study.OpenRuns();
  if (!open.empty()) {
    fmt::print("on workers ({}):\n", open.size());
    for (const RunRecord* run : open) {
      fmt::print("  trial {} on rank {} ({}), since study time {:.1f} s, {}\n", run->trial, run->rank, run->device,
                 run->assigned_at, RunActivity(study, *run));
    }
  }
  const std::vector<const RunRecord*> failures = RecentFailures(study);
  if (!failures.empty()) {
    fmt::print("recent failures:\n");
    for (const RunRecord* run : failures) {
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
  command->add_flag("--watch", options.watch, "Print the status again every --interval seconds until the study ends")
      ->excludes(command->get_option("--json"));
  command->add_option("--interval", options.interval, "Seconds between refreshes of --watch (default 2)")
      ->check(PositiveNumber())
      ->needs(command->get_option("--watch"))
      ->type_name("SECONDS");
  return command;
}

// `status --watch`: the text status, redrawn (the screen cleared first on a
// terminal) until the study is finished or stopped, or is open with no process
// writing it on two reads in a row (killed: it will not change; a study just
// starting is written within one interval). Ctrl-C ends it at any time.
int WatchStatus(const StatusCommandOptions& options) {
  const bool terminal = isatty(STDOUT_FILENO) != 0;
  int unwritten_reads = 0;
  for (;;) {
    Result<Study> study = ReadStudy(options.path);
    if (!study.ok()) return ReportError(study.status());
    if (terminal) fmt::print("\033[H\033[2J");
    PrintText(*study);
    unwritten_reads = study->state == StudyState::kOpen && !study->writer_alive ? unwritten_reads + 1 : 0;
    if (study->state != StudyState::kOpen || unwritten_reads >= 2) return kExitOk;
    fmt::print("-- {}: refreshing every {} s (Ctrl-C to stop) --\n", options.path, options.interval);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::duration<double>(options.interval));
  }
}

int RunStatusCommand(const StatusCommandOptions& options) {
  if (options.watch) return WatchStatus(options);
  Result<Study> study = ReadStudy(options.path);
  if (!study.ok()) return ReportError(study.status());
  if (options.json) {
    Json out = StatusJson(*study);
    if (options.history) AddHistory(*study, out);
    fmt::print("{}\n", out.dump(options.history ? -1 : 2, ' ', false, Json::error_handler_t::replace));
  } else {
    PrintText(*study);
  }
  return kExitOk;
}

}  // namespace mpitune::cli
