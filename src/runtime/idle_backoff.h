// The sleep between polls of an idle runtime loop. A rank blocked in an MPI call
// busy-polls a core (DESIGN.md "Runtime"), so idle loops sleep instead: short at
// first, so a reply that comes at once costs little latency, then longer, so a rank
// that waits for minutes costs ~0% CPU even when ranks outnumber cores.
#pragma once

#include <sys/prctl.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "mpitune/status.h"

namespace mpitune {

class IdleBackoff {
 public:
  static constexpr std::chrono::microseconds kFirst{50};
  static constexpr std::chrono::microseconds kLongest{5000};

  // Something happened: the next idle sleep starts short again.
  void Reset() { delay_ = kFirst; }

  void Sleep() {
    std::this_thread::sleep_for(delay_);
    delay_ = std::min(delay_ * 2, kLongest);
  }

 private:
  std::chrono::microseconds delay_ = kFirst;
};

// What one Step() of a runtime loop (coordinator or worker) did.
enum class LoopStep { kIdle, kBusy, kFinished };

// Drives a loop's Step() until it says kFinished, sleeping with backoff while idle.
template <typename StepFn>
Status RunLoopUntilFinished(StepFn&& step) {
  // Linux rounds a sleep up by the thread's timer slack (50 µs by default), which
  // would double the shortest backoff; a reply that arrives at once should cost ~50 µs.
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  IdleBackoff backoff;
  for (;;) {
    Result<LoopStep> result = step();
    if (!result.ok()) return result.status();
    if (*result == LoopStep::kFinished) return Status::Ok();
    if (*result == LoopStep::kBusy) {
      backoff.Reset();
    } else {
      backoff.Sleep();
    }
  }
}

}  // namespace mpitune
