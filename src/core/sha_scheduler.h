// Synchronous successive halving: one bracket of max_trials configs. Every trial of a
// rung must finish before the best floor(n/eta) (at least one) go on to the next rung,
// so workers sit idle at each rung barrier; ASHA exists to remove exactly that.
#pragma once

#include <vector>

#include "core/scheduler_base.h"

namespace mpitune {

class ShaScheduler final : public SchedulerBase {
 public:
  ShaScheduler(const SearchSpace& space, const SchedulerOptions& options);

  void VisitRungs(RungVisitor& visitor) const override;

 protected:
  NextAction PolicyNext(double now, double max_units) override;
  Decision OnReport(TrialRecord& trial, double step, double key, double now) override;
  void OnEnded(TrialRecord& trial, double key, TrialState state, double now) override;
  void OnPaused(TrialRecord& trial, double key, double now) override;
  void SavePolicy(SavedState& state) const override;
  Status LoadPolicy(const SavedState& state) override;
  const char* PolicyName() const override { return "sha"; }
  bool TakesMoreTrials() const override { return rung_ == 0 && rung0_open_; }

 private:
  int top_rung() const { return static_cast<int>(budgets_.size()) - 1; }
  void RecordResult(const TrialRecord& trial, double key);
  // Closes the complete current rung: its best go on; false when the bracket is over.
  bool AdvanceRung(double now);

  std::vector<double> budgets_;
  int rung_ = 0;
  std::vector<TrialId> members_;     // trials of the current rung, ascending ids
  std::vector<double> member_keys_;  // their results (NaN = not yet in)
  std::size_t launched_ = 0;         // members_ handed out so far
  std::size_t recorded_ = 0;
  // Rung 0 is filled by sampling; its size is max_trials unless the sampler runs dry.
  bool rung0_open_ = true;
  // Closed rungs' members and results, for Rungs().
  std::vector<std::vector<TrialId>> closed_members_;
  std::vector<std::vector<double>> closed_keys_;
};

}  // namespace mpitune
