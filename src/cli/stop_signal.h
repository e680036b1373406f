// SIGINT/SIGTERM/SIGUSR1 handling for the commands that run trials: the first signal asks
// the runner to stop after the current report, so the study ends cleanly.
#pragma once

#include <atomic>

namespace mpitune::cli {

// Installs the handlers and returns the flag they set. Idempotent.
const std::atomic<bool>& InstallStopSignalHandlers();

// The signal that set the flag, e.g. "SIGINT" (empty while none arrived).
const char* ReceivedStopSignalName();

}  // namespace mpitune::cli
