// Where a built-in objective's trial reports next: the same grid as the
// single-process runner and the simulator, so a study reports the same steps
// whichever way it runs.
#pragma once

#include <cmath>

namespace mpitune {

// The first multiple of `every` strictly above `step`, or `budget` when that is not
// clearly below it. The relative slack makes ten reports of 0.1 land on a budget of
// 1.0 rather than on 0.9999999 and then 1.0; using multiples (not `step + every`)
// keeps a resumed trial on the grid.
inline double NextReportStep(double step, double budget, double every) {
  constexpr double kStepSlack = 1e-9;
  const double k = std::floor(step / every * (1.0 + kStepSlack) + kStepSlack) + 1.0;
  const double candidate = k * every;
  return candidate < budget * (1.0 - kStepSlack) ? candidate : budget;
}

}  // namespace mpitune
