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

namespace mpitune::cli {

struct StudyOverrides {
  std::optional<std::uint64_t> seed;
  std::optional<std::int64_t> max_trials;
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

// "study branin-asha: scheduler asha (promotion), sampler random, max_trials 60, rungs 1 3 9 27"
std::string DescribeStudy(const StudyConfig& config);

}  // namespace mpitune::cli
