// Population-based training: the hyperparameter schedule that produced a trial's
// final model, traced back through the exploits (study.h, Study::exploits). The
// trial's checkpoint holds training done by its donors before each exploit, so its
// schedule is its donor's schedule up to the donor's checkpoint step, then its own
// parameters from there.
#pragma once

#include <vector>

#include "mpitune/study.h"

namespace mpitune::cli {

struct ScheduleSegment {
  double from_step = 0.0;  // the parameters below hold from this step on
  TrialId trial = -1;      // the trial that trained with them
  std::vector<ParamValue> params;
};

// In step order, starting at step 0; empty when the study made no exploits (not
// population-based training) or `trial` is not one of its trials.
std::vector<ScheduleSegment> PbtSchedule(const Study& study, TrialId trial);

}  // namespace mpitune::cli
