#include "base/posix_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

namespace mpitune {

Status WriteAll(int fd, std::span<const std::uint8_t> data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(path, "write", errno);
    }
    data = data.subspan(static_cast<std::size_t>(written));
  }
  return Status::Ok();
}

Result<std::vector<std::uint8_t>> ReadAll(int fd, const std::string& path) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return ErrnoStatus(path, "stat", errno);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(info.st_size));
  std::size_t done = 0;
  while (true) {
    // The size is a hint: keep reading until EOF in case the file grew.
    if (done == bytes.size()) bytes.resize(bytes.size() + 4096);
    const ssize_t got = ::pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (got < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(path, "read", errno);
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  bytes.resize(done);
  return bytes;
}

Status WriteFileSynced(const std::string& path, std::span<const std::uint8_t> data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return ErrnoStatus(path, "create", errno);
  Status status = WriteAll(fd.get(), data, path);
  if (status.ok() && ::fsync(fd.get()) != 0) status = ErrnoStatus(path, "fsync", errno);
  if (status.ok()) status = fd.Close(path);
  if (!status.ok()) {
    fd.Reset();
    ::unlink(path.c_str());
  }
  return status;
}

Status SyncFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus(path, "open", errno);
  if (::fsync(fd.get()) != 0) return ErrnoStatus(path, "fsync", errno);
  return fd.Close(path);
}

Status SyncParentDirectory(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  const std::string directory = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  UniqueFd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus(directory, "open directory", errno);
  if (::fsync(fd.get()) != 0) return ErrnoStatus(directory, "fsync directory", errno);
  return fd.Close(directory);
}

}  // namespace mpitune
