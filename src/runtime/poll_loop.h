// How the runtime's loops (coordinator, worker) wait between passes that found nothing
// to do. A rank blocked in an MPI call busy-polls a whole core (DESIGN.md "Runtime"),
// so idle loops sleep instead. Right after something happened a reply is usually due
// (a worker that sent Finished waits for its next Assign, rank 0 that sent an Assign
// waits for the first report), so for a short while a loop sleeps only briefly and
// answers within tens of microseconds; after that the sleeps double up to a few
// milliseconds, so a rank that waits for minutes costs ~0% CPU even when ranks
// outnumber cores.
#pragma once

#include <sys/prctl.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "mpitune/status.h"

namespace mpitune {

class IdlePacer {
 public:
  static constexpr std::chrono::microseconds kShortest{40};
  static constexpr std::chrono::microseconds kLongest{5000};
  // How long after the last activity the loop keeps its sleeps short.
  static constexpr std::chrono::milliseconds kReplyWindow{25};

  // Something happened: the next idle sleeps are short again.
  void Busy() {
    delay_ = kShortest;
    last_busy_ = std::chrono::steady_clock::now();
  }

  void Sleep() {
    std::this_thread::sleep_for(delay_);
    if (std::chrono::steady_clock::now() - last_busy_ > kReplyWindow) delay_ = std::min(delay_ * 2, kLongest);
  }

 private:
  std::chrono::microseconds delay_ = kShortest;
  std::chrono::steady_clock::time_point last_busy_ = std::chrono::steady_clock::now();
};

// What one Step() of a runtime loop (coordinator or worker) did.
enum class LoopStep { kIdle, kBusy, kFinished };

// Linux rounds a sleep up by the thread's timer slack (50 µs by default), which would
// double the shortest sleep; a reply that arrives at once should cost ~40 µs.
inline void UseFineTimerSlack() { prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL); }

// Drives a loop's Step() until it says kFinished, sleeping while it is idle.
template <typename StepFn>
Status RunLoopUntilFinished(StepFn&& step) {
  UseFineTimerSlack();
  IdlePacer pacer;
  for (;;) {
    Result<LoopStep> result = step();
    if (!result.ok()) return result.status();
    if (*result == LoopStep::kFinished) return Status::Ok();
    if (*result == LoopStep::kBusy) {
      pacer.Busy();
    } else {
      pacer.Sleep();
    }
  }
}

}  // namespace mpitune
