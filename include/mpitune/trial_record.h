// What a scheduler knows about one trial; kept for every trial ever started.
#pragma once

#include <cstdint>

#include "mpitune/space.h"
#include "mpitune/trial.h"

namespace mpitune {

// What the scheduler knows about one trial. Kept for every trial ever started.
struct TrialRecord {
  TrialId id = -1;
  Config config;
  TrialState state = TrialState::kPending;
  int bracket = 0;
  int rung = 0;                  // rung it is running towards / last recorded at
  double target_budget = 0.0;    // budget of its current (or last) assignment
  double last_step = 0.0;        // highest step reported
  double checkpoint_step = 0.0;  // step of its last pause checkpoint (0 = none)
  double last_value = 0.0;       // raw metric of the last report (NaN if none)
  double best_value = 0.0;       // best raw metric reported (NaN if none)
  std::int64_t reports = 0;
  TrialId parent = -1;           // PBT lineage: the donor it last copied
  // PBT: its next run starts from this trial's checkpoint at checkpoint_step (-1:
  // from its own); cleared once the run has reported.
  TrialId restore_from = -1;
  double start_time = 0.0;       // `now` at its first assignment
  double end_time = 0.0;         // `now` when it reached a terminal state
  TrialOutcome last_outcome = TrialOutcome::kExited;
};

}  // namespace mpitune
