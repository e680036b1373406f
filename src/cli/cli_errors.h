// How the CLI turns a Status into what the user sees: one line on stderr starting
// with "mpitune: error: ", and an exit code that scripts can branch on.
#pragma once

#include <string>

#include "mpitune/status.h"

namespace mpitune::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;   // I/O, internal errors, a stop with nothing saved
inline constexpr int kExitBadInput = 2;  // config, validation and command-line errors
// The study ended (or was stopped by trial.fail_fast) without a trial that succeeded:
// every trial failed, or none reported a finite value.
inline constexpr int kExitNoSuccess = 3;
// Stopped by SIGINT/SIGTERM/SIGUSR1 (a preemption, Slurm's `--signal` before a time
// limit) with the whole study saved: running it again goes on. sysexits.h's
// EX_TEMPFAIL ("try again later"), which batch scripts requeue on and nothing else
// in mpitune returns.
inline constexpr int kExitStoppedResumable = 75;

int ExitCodeFor(const Status& status);

// Prints `message` as one line (newlines folded into spaces) and returns
// kExitFailure; callers pick another code via ReportError(Status).
void PrintError(const std::string& message);

// Prints the status's message and returns its exit code.
int ReportError(const Status& status);

}  // namespace mpitune::cli
