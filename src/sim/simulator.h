// Discrete-event simulation of a study: N virtual workers in virtual time drive the
// very same Scheduler the real runtime uses, with a built-in objective whose cost
// grows with the budget. Used by `mpitune simulate`, tests and benchmarks.
#pragma once

#include <cstdint>
#include <optional>

#include "core/deadline_policy.h"
#include "mpitune/objective.h"
#include "mpitune/scheduler.h"

namespace mpitune {

struct SimulationOptions {
  std::int64_t workers = 4;
  // Trials report every `report_every` budget units and at their target budget.
  double report_every = 1.0;
  // Virtual seconds between a worker asking for work and its trial starting.
  double assign_latency = 0.0;
  // Virtual seconds the study may run (0 = until the scheduler is done). At the
  // limit, running trials are interrupted as a preempted job's would be, and the
  // figures cover [0, time_limit]. This is how ASHA is meant to run: with more
  // trials than the time allows, rather than draining a fixed number of them.
  double time_limit = 0.0;
  // The study's deadline, applied by the runtime's own Dispatcher in virtual time
  // (deadline 0: none). Its unit_seconds is the planner's estimate, which may be wrong.
  DeadlineOptions deadline = {};
  // Virtual seconds a stopped trial takes to end (at most deadline.stop_grace in a
  // real study); the worker counts as busy meanwhile.
  double stop_latency = 0.0;
};

struct SimulationResult {
  std::int64_t trials_started = 0;
  std::int64_t events = 0;         // reports + assignments + finishes handled
  double makespan = 0.0;           // virtual seconds until Done (or the time limit)
  bool hit_time_limit = false;
  bool deadline_reached = false;   // the deadline stopped the study
  double busy_time = 0.0;          // sum over workers of time spent running trials
  double utilisation = 0.0;        // busy_time / (workers * makespan)
  std::optional<TrialId> best_trial;
  double best_value = 0.0;
  std::int64_t exploits = 0;       // population-based training's exploits
  std::int64_t replans = 0;        // max_trials / max_budget re-planned from measured costs
};

SimulationResult Simulate(Scheduler& scheduler, const Objective& objective,
                          const SimulationOptions& options);

}  // namespace mpitune
