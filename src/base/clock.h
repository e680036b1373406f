// Wall-clock time for drivers. The scheduler core never reads a clock: drivers
// (the single-process runner, the MPI coordinator) read one and pass `now` in, and
// tests substitute a fake.
#pragma once

#include <memory>

namespace mpitune {

class Clock {
 public:
  virtual ~Clock();
  // Seconds since some fixed origin; never decreases.
  virtual double Now() = 0;
};

// std::chrono::steady_clock, in seconds since the clock was made, plus `start_at`
// (a resumed study's clock goes on from the time its file reached).
std::unique_ptr<Clock> MakeSteadyClock(double start_at = 0.0);

}  // namespace mpitune
