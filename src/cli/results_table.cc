#include "cli/results_table.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

#include <fmt/format.h>

namespace mpitune::cli {
namespace {

bool IsFailure(TrialState state) { return state == TrialState::kFailed || state == TrialState::kLost; }

// The budget a trial's metric belongs to: its highest reported step.
double BudgetReached(const TrialRecord& trial) { return trial.reports > 0 ? trial.last_step : 0.0; }

// Steps only grow, so the last value is the one measured at BudgetReached.
double ValueAtBudget(const TrialRecord& trial) { return trial.reports > 0 ? trial.last_value : NAN; }

std::string FormatValue(double value) { return std::isnan(value) ? "-" : fmt::format("{:.6g}", value); }

// Table cells keep continuous values short; the best-trial line prints them exactly.
std::string FormatCell(const SearchSpace& space, const Config& config, std::size_t i) {
  const ParamType type = space.param(i).type;
  if (type == ParamType::kUniform || type == ParamType::kLogUniform) return fmt::format("{:.6g}", config.values[i]);
  return space.Format(config, i);
}

std::string FormatBudget(const TrialRecord& trial) {
  return trial.reports > 0 ? fmt::format("{:g}", BudgetReached(trial)) : "-";
}

}  // namespace

std::vector<const TrialRecord*> RankTrials(const Scheduler& scheduler) {
  const std::optional<TrialId> best = scheduler.BestTrial();
  const MetricMode mode = scheduler.options().mode;
  std::vector<const TrialRecord*> ranked;
  ranked.reserve(scheduler.trials().size());
  for (const TrialRecord& trial : scheduler.trials()) ranked.push_back(&trial);
  // Lexicographic keys; each line below is one tier of the documented order.
  std::stable_sort(ranked.begin(), ranked.end(), [&](const TrialRecord* a, const TrialRecord* b) {
    const bool a_best = best && a->id == *best;
    const bool b_best = best && b->id == *best;
    if (a_best != b_best) return a_best;
    if (IsFailure(a->state) != IsFailure(b->state)) return !IsFailure(a->state);
    if (BudgetReached(*a) != BudgetReached(*b)) return BudgetReached(*a) > BudgetReached(*b);
    const double a_key = NormalisedKey(ValueAtBudget(*a), mode);
    const double b_key = NormalisedKey(ValueAtBudget(*b), mode);
    if (a_key != b_key) return a_key < b_key;
    return a->id < b->id;
  });
  return ranked;
}

std::string FormatResultsTable(const Scheduler& scheduler, const std::string& metric, std::size_t limit) {
  const SearchSpace& space = scheduler.space();
  std::vector<const TrialRecord*> ranked = RankTrials(scheduler);
  if (ranked.size() > limit) ranked.resize(limit);

  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"trial", "state", "budget", metric};
  for (const ParamSpec& param : space.params()) header.push_back(param.name);
  rows.push_back(header);
  for (const TrialRecord* trial : ranked) {
    std::vector<std::string> row = {fmt::format("{}", trial->id), TrialStateName(trial->state), FormatBudget(*trial),
                                    FormatValue(ValueAtBudget(*trial))};
    for (std::size_t i = 0; i < space.size(); ++i) row.push_back(FormatCell(space, trial->config, i));
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
      // Text columns (state, choice values) read best left-aligned, numbers right.
      const bool left = c == 1;
      line += left ? fmt::format("{:<{}}", row[c], widths[c]) : fmt::format("{:>{}}", row[c], widths[c]);
      if (c + 1 < row.size()) line += "  ";
    }
    text += line + '\n';
  }
  return text;
}

std::string FormatStateCounts(const Scheduler& scheduler) {
  constexpr std::array kStates = {TrialState::kCompleted, TrialState::kStopped, TrialState::kPaused,
                                  TrialState::kRunning,   TrialState::kPending, TrialState::kFailed,
                                  TrialState::kLost};
  std::array<std::size_t, kStates.size()> counts{};
  for (const TrialRecord& trial : scheduler.trials()) {
    for (std::size_t s = 0; s < kStates.size(); ++s) counts[s] += trial.state == kStates[s];
  }
  std::string parts;
  for (std::size_t s = 0; s < kStates.size(); ++s) {
    if (counts[s] == 0) continue;
    if (!parts.empty()) parts += ", ";
    parts += fmt::format("{} {}", TrialStateName(kStates[s]), counts[s]);
  }
  if (parts.empty()) return "trials: 0";
  return fmt::format("trials: {} ({})", scheduler.trials().size(), parts);
}

std::string FormatBestTrial(const Scheduler& scheduler, const std::string& metric) {
  const std::optional<TrialId> best = scheduler.BestTrial();
  const auto& trials = scheduler.trials();
  const auto found = std::find_if(trials.begin(), trials.end(),
                                  [&](const TrialRecord& trial) { return best && trial.id == *best; });
  if (found == trials.end()) return "best: none";
  const TrialRecord& trial = *found;
  std::string text = fmt::format("best: trial {}, {} {} at budget {},", trial.id, metric,
                                 FormatValue(ValueAtBudget(trial)), FormatBudget(trial));
  const SearchSpace& space = scheduler.space();
  for (std::size_t i = 0; i < space.size(); ++i) {
    text += fmt::format(" {}={}", space.param(i).name, space.Format(trial.config, i));
  }
  return text;
}

std::string FormatSeconds(double seconds) {
  return seconds < 0.01 ? fmt::format("{:.3g} s", seconds) : fmt::format("{:.3f} s", seconds);
}

}  // namespace mpitune::cli
