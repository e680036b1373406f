#include "cli/results_table.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

namespace mpitune::cli {
namespace {

// Table cells keep continuous values short; the best-trial line prints them exactly.
std::string FormatCell(const SearchSpace& space, const StudyTrial& trial, std::size_t i) {
  const ParamType type = space.param(i).type;
  if ((type == ParamType::kUniform || type == ParamType::kLogUniform) && std::holds_alternative<double>(trial.params[i])) {
    return fmt::format("{:.6g}", std::get<double>(trial.params[i]));
  }
  return FormatParamValue(trial.params[i]);
}

std::string FormatBudget(const StudyTrial& trial) {
  return trial.value ? fmt::format("{:g}", trial.value_budget) : "-";
}

}  // namespace

std::string FormatMetric(const std::optional<double>& value) {
  if (!value) return "-";
  return std::isfinite(*value) ? fmt::format("{:.6g}", *value) : "nan";
}

std::string FormatResultsTable(const Study& study, std::size_t limit) {
  const SearchSpace& space = study.space;
  std::vector<const StudyTrial*> ranked = RankTrials(study);
  if (ranked.size() > limit) ranked.resize(limit);
  // Where each trial last ran, when the study ran on more than one rank or device.
  std::unordered_map<TrialId, const RunRecord*> last_run;
  std::set<std::pair<int, std::string>> places;
  for (const RunRecord& run : study.runs) {
    last_run[run.trial] = &run;
    places.emplace(run.rank, run.device);
  }
  const bool show_places = places.size() > 1;

  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"trial", "state", "budget", study.metric};
  if (show_places) header.insert(header.end(), {"rank", "device"});
  for (const ParamSpec& param : space.params()) header.push_back(param.name);
  rows.push_back(header);
  for (const StudyTrial* trial : ranked) {
    std::vector<std::string> row = {fmt::format("{}", trial->id), TrialStateName(trial->state), FormatBudget(*trial),
                                    FormatMetric(trial->value)};
    if (show_places) {
      const auto it = last_run.find(trial->id);
      row.push_back(it == last_run.end() ? "-" : fmt::format("{}", it->second->rank));
      row.push_back(it == last_run.end() ? "-" : it->second->device);
    }
    for (std::size_t i = 0; i < space.size(); ++i) row.push_back(FormatCell(space, *trial, i));
    rows.push_back(std::move(row));
  }

  std::vector<std::size_t> widths(header.size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string text;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      // Text columns (state, device) read best left-aligned, numbers right.
      const bool left = c == 1 || (show_places && c == 5);
      line += left ? fmt::format("{:<{}}", row[c], widths[c]) : fmt::format("{:>{}}", row[c], widths[c]);
      if (c + 1 < row.size()) line += "  ";
    }
    text += line + '\n';
  }
  return text;
}

std::string FormatStateCounts(const Study& study) {
  constexpr std::array kStates = {TrialState::kCompleted, TrialState::kStopped, TrialState::kPaused,
                                  TrialState::kRunning,   TrialState::kPending, TrialState::kFailed,
                                  TrialState::kLost};
  std::string parts;
  for (const TrialState state : kStates) {
    const std::int64_t count = study.Count(state);
    if (count == 0) continue;
    if (!parts.empty()) parts += ", ";
    parts += fmt::format("{} {}", TrialStateName(state), count);
  }
  if (parts.empty()) return "trials: 0";
  return fmt::format("trials: {} ({})", study.trials.size(), parts);
}

std::string FormatBestTrial(const Study& study) {
  const StudyTrial* best = study.best_trial();
  if (best == nullptr) return "best: none";
  std::string text = fmt::format("best: trial {}, {} {} at budget {},", best->id, study.metric,
                                 FormatMetric(best->value), FormatBudget(*best));
  for (std::size_t i = 0; i < study.space.size(); ++i) {
    text += fmt::format(" {}={}", study.space.param(i).name, FormatParamValue(best->params[i]));
  }
  return text;
}

std::vector<std::string> FormatRungs(const Study& study) {
  std::vector<std::string> lines;
  for (const StudyRung& rung : study.rungs) {
    std::string best = "-";
    if (rung.best) best = fmt::format("trial {} ({:.6g})", *rung.best, rung.best_value);
    lines.push_back(fmt::format("bracket {} rung {} budget {:g}: {} results, {} promoted, best {}", rung.bracket,
                                rung.rung, rung.budget, rung.results, rung.promoted, best));
  }
  return lines;
}

std::string FormatAge(double seconds) {
  if (seconds < 10.0) return fmt::format("{:.1f} s", std::max(seconds, 0.0));
  if (seconds < 120.0) return fmt::format("{:.0f} s", seconds);
  if (seconds < 7200.0) return fmt::format("{:.1f} min", seconds / 60.0);
  return fmt::format("{:.1f} h", seconds / 3600.0);
}

std::string FormatMetricLines(const std::vector<RunRecord>& runs) {
  MetricLineCounts total;
  std::int64_t with_lines = 0;
  for (const RunRecord& run : runs) {
    total += run.lines;
    with_lines += run.lines.any();
  }
  if (with_lines == 0) return {};
  return fmt::format("metric lines dropped: {} malformed, {} ignored, {} going back in step (in {} run{})",
                     total.malformed, total.ignored, total.steps_back, with_lines, with_lines == 1 ? "" : "s");
}

std::string FormatSeconds(double seconds) {
  return seconds < 0.01 ? fmt::format("{:.3g} s", seconds) : fmt::format("{:.3f} s", seconds);
}

}  // namespace mpitune::cli
