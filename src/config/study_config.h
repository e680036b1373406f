// A study's configuration, loaded from YAML into option structs with documented
// defaults, then validated. Every error is one line that names the file and the key
// path and says what was expected, e.g.
//   "study.yaml: scheduler.eta: expected a number >= 2, got 1"
//   "study.yaml: space.lr.low: must be > 0 for loguniform, got 0"
//   "study.yaml: scheduler.max_trails: unknown key (did you mean max_trials?)"
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/time_plan.h"
#include "mpitune/scheduler.h"
#include "mpitune/space.h"
#include "mpitune/status.h"

namespace mpitune {

// Which capture groups of trial.metric_regex hold the metric's value and its step.
struct MetricRegexGroups {
  int value = 1;
  int step = 0;  // 0: none; steps then count 1, 2, 3, ... per matched line
};

// trial.metric_file: metrics a command trial appends to a file as JSON lines, such as
// EasyRec's --hpo_metric_save_path: {"auc": 0.67, "loss": 0.16, "global_step": 1000}.
struct MetricFileSpec {
  std::string path;                     // relative to the trial's folder, or absolute
  std::string key;                      // the metric's key; empty: study.metric
  std::string step_key = "global_step";
};

struct TrialSpec {
  // Exactly one of `objective` (a built-in, see objective.h) or `command` is set.
  std::string objective;
  // argv template; "{name}" in an element is replaced by the parameter's value.
  std::vector<std::string> command;
  bool shell = false;            // run command as `/bin/sh -c`, with values quoted
  double timeout_seconds = 0.0;  // 0 = no limit
  // A stop, pause or timeout sends SIGTERM, then SIGKILL after this long.
  double stop_grace_seconds = 10.0;
  // Seconds one budget unit costs, as far as the user knows (the deadline's and the
  // planner's first estimate until the first reports measure it); 0 = unknown.
  double unit_seconds = 0.0;
  // Proxy task: a run with target budget b gets the data fraction
  // max(min_subset, b / max_budget) ({subset}, MPITUNE_SUBSET). 0 = no proxy (1).
  double min_subset = 0.0;
  // A worker whose running trial has sent nothing (report or heartbeat) for this long
  // is taken as lost: its trial is recorded kLost and it gets no more work. 0 = never.
  double lost_after_seconds = 600.0;
  std::string metric_regex;      // optional: a regex whose group 1 is the metric
  // nullopt: value in group 1, step in group 2 where the regex has one.
  std::optional<MetricRegexGroups> metric_regex_groups;
  std::optional<MetricFileSpec> metric_file;
  // trial.config_template (config_template.h): the template's text, and the file name
  // in the trial's folder it is rendered to ({config_file} in the command).
  std::optional<std::string> config_template;
  std::string config_template_output;
  double report_every = 1.0;     // built-in objectives: report every N budget units
  // Stop handing out trials once this many have failed before any succeeded. 0 = never.
  std::int64_t fail_fast = 5;
  std::map<std::string, std::string> env;  // extra environment for command trials
  // Bytes each of a run's stdout.log and stderr.log keeps: its first and last halves.
  std::uint64_t log_limit_bytes = 64ull << 20;  // 0 = no cap
};

struct ResourceSpec {
  int gpus_per_trial = 1;    // 0 = CPU only
  std::vector<int> devices;  // explicit device list; empty = all visible devices
};

struct StudyConfig {
  std::string source;     // the file it came from (for messages)
  std::string yaml_text;  // the text as loaded (stored with the study)

  // study:
  std::string name;
  std::string metric = "loss";
  MetricMode mode = MetricMode::kMin;
  std::uint64_t seed = 0;
  std::string storage;  // default: "<name>.h5"
  // The study's wall-clock budget in seconds, every run and resume together (0 = none): see
  // DeadlinePolicy. Not part of the study's identity: a resumed study may get more.
  double time_budget_seconds = 0.0;
  // study.expected_time_ratio (0 = none): the budget is this many full trainings'
  // time, max_budget x the cost of a unit (trial.unit_seconds, else measured).
  double expected_time_ratio = 0.0;
  // Not from the file: where command trials' folders go. Empty: TrialsDirectory's
  // default; `run --no-store` points it at a folder of its own that it removes.
  std::string trials_dir;

  SearchSpace space;           // space:
  SchedulerOptions scheduler;  // scheduler: (mode and seed copied from study:)
  SchedulerKeysGiven scheduler_given = {};  // which scheduler settings the file gave
  // Scheduler settings a time plan chose ("scheduler.max_trials", ...): a resumed
  // study keeps its stored ones, so they do not make it another study.
  std::vector<std::string> derived;
  TrialSpec trial;             // trial:
  ResourceSpec resources;      // resources:
};

// Where a config's text comes from. A study file keeps the text it was run with, which
// an earlier mpitune may have accepted under older rules (a command given as one string
// was split on whitespace): a stored config is read as it was then.
enum class ConfigOrigin { kUser, kStored };

// `space_from`: a search space file that replaces the config's space_from (run
// --space-from-easyrec).
Result<StudyConfig> ParseStudyConfig(const std::string& yaml_text, const std::string& source,
                                     ConfigOrigin origin = ConfigOrigin::kUser,
                                     const std::optional<std::string>& space_from = std::nullopt);
Result<StudyConfig> LoadStudyConfigFile(const std::string& path,
                                        const std::optional<std::string>& space_from = std::nullopt);

// config.trials_dir, or "<folder of config.storage>/<name>.trials", absolute.
std::string TrialsDirectory(const StudyConfig& config);

}  // namespace mpitune
