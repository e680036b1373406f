// posix_spawnp into a new process group, for command trials. The worker is an MPI
// process, so no fork(): glibc's posix_spawn uses clone(CLONE_VM|CLONE_VFORK) and
// never duplicates the parent's address space or runs code that MPI's memory
// registration could trip over.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "mpitune/status.h"

namespace mpitune {

// Runs argv[0] (searched on this process's PATH) with exactly `env`, as the leader
// of a new process group (pgid == pid). The child gets stdin from /dev/null, stdout
// on `stdout_fd` and stderr on `stderr_fd` (both must be >= 3), no other inherited
// descriptors, an empty signal mask and default dispositions for every signal (the
// worker may ignore or block signals the trial should not). Fails with BadInput
// "cannot run 'x': <reason>" when the command cannot be executed.
Result<pid_t> SpawnInNewGroup(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                              int stdout_fd, int stderr_fd);

}  // namespace mpitune
