// Reads metric values out of a trial's output lines.
//
// Fixed format, always on: a line starting with "mpitune:" followed by
// whitespace-separated key=value pairs, e.g. "mpitune: step=3 loss=0.25". `step`
// and the study's metric are read; other keys are ignored. Optional user regex
// (ECMAScript), tried on every other line: the value comes from one capture group and
// the step from another (MetricRegexGroups: by default group 1 and, if the regex has
// one, group 2); without a step group, steps count 1, 2, 3, ...
//
// Numbers are read with std::from_chars (locale-independent); "nan", "inf", "-inf"
// in any case are accepted, as is a leading '+'. Nothing here throws on bad input.
// What does not make a report is counted (MetricLineCounts): a malformed metric line,
// a well-formed "mpitune:" line without the study's metric (ignored), and a report
// whose step is below an earlier one of the same stream (dropped, so the scheduler
// never sees a trial going back in time). Each kind keeps its first line, so that a
// trial that reported nothing can be told what came closest (WhyNoReport).
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

#include "mpitune/run_record.h"
#include "mpitune/status.h"
#include "trial/command_trial.h"

namespace mpitune {

// The whole of `text` as a number, or nullopt (empty, junk, out of range).
std::optional<double> ParseMetricNumber(std::string_view text);

class MetricParser {
 public:
  // libstdc++'s regex matcher backtracks recursively: a pattern like ".*x=(\S+)"
  // is quadratic in the line length and overflows the stack on a 64 KiB line. The
  // regex is therefore only tried on lines up to this long.
  static constexpr std::size_t kMaxRegexLine = 1024;
  // Output streams a trial reports on (stdout, stderr, the metric file): steps must
  // not go back within one; across them, the order of printing is not kept.
  static constexpr int kStreams = 3;
  static constexpr int kMetricFileStream = 2;

  // Fails (BadInput) when `regex` does not compile, has no capture group, or `groups`
  // names one it does not have. nullopt groups: the default (see above).
  static Result<MetricParser> Create(std::string metric, const std::string& regex,
                                     std::optional<MetricRegexGroups> groups = std::nullopt);

  // A report if the line (printed on `stream`, 0 or 1) carries one; counts the rest.
  std::optional<MetricReport> Parse(std::string_view line, int stream = 0);
  // For lines the caller cut off itself (over-long): counted as malformed.
  void CountCutOff(std::string_view start);
  // A line of trial.metric_file (EasyRec's --hpo_metric_save_path): a JSON object
  // such as {"auc": 0.67, "global_step": 1000}, `key` its value and `step_key` its
  // step. Anything else (not JSON, no such key, not a number) counts as malformed.
  std::optional<MetricReport> ParseJsonLine(std::string_view line, const std::string& key,
                                            const std::string& step_key);

  MetricLineCounts counts() const;
  // One line on why the output held no report, quoting what came closest, e.g.
  //   2 lines started with "mpitune:" but none matched "mpitune: step=<s> loss=<v>",
  //   e.g. "mpitune: loss: 0.5"
  std::string WhyNoReport() const;

 private:
  // One kind of line that made no report: how many, and the first of them.
  struct Sample {
    std::int64_t count = 0;
    std::string first;
    void Add(std::string_view line);
  };

  MetricParser(std::string metric, std::string regex_text, std::optional<std::regex> regex, MetricRegexGroups groups)
      : metric_(std::move(metric)), regex_text_(std::move(regex_text)), regex_(std::move(regex)), groups_(groups) {}
  std::optional<MetricReport> ParseFixed(std::string_view line);
  // `counted_step`: set when the regex has no step group and the step was counted.
  std::optional<MetricReport> ParseRegex(std::string_view line, bool& counted_step);
  // A line that names the metric and holds a number: what a user meant as a report.
  bool MentionsMetric(std::string_view line) const;

  std::string metric_;
  std::string regex_text_;
  std::optional<std::regex> regex_;
  MetricRegexGroups groups_;
  double next_regex_step_ = 1.0;
  std::int64_t regex_reports_ = 0;
  std::optional<double> last_step_[kStreams];
  Sample fixed_malformed_;  // "mpitune:" lines that do not parse
  Sample fixed_ignored_;    // well-formed "mpitune:" lines without our metric
  Sample regex_malformed_;  // regex matches whose value or step is not a number
  Sample long_lines_;       // too long for the regex: ignored
  Sample cut_off_;          // over the line limit: malformed
  Sample json_malformed_;   // metric file lines that make no report
  Sample steps_back_;
  Sample near_misses_;      // other lines that mention the metric and a number
};

}  // namespace mpitune
