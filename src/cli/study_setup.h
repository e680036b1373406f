// What `run` and `simulate` share: loading a study config, applying the command
// line's overrides (the command line beats the file) and building the objective.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "mpitune/objective.h"
#include "mpitune/status.h"
#include "config/study_config.h"
#include "core/deadline_policy.h"
#include "core/time_plan.h"

namespace mpitune::cli {

struct StudyOverrides {
  std::optional<std::uint64_t> seed;
  std::optional<std::int64_t> max_trials;  // counts as given: a time plan keeps it
  std::optional<double> report_every;
  std::optional<std::string> space_from;  // run --space-from-easyrec FILE
};

// Loads and validates the config with the overrides applied. Every failure here is
// the user's input (a missing file included), so it comes back as BadInput.
Result<StudyConfig> LoadStudy(const std::string& path, const StudyOverrides& overrides);

// The config's built-in objective; fails (BadInput) for command trials, with
// `why_not` saying what the command would need instead.
Result<std::unique_ptr<Objective>> MakeBuiltinObjective(const StudyConfig& config, const std::string& why_not);

// --report-every if given, else trial.report_every.
double ReportEvery(const StudyConfig& config, const StudyOverrides& overrides);

// The study's time budget in seconds: `requested` (--time-budget) or study.time_budget,
// else study.expected_time_ratio x max_budget x the cost of a unit (`unit_seconds`,
// else trial.unit_seconds); 0 when there is none, or it waits for a measured cost.
double TimeBudgetOf(const StudyConfig& config, std::optional<double> requested, double unit_seconds = 0.0);

// The deadline of a study with `time_budget` seconds (0: none) in study time: built-in
// objectives stop between two reports, a command gets SIGTERM and then SIGKILL after
// trial.stop_grace, so the grace is what a stopped command may take; plus a margin
// for the last messages and the study file's close. With no budget but an
// expected_time_ratio, the deadline waits for the measured cost (time_ratio).
DeadlineOptions DeadlineFor(const StudyConfig& config, double time_budget);

// Whether the study's max_trials is the time plan's to re-make from measured costs.
bool ReplansMaxTrials(const StudyConfig& config);
// Whether its max_budget is (PBT's, when no proxy task ties data fractions to it).
bool ReplansMaxBudget(const StudyConfig& config);

// The time plan for `config` on `workers` with `time_budget` seconds, from `unit_seconds`
// (0: trial.unit_seconds).
Result<TimePlan> PlanStudy(const StudyConfig& config, double time_budget, std::int64_t workers,
                           double unit_seconds = 0.0);

// With a time budget and a unit cost known (trial.unit_seconds or `unit_seconds`),
// plans the study and takes the derived scheduler settings into `config` (recording
// them in config.derived). With a time budget but no cost known, nothing is planned
// now, but a command study's max_trials, unless given, is listed as derived: it is
// planned once reports measure the cost. Returns the plan applied, if any.
Result<std::optional<TimePlan>> ApplyTimePlan(StudyConfig& config, double time_budget, std::int64_t workers,
                                              double unit_seconds = 0.0);

// "study branin-asha: scheduler asha (promotion), sampler random, max_trials 60, rungs 1 3 9 27"
std::string DescribeStudy(const StudyConfig& config);

}  // namespace mpitune::cli
