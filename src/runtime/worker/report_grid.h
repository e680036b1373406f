// Where a built-in objective's trial reports next: the same grid as the
// single-process runner and the simulator, so a study reports the same steps
// whichever way it runs.
#pragma once

#include <cmath>

namespace mpitune {

inline constexpr double kReportStepSlack = 1e-9;

// The index k of the first multiple k * every strictly above `step`.
inline double NextReportIndex(double step, double every) {
  return std::floor(step / every * (1.0 + kReportStepSlack) + kReportStepSlack) + 1.0;
}

// The first multiple of `every` strictly above `step`, or `budget` when that is not
// clearly below it. The relative slack makes ten reports of 0.1 land on a budget of
// 1.0 rather than on 0.9999999 and then 1.0; using multiples (not `step + every`)
// keeps a resumed trial on the grid.
inline double NextReportStep(double step, double budget, double every) {
  const double candidate = NextReportIndex(step, every) * every;
  return candidate < budget * (1.0 - kReportStepSlack) ? candidate : budget;
}

}  // namespace mpitune
