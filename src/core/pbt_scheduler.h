// Population-based training (Jaderberg et al. 2017) as a pure state machine.
//
// Members train in turns of perturbation_interval budget units: every run ends at the
// next "ready point" (a multiple of the interval, or max_budget) with a Pause, so the
// member's checkpoint there is written before anyone may copy it, and a population
// larger than the workers takes turns (the member trained least goes next).
//
// Exploit is decided when a paused member is handed out again (asynchronous mode) or
// when a generation closes (synchronous mode): the member continues from the donor's
// checkpoint, which the runtime copies (built-in objectives: the stored state sent with
// the Assignment; command trials: the donor's checkpoint directory copied over the
// recipient's). The donor is paused while that happens and is not resumed until the
// recipient has reported (it is "lent"), so a checkpoint being copied is never being
// rewritten, and it is never deleted.
//
// Asynchronous mode: a bottom member whose top-quantile donors are all running waits
// for one of them to pause (while any of them runs), rather than giving up the exploit;
// with as many workers as members that is the only way an exploit can happen.
// Synchronous mode: no member passes the generation's ready point until every live
// member has reached it; a member that fails or is lost leaves the generation at once,
// so a crash never holds it up.
#pragma once

#include <cmath>
#include <cstdint>
#include <deque>
#include <set>
#include <utility>
#include <vector>

#include "core/scheduler_base.h"

namespace mpitune {

// The exploit rule on one ranking: `ranked` holds (normalised key, trial) of the
// members that compete (lower key is better). With k = floor(n * quantile), `member`
// exploits when it is among the k worst by (key, trial id) and its key is strictly
// worse than that of every one of the k best (ties across the cut exploit nothing).
// Returns the k best (the donor candidates, in an order fixed by the input) in that
// case, else nothing.
std::vector<TrialId> ExploitCandidates(std::vector<std::pair<double, TrialId>> ranked, TrialId member,
                                       double quantile);

// The first ready point after `step`: the next multiple of `interval`, capped at
// `max_budget`.
double NextReadyPoint(double step, double interval, double max_budget);

class PbtScheduler final : public SchedulerBase {
 public:
  PbtScheduler(const SearchSpace& space, const SchedulerOptions& options);

  void VisitRungs(RungVisitor& visitor) const override;
  const std::vector<ExploitRecord>& Exploits() const override { return exploits_; }

 protected:
  NextAction PolicyNext(double now, double max_units) override;
  Decision OnReport(TrialRecord& trial, double step, double key, double now) override;
  void OnEnded(TrialRecord& trial, double key, TrialState state, double now) override;
  void OnPaused(TrialRecord& trial, double key, double now) override;
  void SavePolicy(SavedState& state) const override;
  Status LoadPolicy(const SavedState& state) override;
  const char* PolicyName() const override { return "pbt"; }
  bool TakesMoreTrials() const override { return false; }
  // Moves max_budget (the ready points stay at the same interval) while no member has
  // reached it (a completed member cannot train on) and to no less than any member has
  // trained or been handed out to.
  bool ChangeMaxBudget(double max_budget) override;

 private:
  using ReadyKey = std::pair<double, TrialId>;  // (checkpoint step, trial): least trained first

  const PbtOptions& pbt() const { return options_.pbt; }
  std::int64_t population() const { return options_.pbt.population; }
  // A member that may lend its checkpoint: paused (its checkpoint is written), short
  // of max_budget, not failed.
  bool CanLend(const TrialRecord& trial) const;
  // Ranks the members that reported at or past `step`; the donor candidates for
  // `member` (ExploitCandidates).
  std::vector<TrialId> TopFor(TrialId member, double step) const;
  // Picks a donor among `candidates` that can lend now; -1 if none can.
  TrialId PickDonor(const std::vector<TrialId>& candidates, TrialId member);
  // Makes `recipient` continue from `donor`'s checkpoint with a perturbed copy of its
  // config, and records the exploit. `old_config` is what the record calls "before".
  void Exploit(TrialRecord& recipient, TrialId donor, Config old_config, double now);
  void Release(TrialRecord& trial);  // its run has started from its donor's copy
  // A new member for `slot`: an exploit of a donor when one can lend, else a fresh
  // sample. `filled` says whether the slot has a member now; the Assignment is there
  // when that member starts at once (a replacement that exploits waits, paused). A
  // fresh sample whose first run adds more than `max_units` is not drawn (`unfit`).
  std::optional<Assignment> FillSlot(int slot, double max_units, bool& filled, bool& unfit, double now);
  // The paused member trained least that may go on (not lent, and in asynchronous
  // mode not waiting for a donor to pause), after its exploit decision, and whose run
  // adds at most `max_units` (those that would add more set `unfit` and stay as they
  // are). `force`: the first paused member, whatever it waits for (nothing runs that
  // could end a wait).
  std::optional<Assignment> ResumeReady(bool force, double max_units, bool& unfit, double now);
  // Synchronous: every live member has reached the generation's ready point.
  void CloseGeneration(double now);
  double RunBudget(double from_step) const;
  void Vacate(const TrialRecord& trial);

  // What the exploit rule reads of a slot's member, kept beside members_ so that a
  // ranking pass streams 24 bytes a member, not its whole record (at P = 100,000 the
  // records are 15 MB). Derived from the trial table (rebuilt on Load).
  struct Standing {
    double key = HUGE_VAL;  // NormalisedKey(last_value)
    double last_step = 0.0;
    bool competes = false;  // reported, and not failed, lost or ended early
  };
  void Refresh(const TrialRecord& trial);  // after any change to a slot member's record

  std::vector<TrialId> members_;  // by slot: the trial holding it now
  std::vector<Standing> standings_;  // by slot
  std::deque<int> vacant_;        // slots whose member failed, was lost or ended early
  std::set<ReadyKey> ready_;      // paused members that may be resumed
  std::vector<std::int32_t> lent_;  // by trial: recipients still copying its checkpoint
  std::vector<ExploitRecord> exploits_;
  double generation_point_ = 0.0;  // synchronous: the ready point everyone runs to
  Rng rng_;
};

}  // namespace mpitune
