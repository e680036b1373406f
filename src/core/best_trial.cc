#include <cmath>
#include <optional>
#include <vector>

#include "mpitune/scheduler.h"

namespace mpitune {
namespace {

class RungCollector final : public RungVisitor {
 public:
  void BeginRung(int bracket, int rung, double budget) override {
    rungs.push_back(RungSummary{bracket, rung, budget, {}});
  }
  void Entry(const RungEntry& entry) override { rungs.back().entries.push_back(entry); }
  std::vector<RungSummary> rungs;
};

}  // namespace

void BestTrialFinder::BeginRung(int /*bracket*/, int /*rung*/, double budget) { rung_budget_ = budget; }

void BestTrialFinder::Entry(const RungEntry& entry) {
  // Budgets, not rung indices, decide "highest": Hyperband's brackets share budgets.
  if (entry.failed || !std::isfinite(entry.value) || (best_ && rung_budget_ < best_budget_)) return;
  const double key = NormalisedKey(entry.value, mode_);
  if (!best_ || rung_budget_ > best_budget_ || key < best_key_ || (key == best_key_ && entry.trial < *best_)) {
    best_ = entry.trial;
    best_budget_ = rung_budget_;
    best_key_ = key;
    best_value_ = entry.value;
  }
}

std::optional<TrialId> BestTrialOf(const std::vector<RungSummary>& rungs, MetricMode mode) {
  BestTrialFinder finder(mode);
  for (const RungSummary& rung : rungs) {
    finder.BeginRung(rung.bracket, rung.rung, rung.budget);
    for (const RungEntry& entry : rung.entries) finder.Entry(entry);
  }
  return finder.best();
}

std::vector<RungSummary> Scheduler::Rungs() const {
  RungCollector collector;
  VisitRungs(collector);
  return std::move(collector.rungs);
}

bool Scheduler::SetMaxTrials(std::int64_t /*max_trials*/) { return false; }

bool Scheduler::SetMaxBudget(double /*max_budget*/) { return false; }

const std::vector<ExploitRecord>& Scheduler::Exploits() const {
  static const std::vector<ExploitRecord> kNone;
  return kNone;
}

std::optional<TrialId> Scheduler::BestTrial() const {
  BestTrialFinder finder(options().mode);
  VisitRungs(finder);
  return finder.best();
}

}  // namespace mpitune
