#include "cli/storage_check.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "base/unique_fd.h"

namespace mpitune::cli {
namespace {

// access(W_OK) answers yes to root everywhere and knows nothing of /proc, /sys or a
// read-only mount: only creating a file there tells (0 when it could).
int CreateProbeFile(const std::filesystem::path& directory) {
  for (int attempt = 0;; ++attempt) {
    const std::filesystem::path probe = directory / fmt::format(".mpitune-probe-{}-{}", ::getpid(), attempt);
    UniqueFd fd(::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (fd.valid()) {
      fd.Reset();
      ::unlink(probe.c_str());
      return 0;
    }
    // Another process on a shared file system may use the same name.
    if (errno != EEXIST || attempt == 10) return errno;
  }
}

}  // namespace

Status CheckStorageDirectory(const std::string& path, const std::string& what) {
  std::filesystem::path directory = std::filesystem::path(path).parent_path();
  if (directory.empty()) directory = ".";
  std::error_code error;
  const auto unusable = [&](const std::string& why) {
    return Status::BadInput(
        fmt::format("{}: directory '{}' does not exist or is not writable{}", what, directory.string(), why));
  };
  if (!std::filesystem::is_directory(directory, error)) return unusable("");
  if (const int failed = CreateProbeFile(directory); failed != 0) {
    return unusable(fmt::format(" (cannot create a file there: {})", std::generic_category().message(failed)));
  }
  return Status::Ok();
}

}  // namespace mpitune::cli
