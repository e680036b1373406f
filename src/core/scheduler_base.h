// What every scheduler shares: the trial table, the sampler and RNG, the queue of
// interrupted trials, the bookkeeping of which trials are on a worker, and the
// save/load of all that. A policy (ASHA, SHA, ...) only says where trials go.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/trial_table.h"
#include "mpitune/scheduler.h"

namespace mpitune {

// Steps within this relative tolerance of a budget count as having reached it, so a
// trial that reports 2.9999999 epochs for a budget of 3 is not run another epoch.
bool ReachedBudget(double step, double budget);

class SchedulerBase : public Scheduler {
 public:
  SchedulerBase(const SearchSpace& space, const SchedulerOptions& options);

  NextAction Next(double now) final;
  NextAction NextWithin(double now, double max_units) final;
  Decision Report(TrialId trial, double step, double value, double now) final;
  void Finished(TrialId trial, TrialOutcome outcome, double now) final;
  bool SetMaxTrials(std::int64_t max_trials) final;
  bool SetMaxBudget(double max_budget) final;
  void Save(SavedState& state) const final;
  Status Load(const SavedState& state) final;

  const SchedulerOptions& options() const final { return options_; }
  const SearchSpace& space() const final { return space_; }
  std::size_t trial_count() const final { return trials_.size(); }
  const TrialRecord& trial(TrialId id) const final { return trials_[static_cast<std::size_t>(id)]; }
  std::int64_t running() const final { return running_; }

 protected:
  // The policy's answer when no interrupted trial that fits waits to be resumed. A
  // policy that honours `max_units` (see Scheduler::NextWithin) changes nothing when
  // nothing fits, and answers Wait.
  virtual NextAction PolicyNext(double now, double max_units) = 0;
  // A report from a running trial; `key` is normalised (lower is better).
  virtual Decision OnReport(TrialRecord& trial, double step, double key, double now) = 0;
  // A running trial ended without a Stop/Pause decision: it failed (`key` is +Inf,
  // `state` is kFailed or kLost) or exited by itself after reporting (`key` is its
  // last result, `state` is kRunning). The policy records it and sets its state.
  virtual void OnEnded(TrialRecord& trial, double key, TrialState state, double now) = 0;
  // A trial the policy paused has left its worker with its checkpoint written: only
  // now may it count at its rung (and be promoted), or another worker could be told
  // to resume from a checkpoint that does not exist yet.
  virtual void OnPaused(TrialRecord& trial, double key, double now) = 0;
  virtual void SavePolicy(SavedState& state) const = 0;
  virtual Status LoadPolicy(const SavedState& state) = 0;
  virtual const char* PolicyName() const = 0;
  // Whether the policy would still start new trials if max_trials allowed (SHA only
  // fills its first rung; PBT's population is max_trials).
  virtual bool TakesMoreTrials() const { return true; }
  // The policy's part of SetMaxBudget (the study has not ended): sets
  // options_.max_budget and what follows from it, or says no.
  virtual bool ChangeMaxBudget(double /*max_budget*/) { return false; }

  bool CanStartNewTrial() const;
  bool on_worker(TrialId id) const { return on_worker_[static_cast<std::size_t>(id)] != 0; }
  // Samples a config and makes it a running trial; nullopt if the sampler ran dry.
  std::optional<Assignment> StartNewTrial(int bracket, int rung, double budget, double now);
  // A new trial record for `config`, pending, not on a worker.
  TrialRecord& AddTrial(Config config, int bracket, double now);
  // Makes `config` a new running trial (no sample drawn); `prepare` may set its
  // record (parent, restore_from, checkpoint_step) before it is handed out.
  template <typename Prepare>
  Assignment StartTrialWith(Config config, int bracket, int rung, double budget, double now, Prepare prepare) {
    TrialRecord& trial = AddTrial(std::move(config), bracket, now);
    prepare(trial);
    return ResumeTrial(trial.id, rung, budget, now);
  }
  // Puts an existing (paused or pending) trial back on a worker (from the checkpoint
  // of its restore_from trial when that is set).
  Assignment ResumeTrial(TrialId trial, int rung, double budget, double now);
  void SetTerminal(TrialRecord& trial, TrialState state, double now);
  // Tells the sampler that `trial` ranks with `key` at `rung` (a model-based sampler
  // learns from it); policies call it wherever a result lands in a rung.
  void LearnFrom(const TrialRecord& trial, int rung, double key);
  TrialRecord& MutableTrial(TrialId id) { return trials_[static_cast<std::size_t>(id)]; }
  // Called once when the study ends: trials left paused become stopped.
  void FinishStudy(double now);
  std::int64_t trials_started() const { return static_cast<std::int64_t>(trials_.size()); }

  const SearchSpace space_;
  SchedulerOptions options_;  // only max_trials and max_budget ever change (SetMaxTrials, SetMaxBudget)

 private:
  TrialTable trials_;
  std::vector<char> on_worker_;
  std::deque<TrialId> interrupted_;
  std::int64_t running_ = 0;
  bool sampler_exhausted_ = false;
  bool finished_ = false;
  Rng rng_;
  std::unique_ptr<Sampler> sampler_;
};

}  // namespace mpitune
