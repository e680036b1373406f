// The toy problem of the PBT paper (Jaderberg et al. 2017, section 4.1): theta in R^2
// starts at (0.9, 0.9) and takes gradient-ascent steps on the surrogate
// Q^(theta) = 1.2 - (h0 theta0^2 + h1 theta1^2), whose hyperparameters h0, h1 the
// study tunes; what counts is the true Q = 1.2 - (theta0^2 + theta1^2). The metric it
// reports is the loss theta0^2 + theta1^2 = 1.2 - Q (lower is better, as for every
// built-in objective). A trial keeps theta: its checkpoint is theta and the steps
// taken, so a member that exploits continues from its donor's theta.
#pragma once

#include <memory>

#include "mpitune/objective.h"

namespace mpitune {

inline constexpr double kPbtToyStepsPerBudget = 5.0;  // gradient steps per budget unit
inline constexpr double kPbtToyLearningRate = 0.01;

// Needs numeric parameters h0 and h1 in `space`.
Result<std::unique_ptr<Objective>> MakePbtToyObjective(const SearchSpace& space);

}  // namespace mpitune
