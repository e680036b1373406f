#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "config/yaml_reader.h"

namespace mpitune::cli {
namespace {

// Reads a command-line value with the config's own reader, so that a value the config
// refuses is refused here too, in the same words ("--seed: expected a non-negative
// integer, got -1").
template <typename T>
using ConfigReader = std::function<Status(const YAML::Node& node, const std::string& path, T* out)>;

template <typename T>
CLI::Option* AddConfigCheckedOption(CLI::App& command, const std::string& name, std::optional<T>& target,
                                    ConfigReader<T> read, const std::string& help) {
  return command.add_option_function<std::string>(
      name,
      [&target, name, read = std::move(read)](const std::string& text) {
        T value{};
        const Status status = read(yaml::PlainScalar(text), name, &value);
        if (!status.ok()) throw CLI::ValidationError(status.message());
        target = value;
      },
      help);
}

}  // namespace

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

CLI::Option* AddTimeBudgetOption(CLI::App& command, std::optional<double>& target) {
  return AddConfigCheckedOption<double>(command, "--time-budget", target, yaml::ReadDuration,
                                        "Wall-clock budget of the whole study, every run and resume together "
                                        "(overrides study.time_budget), e.g. 90s, 45m, 2h, 1h30m")
      ->type_name("DURATION");
}

void AddOverrideOptions(CLI::App& command, StudyOverrides& overrides) {
  // Callbacks fill optionals, so "not given" stays distinct from any value and the
  // config file's setting survives.
  AddConfigCheckedOption<std::uint64_t>(
      command, "--seed", overrides.seed, yaml::ReadUnsigned,
      "Study seed (overrides study.seed); the same seed reproduces the same study")
      ->type_name("N");
  AddConfigCheckedOption<std::int64_t>(
      command, "--max-trials", overrides.max_trials,
      [](const YAML::Node& node, const std::string& path, std::int64_t* out) {
        return yaml::ReadInteger(node, path, 1, std::numeric_limits<std::int64_t>::max(), out);
      },
      "Number of configurations to try (overrides scheduler.max_trials)")
      ->type_name("N");
  AddConfigCheckedOption<double>(
      command, "--report-every", overrides.report_every,
      [](const YAML::Node& node, const std::string& path, double* out) {
        return yaml::ReadNumber(node, path, yaml::Bound{0.0, false}, out);
      },
      "Trials report their metric every X budget units (overrides trial.report_every)")
      ->type_name("X");
}

}  // namespace mpitune::cli
