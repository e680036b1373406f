#include "mpitune/clock.h"

#include <chrono>

namespace mpitune {

Clock::~Clock() = default;

namespace {

class SteadyClock final : public Clock {
 public:
  SteadyClock() : origin_(std::chrono::steady_clock::now()) {}

  // Relative to construction so that times stay small and print readably.
  double Now() override {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - origin_).count();
  }

 private:
  std::chrono::steady_clock::time_point origin_;
};

}  // namespace

std::unique_ptr<Clock> MakeSteadyClock() { return std::make_unique<SteadyClock>(); }

}  // namespace mpitune
