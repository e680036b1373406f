// The synthetic regression task of the `sgd` objective: inputs drawn from a standard
// normal, targets from a fixed random "teacher" MLP plus noise. Generated once per
// objective from its seed and shared by every trial, so trials differ only in their
// hyperparameters and initialisation, never in the data.
#pragma once

#include <cstdint>
#include <vector>

#include "mpitune/rng.h"

namespace mpitune::sgd {

struct Dataset {
  int dim = 0;
  int train_size = 0;
  int val_size = 0;
  std::vector<double> train_x;  // row-major, train_size x dim
  std::vector<double> train_y;
  std::vector<double> val_x;  // row-major, val_size x dim
  std::vector<double> val_y;
};

inline constexpr int kInputDim = 16;
inline constexpr int kTrainSize = 2048;
inline constexpr int kValSize = 512;

Dataset MakeDataset(std::uint64_t seed);

// A standard normal draw (Box-Muller) on our own Rng: std::normal_distribution differs
// between standard libraries, and data and initial weights must not.
double StandardNormal(Rng& rng);

}  // namespace mpitune::sgd
