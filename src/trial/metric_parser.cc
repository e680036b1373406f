#include "trial/metric_parser.h"

#include <charconv>
#include <cmath>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace mpitune {
namespace {

constexpr std::string_view kPrefix = "mpitune:";
constexpr std::string_view kStepKey = "step";

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

using LineMatch = std::match_results<std::string_view::const_iterator>;

// Offsets rather than &*iterator: an empty group may sit at end().
std::string_view Group(std::string_view line, const LineMatch& match, std::size_t i) {
  const auto offset = static_cast<std::size_t>(match[i].first - line.begin());
  return line.substr(offset, static_cast<std::size_t>(match[i].length()));
}

}  // namespace

std::optional<double> ParseMetricNumber(std::string_view text) {
  // from_chars takes '-' but not '+'; "+-1" must stay an error.
  if (text.size() > 1 && text[0] == '+' && text[1] != '-' && text[1] != '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  double value = 0.0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::general);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

Result<MetricParser> MetricParser::Create(std::string metric, const std::string& regex) {
  std::optional<std::regex> compiled;
  if (!regex.empty()) {
    try {
      compiled.emplace(regex, std::regex::ECMAScript);
    } catch (const std::regex_error& error) {
      return Status::BadInput(
          fmt::format("trial.metric_regex: not a valid ECMAScript regex ({})", error.what()));
    }
    if (compiled->mark_count() < 1) {
      return Status::BadInput("trial.metric_regex: needs a capture group (group 1 is the metric value)");
    }
  }
  return MetricParser(std::move(metric), std::move(compiled));
}

std::optional<MetricReport> MetricParser::Parse(std::string_view line) {
  if (line.substr(0, kPrefix.size()) == kPrefix) return ParseFixed(line.substr(kPrefix.size()));
  if (regex_) return ParseRegex(line);
  return std::nullopt;
}

std::optional<MetricReport> MetricParser::ParseFixed(std::string_view rest) {
  std::optional<double> step;
  std::optional<double> value;
  bool any_pair = false;
  std::size_t pos = 0;
  while (pos < rest.size()) {
    while (pos < rest.size() && IsBlank(rest[pos])) ++pos;
    if (pos == rest.size()) break;
    std::size_t end = pos;
    while (end < rest.size() && !IsBlank(rest[end])) ++end;
    const std::string_view token = rest.substr(pos, end - pos);
    pos = end;
    const std::size_t eq = token.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      ++garbage_;
      return std::nullopt;
    }
    any_pair = true;
    const std::string_view key = token.substr(0, eq);
    std::optional<double>* slot = key == kStepKey ? &step : key == metric_ ? &value : nullptr;
    if (slot == nullptr) continue;  // another metric the trial logs for itself
    if (slot->has_value()) {        // "step=1 step=2": which one did it mean?
      ++garbage_;
      return std::nullopt;
    }
    *slot = ParseMetricNumber(token.substr(eq + 1));
    if (!slot->has_value()) {
      ++garbage_;
      return std::nullopt;
    }
  }
  if (!any_pair) {
    ++garbage_;
    return std::nullopt;
  }
  if (!value) {
    ++ignored_;
    return std::nullopt;
  }
  if (!step || !std::isfinite(*step) || *step < 0.0) {
    ++garbage_;
    return std::nullopt;
  }
  return MetricReport{*step, *value};
}

std::optional<MetricReport> MetricParser::ParseRegex(std::string_view line) {
  if (line.size() > kMaxRegexLine) {
    ++ignored_;
    return std::nullopt;
  }
  LineMatch match;
  try {
    if (!std::regex_search(line.begin(), line.end(), match, *regex_)) return std::nullopt;
  } catch (const std::regex_error&) {  // error_complexity / error_stack on hostile input
    ++garbage_;
    return std::nullopt;
  }
  const std::optional<double> value =
      match[1].matched ? ParseMetricNumber(Group(line, match, 1)) : std::nullopt;
  if (!value) {
    ++garbage_;
    return std::nullopt;
  }
  double step = next_regex_step_;
  if (regex_->mark_count() >= 2 && match[2].matched) {
    const std::optional<double> parsed = ParseMetricNumber(Group(line, match, 2));
    if (!parsed || !std::isfinite(*parsed) || *parsed < 0.0) {
      ++garbage_;
      return std::nullopt;
    }
    step = *parsed;
  } else {
    next_regex_step_ += 1.0;
  }
  return MetricReport{step, *value};
}

}  // namespace mpitune
