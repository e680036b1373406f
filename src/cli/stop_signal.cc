#include "cli/stop_signal.h"

#include <signal.h>

#include <csignal>

namespace mpitune::cli {
namespace {

// A handler may only touch lock-free atomics and sig_atomic_t.
static_assert(std::atomic<bool>::is_always_lock_free);
std::atomic<bool> stop_requested{false};
volatile std::sig_atomic_t received_signal = 0;

extern "C" void OnStopSignal(int signal_number) {
  received_signal = signal_number;
  stop_requested.store(true, std::memory_order_relaxed);
}

}  // namespace

const std::atomic<bool>& InstallStopSignalHandlers() {
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  // No SA_RESETHAND: a second Ctrl-C during the final report must not kill the
  // process halfway through printing the results.
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGUSR1, &action, nullptr);  // Slurm's `--signal=USR1@...` before the time limit
  return stop_requested;
}

const char* ReceivedStopSignalName() {
  switch (received_signal) {
    case 0: return "";
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGUSR1: return "SIGUSR1";
    default: return "a signal";
  }
}

}  // namespace mpitune::cli
