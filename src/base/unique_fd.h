// A move-only owner of a file descriptor, closed on destruction, so no error path can
// leak one (a leaked pipe write end would keep a reader from ever seeing EOF).
#pragma once

#include <string>
#include <utility>

#include "mpitune/status.h"

namespace mpitune {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) Reset(std::exchange(other.fd_, -1));
    return *this;
  }

  bool valid() const { return fd_ >= 0; }
  int get() const { return fd_; }
  // Closes the descriptor held (ignoring errors) and takes `fd`.
  void Reset(int fd = -1);
  // Closes and reports close(2)'s error, which on some file systems is the first word
  // of a failed write.
  Status Close(const std::string& path);

 private:
  int fd_ = -1;
};

// "<path>: <what>: <strerror(error)>" as an Io status.
Status ErrnoStatus(const std::string& path, const std::string& what, int error);

}  // namespace mpitune
