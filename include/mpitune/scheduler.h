// Schedulers: pure state machines that decide which trial runs, with what budget,
// and whether it goes on. No MPI, no HDF5, no clock: time comes in as `now`
// (seconds on whatever clock the driver uses; the simulator passes virtual time).
//
// Semantics (see README "Schedulers"):
//   fifo       every trial runs to max_budget.
//   sha        synchronous successive halving: max_trials configs at min_budget; when
//              a rung is complete the top floor(n/eta) (at least 1) go on at eta x the
//              budget, resumed from their checkpoints. Workers wait at rung barriers.
//   asha       asynchronous successive halving over rungs min_budget * eta^k.
//              promotion: a trial pauses at each rung; a free worker promotes the
//                best not-yet-promoted trial in the top floor(n/eta) of the highest
//                possible rung, else starts a new trial (Li et al. 2020).
//              stopping: a trial runs towards max_budget; at each rung it goes on only
//                if it is in the top ceil(n/eta) of the values recorded there so far.
//   hyperband  asynchronous Hyperband: brackets s = 0..s_max, bracket s starts trials
//              at min_budget * eta^s and runs ASHA (either variant) inside; new trials
//              go to brackets in the proportions of Hyperband's n_s (Li et al. 2018),
//              interleaved by smooth weighted round robin.
//   pbt        population-based training (Jaderberg et al. 2017): `population` members
//              train in turns of perturbation_interval budget units, pausing with a
//              checkpoint at each "ready point" (a multiple of the interval, or
//              max_budget). When a paused member is resumed past burn_in and lies in
//              the bottom `quantile` of the members that have reported at or past its
//              ready point, it exploits a random top-quantile member that is paused
//              with a checkpoint (continues from it, with its hyperparameters) and
//              explores (SearchSpace::Perturb). The member trained least resumes
//              first. synchronous: members wait for each other at every ready point
//              (a generation), and a failed member leaves the generation at once. A
//              failed, lost or self-ended member is replaced by a new trial that
//              exploits a donor (or by a fresh sample while none has a checkpoint).
// Every scheduler: metric direction is normalised once (lower key = better); NaN,
// +-Inf, failed and lost trials rank worst, are never promoted, and never block a
// rung. Ties are broken by trial id (the earlier trial wins).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mpitune/sampler.h"
#include "mpitune/saved_state.h"
#include "mpitune/space.h"
#include "mpitune/status.h"
#include "mpitune/trial.h"
#include "mpitune/trial_record.h"

namespace mpitune {

enum class SchedulerKind { kFifo, kSha, kAsha, kHyperband, kPbt };
enum class AshaVariant { kPromotion, kStopping };
enum class MetricMode { kMin, kMax };

const char* SchedulerKindName(SchedulerKind kind);  // "fifo", "sha", "asha", "hyperband", "pbt"
const char* AshaVariantName(AshaVariant variant);   // "promotion", "stopping"
const char* MetricModeName(MetricMode mode);        // "min", "max"

inline constexpr std::int64_t kMaxTrialsLimit = 2'000'000'000;

// Population-based training only (kind kPbt); budgets are in the trial's step units.
struct PbtOptions {
  std::int64_t population = 8;         // members training at once (may exceed the workers)
  double perturbation_interval = 1.0;  // budget between ready points, > 0
  double quantile = 0.25;              // bottom/top fraction, in (0, 0.5]
  double factor_down = 0.8;            // perturbation_factors [down, up]
  double factor_up = 1.2;
  double resample_probability = 0.25;  // per parameter, in [0, 1]
  double burn_in = 0.0;                // no exploit before this step
  bool synchronous = false;            // generations: everyone waits at each ready point
};

struct SchedulerOptions {
  SchedulerKind kind = SchedulerKind::kAsha;
  AshaVariant variant = AshaVariant::kPromotion;
  MetricMode mode = MetricMode::kMin;
  std::int64_t max_trials = 100;  // distinct configurations started, failed ones included
  double min_budget = 1.0;        // r: the budget of the lowest rung
  double max_budget = 81.0;       // R: the budget of the top rung
  double eta = 3.0;               // reduction factor, >= 2
  // A rung holds at least this many results before it stops or promotes anyone
  // (the "bootstrap" of Optuna's pruner); 0 = no extra condition.
  std::int64_t grace = 0;
  std::uint64_t seed = 0;
  SamplerOptions sampler;
  PbtOptions pbt;
};

// Checks the options against each other (eta >= 2, 0 < min_budget <= max_budget,
// max_trials >= 1, ...). Messages name the config key, e.g. "scheduler.eta: ...".
Status ValidateSchedulerOptions(const SchedulerOptions& options);

// The rung budgets min_budget * eta^k for k < K and max_budget for the top rung K,
// where K = floor(log_eta(max_budget / min_budget)).
std::vector<double> RungBudgets(double min_budget, double max_budget, double eta);

// Hyperband's bracket sizes, indexed by s = 0..s_max where bracket s starts at rung s
// (index 0 is the most aggressive). Bracket s makes h = s_max - s halvings and gets
// n = ceil((s_max + 1) / (h + 1) * eta^h) configs (Li et al. 2018, Algorithm 1).
std::vector<std::int64_t> HyperbandBracketSizes(int s_max, double eta);

// Lower is better; NaN and +-Inf map to +Inf (worst).
double NormalisedKey(double value, MetricMode mode);
// The metric a finite key was made from.
inline double RawValue(double key, MetricMode mode) { return mode == MetricMode::kMin ? key : -key; }

// A rung as the scheduler ranks it: every trial recorded there, with the value it was
// ranked on. That is "the value of a trial at a rung" wherever mpitune shows one: the
// metric it reported on reaching the rung's budget or, when it ended by itself on its
// way there, its last metric.
struct RungEntry {
  TrialId trial = -1;
  double value = 0.0;     // the raw metric; NaN when it ranks worst (failed, lost, NaN/Inf)
  bool promoted = false;  // went on to the next rung
  bool failed = false;    // the trial has since failed or been lost (its value here stays)
};
struct RungSummary {
  int bracket = 0;
  int rung = 0;  // index into RungBudgets()
  double budget = 0.0;
  std::vector<RungEntry> entries;  // in the order they were recorded
};

// Receives a scheduler's rungs in order, each rung and then its entries, so that a
// study of millions of results can be looked through without copying them.
class RungVisitor {
 public:
  virtual ~RungVisitor() = default;
  virtual void BeginRung(int bracket, int rung, double budget) = 0;
  virtual void Entry(const RungEntry& entry) = 0;
};

// The best trial of a study: at the highest budget where any trial that has not failed
// has a finite value, the one with the best value in `mode`; ties go to the lower
// trial id. A failed or lost trial (even one that did well at a lower rung before it
// crashed) and a NaN value are never the best. This class is that definition, fed one rung entry
// at a time; BestTrialOf and Scheduler::BestTrial use it.
class BestTrialFinder final : public RungVisitor {
 public:
  explicit BestTrialFinder(MetricMode mode) : mode_(mode) {}
  void BeginRung(int bracket, int rung, double budget) override;
  void Entry(const RungEntry& entry) override;

  // nullopt while no rung holds a finite value.
  std::optional<TrialId> best() const { return best_; }
  double best_value() const { return best_value_; }  // its value there
  double best_budget() const { return best_budget_; }

 private:
  MetricMode mode_;
  double rung_budget_ = 0.0;
  double best_budget_ = 0.0;
  double best_key_ = 0.0;
  double best_value_ = 0.0;
  std::optional<TrialId> best_;
};

std::optional<TrialId> BestTrialOf(const std::vector<RungSummary>& rungs, MetricMode mode);

// Population-based training: one exploit, as the scheduler decided it.
struct ExploitRecord {
  TrialId recipient = -1;
  TrialId donor = -1;
  double step = 0.0;        // the recipient's checkpoint step when it exploited
  double donor_step = 0.0;  // the step of the donor's checkpoint it continues from
  double time = 0.0;        // `now` of the decision
  Config old_config;        // the recipient's (for a replacement: the member it replaces)
  Config new_config;        // after explore
};

class Scheduler;

// A read-only view of a scheduler's trial table, indexed by trial id.
class TrialRecords {
 public:
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = TrialRecord;
    using difference_type = std::ptrdiff_t;
    using pointer = const TrialRecord*;
    using reference = const TrialRecord&;

    Iterator() = default;
    Iterator(const TrialRecords* records, std::size_t index) : records_(records), index_(index) {}
    reference operator*() const { return (*records_)[index_]; }
    pointer operator->() const { return &(*records_)[index_]; }
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator before = *this;
      ++index_;
      return before;
    }
    bool operator==(const Iterator& other) const { return index_ == other.index_; }

   private:
    const TrialRecords* records_ = nullptr;
    std::size_t index_ = 0;
  };

  explicit TrialRecords(const Scheduler& scheduler) : scheduler_(scheduler) {}
  std::size_t size() const;
  bool empty() const { return size() == 0; }
  const TrialRecord& operator[](std::size_t id) const;
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, size()); }

 private:
  const Scheduler& scheduler_;
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;

  virtual NextAction Next(double now) = 0;
  // Next, offering only work that adds at most `max_units` budget units (budget -
  // resume_step): under a deadline, a free worker near the end takes a short run that
  // still fits rather than idling behind one that does not. When work is waiting but
  // none of it fits, the answer is Wait, and nothing changed. Every built-in scheduler
  // chooses by size; one that cannot (this default) ignores the limit, and the
  // deadline's stop is then all that bounds its runs.
  virtual NextAction NextWithin(double now, double max_units) {
    (void)max_units;
    return Next(now);
  }
  // Reports for unknown trials or trials not running (a stale message) are ignored
  // and answered with Stop.
  virtual Decision Report(TrialId trial, double step, double value, double now) = 0;
  virtual void Finished(TrialId trial, TrialOutcome outcome, double now) = 0;
  // How many trials the study may start from now on: a time plan re-made from measured
  // costs raises or lowers it (never below the trials already started). Says whether
  // it changed anything; false where new trials can no longer be taken (SHA past its
  // first rung, a study that has ended) and for PBT, whose population it sets. The
  // study store journals each change, so a resumed study replays it.
  virtual bool SetMaxTrials(std::int64_t max_trials);
  // The budget PBT's members train to, re-planned from measured costs: it moves (the
  // ready points stay at the same interval) while no member has reached it, to no
  // less than any run was handed out to. Says whether it changed anything; false for
  // the other schedulers (their rungs are fixed by it) and once the study has ended.
  // Journaled like SetMaxTrials.
  virtual bool SetMaxBudget(double max_budget);

  // Complete state, RNG and sampler included: Load(Save()) into a scheduler made
  // with the same options and space makes exactly the same decisions afterwards.
  virtual void Save(SavedState& state) const = 0;
  virtual Status Load(const SavedState& state) = 0;

  virtual const SchedulerOptions& options() const = 0;
  virtual const SearchSpace& space() const = 0;
  // Trials ever started, with ids 0..trial_count()-1.
  virtual std::size_t trial_count() const = 0;
  virtual const TrialRecord& trial(TrialId id) const = 0;
  // Trials currently on a worker.
  virtual std::int64_t running() const = 0;
  // Every rung of every bracket, with what is recorded there, in order.
  virtual void VisitRungs(RungVisitor& visitor) const = 0;
  // Population-based training's exploits in the order they were decided; empty for
  // every other scheduler.
  virtual const std::vector<ExploitRecord>& Exploits() const;

  TrialRecords trials() const { return TrialRecords(*this); }
  // VisitRungs into a copy of every rung.
  std::vector<RungSummary> Rungs() const;
  // VisitRungs into a BestTrialFinder: no copy, but a pass over every result.
  std::optional<TrialId> BestTrial() const;
};

inline std::size_t TrialRecords::size() const { return scheduler_.trial_count(); }
inline const TrialRecord& TrialRecords::operator[](std::size_t id) const {
  return scheduler_.trial(static_cast<TrialId>(id));
}

// Options must have passed ValidateSchedulerOptions.
std::unique_ptr<Scheduler> MakeScheduler(const SearchSpace& space, const SchedulerOptions& options);

}  // namespace mpitune
