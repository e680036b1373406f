// Asynchronous successive halving over one or more brackets: FIFO (one rung at
// max_budget), ASHA (one bracket) and asynchronous Hyperband (one bracket per
// starting rung), each in the promotion or the stopping variant.
#pragma once

#include <vector>

#include "core/rung.h"
#include "core/scheduler_base.h"

namespace mpitune {

class AsyncBracketScheduler final : public SchedulerBase {
 public:
  AsyncBracketScheduler(const SearchSpace& space, const SchedulerOptions& options);

  void VisitRungs(RungVisitor& visitor) const override;

  const std::vector<double>& budgets() const { return budgets_; }

 protected:
  NextAction PolicyNext(double now, double max_units) override;
  Decision OnReport(TrialRecord& trial, double step, double key, double now) override;
  void OnEnded(TrialRecord& trial, double key, TrialState state, double now) override;
  void OnPaused(TrialRecord& trial, double key, double now) override;
  void SavePolicy(SavedState& state) const override;
  Status LoadPolicy(const SavedState& state) override;
  const char* PolicyName() const override { return SchedulerKindName(options_.kind); }

 private:
  struct Bracket {
    int base_rung = 0;        // the rung its new trials start at
    std::vector<Rung> rungs;  // indexed by absolute rung; those below base_rung stay empty
  };

  bool promotion() const { return options_.variant == AshaVariant::kPromotion && top_rung() > 0; }
  int top_rung() const { return static_cast<int>(budgets_.size()) - 1; }
  // How many of a rung's n entries form its top: floor(n/eta) for promotions,
  // ceil(n/eta) for the stopping rule (so the first result at a rung goes on).
  std::size_t TopSize(std::size_t n) const;
  // Records `key` for `trial` at `rung` of its bracket; true if it lands in the top.
  bool Record(const TrialRecord& trial, int rung, double key);
  // The bracket of the next new trial, among those whose first run adds at most
  // `max_units`; -1 (and no credit spent) when none does.
  int ChooseBracket(double max_units);
  // The budget a new trial in `bracket` runs towards.
  double NewTrialBudget(int bracket) const;
  // The best promotion that adds at most `max_units`; `unfit` is set when one exists
  // that does not.
  std::optional<Assignment> Promote(double now, double max_units, bool& unfit);

  std::vector<double> budgets_;
  std::vector<Bracket> brackets_;
  // Smooth weighted round robin over brackets (weights = Hyperband's n_s).
  std::vector<std::int64_t> bracket_weights_;
  std::vector<std::int64_t> bracket_credit_;
};

}  // namespace mpitune
