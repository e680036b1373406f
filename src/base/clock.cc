#include "base/clock.h"

#include <chrono>

namespace mpitune {

Clock::~Clock() = default;

namespace {

class SteadyClock final : public Clock {
 public:
  explicit SteadyClock(double start_at) : origin_(std::chrono::steady_clock::now()), start_at_(start_at) {}

  // Relative to construction so that times stay small and print readably.
  double Now() override {
    return start_at_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - origin_).count();
  }

 private:
  std::chrono::steady_clock::time_point origin_;
  double start_at_;
};

}  // namespace

std::unique_ptr<Clock> MakeSteadyClock(double start_at) { return std::make_unique<SteadyClock>(start_at); }

}  // namespace mpitune
