// The model-based sampler (`scheduler.sampler: tpe`): a multivariate tree-structured
// Parzen estimator over the unit-cube encoding, fitted BOHB-style on the highest
// rung that has enough results.
#pragma once

#include <memory>

#include "mpitune/sampler.h"

namespace mpitune {

std::unique_ptr<Sampler> MakeTpeSampler(const SearchSpace& space);

}  // namespace mpitune
