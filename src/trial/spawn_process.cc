#include "trial/spawn_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

namespace mpitune {
namespace {

// RAII for the two posix_spawn attribute objects.
class FileActions {
 public:
  FileActions() { ok_ = posix_spawn_file_actions_init(&actions_) == 0; }
  ~FileActions() {
    if (ok_) posix_spawn_file_actions_destroy(&actions_);
  }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  bool ok() const { return ok_; }
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
  bool ok_ = false;
};

class SpawnAttributes {
 public:
  SpawnAttributes() { ok_ = posix_spawnattr_init(&attr_) == 0; }
  ~SpawnAttributes() {
    if (ok_) posix_spawnattr_destroy(&attr_);
  }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  bool ok() const { return ok_; }
  posix_spawnattr_t* get() { return &attr_; }

 private:
  posix_spawnattr_t attr_;
  bool ok_ = false;
};

// A NUL would silently cut the string short at exec: a different command or value.
bool AnyHasNul(const std::vector<std::string>& strings) {
  for (const std::string& s : strings) {
    if (s.find('\0') != std::string::npos) return true;
  }
  return false;
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  // posix_spawn's signature predates const; it does not write through these.
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

Status SetUp(FileActions& actions, SpawnAttributes& attr, int stdout_fd, int stderr_fd) {
  if (!actions.ok() || !attr.ok()) return Status::Io("posix_spawn: cannot initialise attributes");
  int rc = posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(actions.get(), stdout_fd, 1);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(actions.get(), stderr_fd, 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  // MPI libraries open sockets and devices without O_CLOEXEC; the trial must not
  // hold them (a trial outliving its worker would keep the connection alive).
  if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(actions.get(), 3);
#endif
  if (rc == 0)
    rc = posix_spawnattr_setflags(attr.get(),
                                  POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  if (rc == 0) rc = posix_spawnattr_setpgroup(attr.get(), 0);
  sigset_t signals;
  sigemptyset(&signals);
  if (rc == 0) rc = posix_spawnattr_setsigmask(attr.get(), &signals);
  // Ignored dispositions survive exec; a worker that ignores SIGTERM or SIGPIPE
  // must not hand that on to the trial.
  sigfillset(&signals);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(attr.get(), &signals);
  if (rc != 0)
    return Status::Io(
        fmt::format("posix_spawn: cannot set attributes: {}", std::generic_category().message(rc)));
  return Status::Ok();
}

}  // namespace

Result<pid_t> SpawnInNewGroup(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                              int stdout_fd, int stderr_fd) {
  if (argv.empty() || argv[0].empty()) return Status::BadInput("cannot run an empty command");
  if (AnyHasNul(argv) || AnyHasNul(env)) {
    return Status::BadInput(fmt::format(
        "cannot run '{}': an argument or environment value contains a NUL byte", argv[0].c_str()));
  }
  if (stdout_fd < 3 || stderr_fd < 3)
    return Status::Internal("SpawnInNewGroup: output descriptors must be >= 3");
  FileActions actions;
  SpawnAttributes attr;
  MPITUNE_RETURN_IF_ERROR(SetUp(actions, attr, stdout_fd, stderr_fd));
  std::vector<char*> args = CStrings(argv);
  std::vector<char*> envp = CStrings(env);
  pid_t pid = -1;
  // glibc reports exec failures (ENOENT, EACCES, ENOEXEC) here, not as exit 127.
  const int rc = posix_spawnp(&pid, args[0], actions.get(), attr.get(), args.data(), envp.data());
  if (rc != 0) {
    return Status::BadInput(fmt::format("cannot run '{}': {}", argv[0], std::generic_category().message(rc)));
  }
  return pid;
}

}  // namespace mpitune
