#include "base/unique_fd.h"

#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <fmt/format.h>

namespace mpitune {

void UniqueFd::Reset(int fd) {
  // No retry on EINTR: Linux frees the descriptor even then, and a retry could close
  // one another thread just opened.
  if (fd_ >= 0) (void)::close(fd_);
  fd_ = fd;
}

Status UniqueFd::Close(const std::string& path) {
  if (fd_ < 0) return Status::Ok();
  if (::close(std::exchange(fd_, -1)) != 0 && errno != EINTR) return ErrnoStatus(path, "close", errno);
  return Status::Ok();
}

Status ErrnoStatus(const std::string& path, const std::string& what, int error) {
  return Status::Io(fmt::format("{}: {}: {}", path, what, std::generic_category().message(error)));
}

}  // namespace mpitune
