// The subcommands of `mpitune`. Each Add*Command registers its options on the app
// and returns the subcommand; Run*Command executes it after parsing and returns the
// process exit code (see cli_errors.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/study_setup.h"

namespace mpitune::cli {

struct RunCommandOptions {
  std::string config_path;
  std::optional<std::string> storage;
  StudyOverrides overrides;
  bool force_new = false;
  bool no_store = false;  // run without a study file (benchmarks, throwaway runs)
  bool quiet = false;     // no progress line
  std::optional<double> progress_every;  // seconds between progress lines (default by terminal)
  // `mpitune resume FILE`: the study file, whose stored config replaces config_path.
  std::optional<std::string> resume_path;
  // --time-budget: seconds, over study.time_budget (a resumed study may get more).
  std::optional<double> time_budget;
  // Workers the study runs on (the world size less rank 0, or 1): what a time plan
  // is made for. Set by the run, not an option.
  std::int64_t workers = 1;
};

struct PlanCommandOptions {
  std::string config_path;
  std::optional<double> time_budget;
  std::int64_t workers = 1;
  std::optional<double> unit_seconds;
  StudyOverrides overrides;
};

struct StatusCommandOptions {
  std::string path;
  bool json = false;
  bool history = false;
  bool watch = false;     // print again every `interval` seconds until the study ends
  double interval = 2.0;
};

struct SimulateCommandOptions {
  std::string config_path;
  std::int64_t workers = 0;
  double time_limit = 0.0;
  std::optional<double> time_budget;    // --time-budget
  std::optional<double> unit_seconds;   // --unit-seconds: the estimate the deadline starts from
  StudyOverrides overrides;
};

struct ExportCommandOptions {
  std::vector<std::string> paths;
  std::string dialect;
  std::string prefix = "hpo_";
  std::optional<std::string> partition;  // "ds=YYYYMMDD"; default today (UTC)
  std::int64_t lifecycle_days = 365;
  std::size_t max_statement_bytes = 1 << 20;
  std::optional<std::string> output;
};

struct TrialsCommandOptions {
  std::string path;
  std::string format = "csv";  // csv, jsonl
  bool reports = false;        // one row per report
  std::optional<std::string> output;
};

struct ReportCommandOptions {
  std::string path;
  std::string output;  // default: the study file's name with .html
};

struct BestCommandOptions {
  std::string path;
  std::string format = "yaml";  // yaml, json, easyrec, env
  std::int64_t top = 1;
  bool schedule = false;
};

CLI::App* AddRunCommand(CLI::App& app, RunCommandOptions& options);
int RunRunCommand(const RunCommandOptions& options);

CLI::App* AddResumeCommand(CLI::App& app, RunCommandOptions& options);

CLI::App* AddStatusCommand(CLI::App& app, StatusCommandOptions& options);
int RunStatusCommand(const StatusCommandOptions& options);

CLI::App* AddPlanCommand(CLI::App& app, PlanCommandOptions& options);
int RunPlanCommand(const PlanCommandOptions& options);

CLI::App* AddSimulateCommand(CLI::App& app, SimulateCommandOptions& options);
int RunSimulateCommand(const SimulateCommandOptions& options);

CLI::App* AddExportCommand(CLI::App& app, ExportCommandOptions& options);
int RunExportCommand(const ExportCommandOptions& options);

CLI::App* AddBestCommand(CLI::App& app, BestCommandOptions& options);
int RunBestCommand(const BestCommandOptions& options);

CLI::App* AddTrialsCommand(CLI::App& app, TrialsCommandOptions& options);
int RunTrialsCommand(const TrialsCommandOptions& options);

CLI::App* AddReportCommand(CLI::App& app, ReportCommandOptions& options);
int RunReportCommand(const ReportCommandOptions& options);

// --seed, --max-trials and --report-every, which both commands take.
void AddOverrideOptions(CLI::App& command, StudyOverrides& overrides);

// --time-budget DURATION (study.time_budget's reader and words) into `target`.
CLI::Option* AddTimeBudgetOption(CLI::App& command, std::optional<double>& target);

// Accepts finite numbers > 0, with a one-line message otherwise.
const CLI::Validator& PositiveNumber();

}  // namespace mpitune::cli
