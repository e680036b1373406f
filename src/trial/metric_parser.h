// Reads metric values out of a trial's output lines.
//
// Fixed format, always on: a line starting with "mpitune:" followed by
// whitespace-separated key=value pairs, e.g. "mpitune: step=3 loss=0.25". `step`
// and the study's metric are read; other keys are ignored. Optional user regex
// (ECMAScript), tried on every other line: group 1 is the value, group 2 (if the
// regex has one and it matched) the step; otherwise steps count 1, 2, 3, ...
//
// Numbers are read with std::from_chars (locale-independent); "nan", "inf", "-inf"
// in any case are accepted, as is a leading '+'. Nothing here throws on bad input:
// a malformed metric line is counted as garbage and yields no report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

// GCC 12 with -O2 and -fsanitize reports maybe-uninitialized deep inside libstdc++'s
// regex (a false positive); keep -Werror builds with MPITUNE_SANITIZE working.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop

#include "trial/command_trial.h"
#include "mpitune/status.h"

namespace mpitune {

// The whole of `text` as a number, or nullopt (empty, junk, out of range).
std::optional<double> ParseMetricNumber(std::string_view text);

class MetricParser {
 public:
  // libstdc++'s regex matcher backtracks recursively: a pattern like ".*x=(\S+)"
  // is quadratic in the line length and overflows the stack on a 64 KiB line. The
  // regex is therefore only tried on lines up to this long.
  static constexpr std::size_t kMaxRegexLine = 1024;

  // Fails (BadInput) when `regex` does not compile or has no capture group.
  static Result<MetricParser> Create(std::string metric, const std::string& regex);

  // A report if the line carries one; counts garbage and ignored lines.
  std::optional<MetricReport> Parse(std::string_view line);
  // For lines the caller rejected itself (cut-off over-long lines).
  void CountGarbage() { ++garbage_; }

  std::int64_t garbage_lines() const { return garbage_; }
  std::int64_t ignored_lines() const { return ignored_; }

 private:
  MetricParser(std::string metric, std::optional<std::regex> regex)
      : metric_(std::move(metric)), regex_(std::move(regex)) {}
  std::optional<MetricReport> ParseFixed(std::string_view rest);
  std::optional<MetricReport> ParseRegex(std::string_view line);

  std::string metric_;
  std::optional<std::regex> regex_;
  double next_regex_step_ = 1.0;
  std::int64_t garbage_ = 0;
  std::int64_t ignored_ = 0;
};

}  // namespace mpitune
