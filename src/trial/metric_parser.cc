#include "trial/metric_parser.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace mpitune {
namespace {

constexpr std::string_view kPrefix = "mpitune:";
constexpr std::string_view kStepKey = "step";
// Quoted lines are cut to this much: a message stays one readable line.
constexpr std::size_t kMaxQuoted = 80;

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

using LineMatch = std::match_results<std::string_view::const_iterator>;

// Offsets rather than &*iterator: an empty group may sit at end().
std::string_view Group(std::string_view line, const LineMatch& match, std::size_t i) {
  const auto offset = static_cast<std::size_t>(match[i].first - line.begin());
  return line.substr(offset, static_cast<std::size_t>(match[i].length()));
}

// `text` in double quotes, control bytes as '?', cut to kMaxQuoted.
std::string Quoted(std::string_view text) {
  std::string out(text.substr(0, kMaxQuoted));
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) c = '?';
  }
  if (text.size() > kMaxQuoted) out += "...";
  return "\"" + out + "\"";
}

std::string Lines(std::int64_t count) { return fmt::format("{} line{}", count, count == 1 ? "" : "s"); }

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

void MetricParser::Sample::Add(std::string_view line) {
  if (count++ == 0) first.assign(line.substr(0, kMaxQuoted + 1));
}

Result<MetricParser> MetricParser::Create(std::string metric, const std::string& regex,
                                          std::optional<MetricRegexGroups> groups) {
  std::optional<std::regex> compiled;
  MetricRegexGroups resolved;
  if (!regex.empty()) {
    try {
      compiled.emplace(regex, std::regex::ECMAScript);
    } catch (const std::regex_error& error) {
      return Status::BadInput(
          fmt::format("trial.metric_regex: not a valid ECMAScript regex ({})", error.what()));
    }
    const auto marks = static_cast<int>(compiled->mark_count());
    if (marks < 1) {
      return Status::BadInput("trial.metric_regex: needs a capture group (group 1 is the metric value)");
    }
    resolved = groups.value_or(MetricRegexGroups{1, marks >= 2 ? 2 : 0});
    if (resolved.value < 1 || resolved.value > marks || resolved.step < 0 || resolved.step > marks ||
        resolved.step == resolved.value) {
      return Status::BadInput(fmt::format("trial.metric_regex_groups: value {} / step {} are not distinct groups "
                                          "of a regex with {}",
                                          resolved.value, resolved.step, marks));
    }
  }
  return MetricParser(std::move(metric), regex, std::move(compiled), resolved);
}

std::optional<MetricReport> MetricParser::Parse(std::string_view line, int stream) {
  std::optional<MetricReport> report;
  bool counted_step = false;
  if (line.substr(0, kPrefix.size()) == kPrefix) {
    report = ParseFixed(line);
  } else if (regex_) {
    report = ParseRegex(line, counted_step);
  } else if (MentionsMetric(line)) {
    near_misses_.Add(line);
  }
  // A step we counted ourselves goes up by construction; only printed ones can go back.
  if (!report || counted_step) return report;
  std::optional<double>& last = last_step_[std::clamp(stream, 0, kStreams - 1)];
  if (last && report->step < *last) {
    steps_back_.Add(line);
    return std::nullopt;
  }
  last = report->step;
  return report;
}

void MetricParser::CountCutOff(std::string_view start) { cut_off_.Add(start); }

std::optional<MetricReport> MetricParser::ParseJsonLine(std::string_view line, const std::string& key,
                                                        const std::string& step_key) {
  const auto number = [](const nlohmann::json& object, const std::string& name) -> std::optional<double> {
    const auto it = object.find(name);
    if (it == object.end()) return std::nullopt;
    if (it->is_number()) return it->get<double>();
    if (it->is_string()) return ParseMetricNumber(it->get<std::string>());  // "nan", "inf"
    return std::nullopt;
  };
  const nlohmann::json object = nlohmann::json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  std::optional<double> value;
  std::optional<double> step;
  if (object.is_object()) {
    value = number(object, key);
    step = number(object, step_key);
  }
  if (!value || !step || !std::isfinite(*step)) {
    json_malformed_.Add(line);
    return std::nullopt;
  }
  std::optional<double>& last = last_step_[kMetricFileStream];
  if (last && *step < *last) {
    steps_back_.Add(line);
    return std::nullopt;
  }
  last = *step;
  return MetricReport{*step, *value};
}

std::optional<MetricReport> MetricParser::ParseFixed(std::string_view line) {
  const std::string_view rest = line.substr(kPrefix.size());
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
      fixed_malformed_.Add(line);
      return std::nullopt;
    }
    any_pair = true;
    const std::string_view key = token.substr(0, eq);
    std::optional<double>* slot = key == kStepKey ? &step : key == metric_ ? &value : nullptr;
    if (slot == nullptr) continue;  // another metric the trial logs for itself
    if (slot->has_value()) {        // "step=1 step=2": which one did it mean?
      fixed_malformed_.Add(line);
      return std::nullopt;
    }
    *slot = ParseMetricNumber(token.substr(eq + 1));
    if (!slot->has_value()) {
      fixed_malformed_.Add(line);
      return std::nullopt;
    }
  }
  if (!any_pair) {
    fixed_malformed_.Add(line);
    return std::nullopt;
  }
  if (!value) {
    fixed_ignored_.Add(line);
    return std::nullopt;
  }
  if (!step || !std::isfinite(*step) || *step < 0.0) {
    fixed_malformed_.Add(line);
    return std::nullopt;
  }
  return MetricReport{*step, *value};
}

std::optional<MetricReport> MetricParser::ParseRegex(std::string_view line, bool& counted_step) {
  if (line.size() > kMaxRegexLine) {
    long_lines_.Add(line);
    return std::nullopt;
  }
  LineMatch match;
  try {
    if (!std::regex_search(line.begin(), line.end(), match, *regex_)) {
      if (MentionsMetric(line)) near_misses_.Add(line);
      return std::nullopt;
    }
  } catch (const std::regex_error&) {  // error_complexity / error_stack on hostile input
    regex_malformed_.Add(line);
    return std::nullopt;
  }
  const auto value_group = static_cast<std::size_t>(groups_.value);
  const std::optional<double> value =
      match[value_group].matched ? ParseMetricNumber(Group(line, match, value_group)) : std::nullopt;
  if (!value) {
    regex_malformed_.Add(line);
    return std::nullopt;
  }
  double step = next_regex_step_;
  const auto step_group = static_cast<std::size_t>(groups_.step);
  if (step_group > 0 && match[step_group].matched) {
    const std::optional<double> parsed = ParseMetricNumber(Group(line, match, step_group));
    if (!parsed || !std::isfinite(*parsed) || *parsed < 0.0) {
      regex_malformed_.Add(line);
      return std::nullopt;
    }
    step = *parsed;
  } else {
    next_regex_step_ += 1.0;
    counted_step = true;
  }
  ++regex_reports_;
  return MetricReport{step, *value};
}

bool MetricParser::MentionsMetric(std::string_view line) const {
  if (metric_.empty() || std::none_of(line.begin(), line.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const auto same = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  };
  return std::search(line.begin(), line.end(), metric_.begin(), metric_.end(), same) != line.end();
}

MetricLineCounts MetricParser::counts() const {
  return MetricLineCounts{fixed_malformed_.count + regex_malformed_.count + cut_off_.count + json_malformed_.count,
                          fixed_ignored_.count + long_lines_.count, steps_back_.count};
}

std::string MetricParser::WhyNoReport() const {
  const std::string fixed = fmt::format("\"mpitune: step=<s> {}=<v>\"", metric_);
  std::vector<std::string> parts;
  if (const Sample& s = fixed_malformed_; s.count > 0) {
    parts.push_back(fmt::format("{} started with \"mpitune:\" but {} {}, e.g. {}", Lines(s.count),
                                s.count == 1 ? "did not match" : "none matched", fixed, Quoted(s.first)));
  }
  if (const Sample& s = fixed_ignored_; s.count > 0) {
    parts.push_back(fmt::format("{} \"mpitune:\" {} no {}=<v>, e.g. {}", s.count, s.count == 1 ? "line had" : "lines had",
                                metric_, Quoted(s.first)));
  }
  if (regex_) {
    if (const Sample& s = regex_malformed_; s.count > 0) {
      parts.push_back(fmt::format("{} matched metric_regex \"{}\" without a number in group {}{}, e.g. {}",
                                  Lines(s.count), regex_text_, groups_.value,
                                  groups_.step > 0 ? fmt::format(" (value) or {} (step)", groups_.step) : "",
                                  Quoted(s.first)));
    } else if (regex_reports_ == 0) {
      std::string part = fmt::format("no line matched metric_regex \"{}\"", regex_text_);
      if (near_misses_.count > 0) {
        part += fmt::format("; {} {} \"{}\", e.g. {}", Lines(near_misses_.count),
                            near_misses_.count == 1 ? "mentions" : "mention", metric_, Quoted(near_misses_.first));
      }
      parts.push_back(std::move(part));
    }
  } else if (const Sample& s = near_misses_; s.count > 0) {
    parts.push_back(fmt::format("{} {} \"{}\" but {} not start with \"mpitune:\", e.g. {}", Lines(s.count),
                                s.count == 1 ? "mentions" : "mention", metric_, s.count == 1 ? "does" : "do",
                                Quoted(s.first)));
  }
  if (const Sample& s = long_lines_; s.count > 0) {
    parts.push_back(fmt::format("{} over {} bytes were not tried against metric_regex", Lines(s.count),
                                kMaxRegexLine));
  }
  if (const Sample& s = cut_off_; s.count > 0) {
    parts.push_back(fmt::format("{} cut off as too long, e.g. {}", Lines(s.count), Quoted(s.first)));
  }
  if (const Sample& s = json_malformed_; s.count > 0) {
    parts.push_back(fmt::format("{} of the metric file made no report (a JSON object with the metric and the step "
                                "as numbers), e.g. {}",
                                Lines(s.count), Quoted(s.first)));
  }
  if (const Sample& s = steps_back_; s.count > 0) {
    parts.push_back(fmt::format("{} went back in step and {} dropped, e.g. {}", Lines(s.count),
                                s.count == 1 ? "was" : "were", Quoted(s.first)));
  }
  if (parts.empty()) {
    return fmt::format("it printed no metric line (expected {}{} on stdout or stderr)", fixed,
                       regex_ ? fmt::format(" or a match of metric_regex \"{}\"", regex_text_) : "");
  }
  std::string text;
  for (const std::string& part : parts) text += (text.empty() ? "" : "; ") + part;
  return text;
}

}  // namespace mpitune
