// Every process a trial started, found wherever it went: each trial's environment
// carries a token of its own (MPITUNE_TRIAL_TOKEN), which its children inherit across
// background jobs, new process groups, setsid and double forks. When the trial ends,
// every process of this user that still carries the token is killed, so no trial
// leaves anything running (a data loader holding a GPU, a `sleep 40 &`) behind it or
// the study. Only a descendant that empties its whole environment (env -i) escapes.
#pragma once

#include <string>

namespace mpitune {

inline constexpr const char* kTrialTokenVariable = "MPITUNE_TRIAL_TOKEN";

// A token no other trial of any worker on this machine has: pid, counter, time.
std::string NewTrialToken();

// SIGKILLs every process of this user whose environment holds `token` (never this
// process), looking again while it finds new ones (one that forked meanwhile), a few
// rounds at most. Returns how many it killed.
int KillTrialProcesses(const std::string& token);

}  // namespace mpitune
