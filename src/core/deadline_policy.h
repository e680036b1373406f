// The study's wall-clock deadline, as rank 0's Dispatcher applies it (the one place:
// the MPI coordinator, a single-process study and the simulator all go through it).
// Pure: times are passed in, in the study's own clock, which a resumed study continues
// from the time its file reached, so the deadline counts every session.
//
// Two rules make the deadline hold:
//   - no hand-out whose expected cost (budget units still to run x the measured cost of
//     a unit) would end after stop_at();
//   - at stop_at() every running trial is stopped; it has stop_grace seconds to save a
//     checkpoint and end, plus a margin for the last messages and the study file's
//     close, so that the last result lands by the deadline.
#pragma once

#include <cstdint>

namespace mpitune {

struct DeadlineOptions {
  double deadline = 0.0;      // study time by which the study has ended; 0 = no deadline
  double stop_grace = 0.0;    // seconds a stopped trial may take to end
  double margin = 0.0;        // seconds for the last messages and closing the file
  double unit_seconds = 0.0;  // prior cost of one budget unit (trial.unit_seconds); 0 = unknown
  // A proxy task (trial.min_subset in (0, 1)): a unit of a run with a data fraction s
  // costs s units of the whole data; costs are measured and estimated in those.
  double max_budget = 0.0;
  double min_subset = 0.0;
  // The time plan derived max_trials: re-plan it as the measured cost of a unit comes
  // in (rank 0's Dispatcher, with ReplanMaxTrials).
  bool replan_max_trials = false;
  // Likewise PBT's max_budget (ReplanMaxBudget), where the plan derived it and no
  // proxy task ties the runs' data fractions to it.
  bool replan_max_budget = false;
  // study.expected_time_ratio with no deadline yet (no unit cost was known): once
  // kRatioObservations costs are measured, the deadline becomes time_ratio x
  // max_budget x the measured cost of a unit, and stays.
  double time_ratio = 0.0;
};

class DeadlinePolicy {
 public:
  static constexpr std::int64_t kRatioObservations = 4;

  explicit DeadlinePolicy(DeadlineOptions options);

  bool enabled() const { return options_.deadline > 0.0; }
  // Costs are measured: there is a deadline, or there will be one (time_ratio).
  bool measuring() const { return enabled() || options_.time_ratio > 0.0; }
  const DeadlineOptions& options() const { return options_; }
  double deadline() const { return options_.deadline; }
  // When running trials are told to stop.
  double stop_at() const;
  bool StopDue(double now) const { return enabled() && now >= stop_at(); }
  // Whether `units` budget units started at `now` are expected to end by stop_at().
  // With no cost known yet (no prior, nothing measured) it says yes: the first trials
  // are how the cost is learnt, and the stop at stop_at() still bounds them.
  bool Fits(double units, double now) const { return units <= UnitsThatFit(now); }
  // The most budget units (of the whole data) a run started at `now` may add and still
  // end by stop_at(): +Inf without a deadline or a known cost, negative past stop_at().
  // Scheduler::NextWithin gets it, so the scheduler offers only work that fits.
  double UnitsThatFit(double now) const;
  // A run did `units` budget units in `seconds` (start-up included: it is part of the
  // cost). With a time_ratio, the kRatioObservations-th sets the deadline. False when
  // it teaches nothing (no progress, a clock that went back).
  bool Observe(double units, double seconds);
  // What earlier runs of the study measured (a resume goes on from it).
  void Resume(double units, double seconds, std::int64_t observations);
  double measured_units() const { return measured_units_; }
  double measured_seconds() const { return measured_seconds_; }
  // Seconds per budget unit: measured once anything ran, else the prior (0 = unknown).
  double unit_seconds() const;
  std::int64_t observations() const { return observations_; }
  // The data fraction of a run with target `budget` (1 without a proxy task).
  double Subset(double budget) const;

 private:
  DeadlineOptions options_;
  double measured_units_ = 0.0;
  double measured_seconds_ = 0.0;
  std::int64_t observations_ = 0;
};

}  // namespace mpitune
