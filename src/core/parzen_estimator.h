// A Parzen (kernel density) estimator on the unit cube, the building block of the
// TPE sampler: one product kernel per observed point plus a uniform prior component,
// so the density is positive everywhere and a handful of points cannot collapse it.
// Continuous axes use a Gaussian truncated to [0, 1) with a one-dimensional
// Scott's-rule bandwidth per axis (at least half a cell for int parameters);
// categorical axes keep their category with a probability that grows with the data
// (the mixture is the Laplace-smoothed histogram of the points' categories).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "mpitune/rng.h"
#include "mpitune/space.h"

namespace mpitune {

struct ParzenAxis {
  int categories = 0;  // 0: continuous; 1: a single value (ignored); >= 2: categorical
  double min_width = 0.0;  // continuous: the narrowest kernel allowed (half a cell for ints)
};

// How each parameter of `space` is modelled: uniform, log and int parameters are
// continuous in their unit encoding (log and int spacing live in Encode/Decode).
std::vector<ParzenAxis> ParzenAxes(const SearchSpace& space);

class ParzenEstimator {
 public:
  // `points`: row-major unit-cube points, axes.size() values each.
  ParzenEstimator(const std::vector<ParzenAxis>& axes, std::vector<double> points);
  // The same with the continuous kernels' widths given (one per axis) rather than
  // derived from the points.
  ParzenEstimator(const std::vector<ParzenAxis>& axes, std::vector<double> points, std::vector<double> bandwidth);

  const std::vector<double>& bandwidth() const { return bandwidth_; }

  double LogDensity(std::span<const double> unit) const;
  // Draws a point from the density into `unit` (axes.size() values in [0, 1)).
  void Sample(Rng& rng, std::span<double> unit) const;

 private:
  std::size_t Category(std::size_t axis, double unit) const;
  // Scott's-rule widths of the continuous axes (1 on the others).
  std::vector<double> ScottBandwidths() const;
  void Fit(std::vector<double> bandwidth);

  const std::vector<ParzenAxis>& axes_;
  std::size_t rows_ = 0;
  std::vector<double> points_;
  std::vector<double> bandwidth_;    // per axis (used on continuous ones)
  std::vector<double> log_norm_;     // per row and continuous axis: the truncated kernel's log normaliser
  std::vector<double> keep_;         // per categorical axis: probability a kernel keeps its category
  std::vector<double> log_keep_;
  std::vector<double> log_move_;     // log probability of each other category
  double log_prior_ = 0.0;           // log density of the uniform component
};

}  // namespace mpitune
