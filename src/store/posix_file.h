// Plain POSIX file I/O with Status errors that name the path and the errno text.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "mpitune/status.h"

namespace mpitune::store {

// A move-only owner of a file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }

  bool valid() const { return fd_ >= 0; }
  int get() const { return fd_; }
  void Reset();  // closes, ignoring errors
  // Closes and reports close(2)'s error, which on some file systems is the first word
  // of a failed write.
  Status Close(const std::string& path);

 private:
  int fd_ = -1;
};

// "<path>: <what>: <strerror(error)>" as an Io status.
Status ErrnoStatus(const std::string& path, const std::string& what, int error);

// write(2) until everything is written, retrying short writes and EINTR.
Status WriteAll(int fd, std::span<const std::uint8_t> data, const std::string& path);
// The whole file from offset 0, with pread(2).
Result<std::vector<std::uint8_t>> ReadAll(int fd, const std::string& path);
// fsync(2) of a closed file by name. HDF5's default (sec2) driver never fsyncs, so a
// snapshot is made durable with: H5File::Close, SyncFile, rename, SyncParentDirectory.
Status SyncFile(const std::string& path);
// fsync(2) of the directory holding `path`, so a created or renamed entry is durable.
Status SyncParentDirectory(const std::string& path);

}  // namespace mpitune::store
