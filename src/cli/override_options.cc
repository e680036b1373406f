#include <cmath>
#include <cstdint>
#include <string>

#include "cli/commands.h"

namespace mpitune::cli {

// CLI11's PositiveNumber is a Range whose message prints DBL_MAX in full; this one
// says what was expected in the words the config errors use.
const CLI::Validator& PositiveNumber() {
  static const CLI::Validator validator(
      [](std::string& text) -> std::string {
        double value = 0.0;
        if (CLI::detail::lexical_cast(text, value) && value > 0.0 && std::isfinite(value)) return {};
        return "expected a number > 0, got " + text;
      },
      "", "POSITIVE");
  return validator;
}

void AddOverrideOptions(CLI::App& command, StudyOverrides& overrides) {
  // Callbacks fill optionals, so "not given" stays distinct from any value and the
  // config file's setting survives.
  command.add_option_function<std::uint64_t>(
      "--seed", [&overrides](const std::uint64_t& seed) { overrides.seed = seed; },
      "Study seed (overrides study.seed); the same seed reproduces the same study")
      ->type_name("N");
  command.add_option_function<std::int64_t>(
      "--max-trials", [&overrides](const std::int64_t& n) { overrides.max_trials = n; },
      "Number of configurations to try (overrides scheduler.max_trials)")
      ->type_name("N");
  command
      .add_option_function<double>(
          "--report-every", [&overrides](const double& every) { overrides.report_every = every; },
          "Trials report their metric every X budget units (overrides trial.report_every)")
      ->type_name("X")
      ->check(PositiveNumber());
}

}  // namespace mpitune::cli
