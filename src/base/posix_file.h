// Plain POSIX file I/O with Status errors that name the path and the errno text.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "mpitune/status.h"

namespace mpitune {

// write(2) until everything is written, retrying short writes and EINTR.
Status WriteAll(int fd, std::span<const std::uint8_t> data, const std::string& path);
// The whole file from offset 0, with pread(2).
Result<std::vector<std::uint8_t>> ReadAll(int fd, const std::string& path);
// Creates (or truncates) `path`, writes `data` and fsyncs it; on failure the file is
// removed, so no partial file is left behind.
Status WriteFileSynced(const std::string& path, std::span<const std::uint8_t> data);
// fsync(2) of a closed file by name.
Status SyncFile(const std::string& path);
// fsync(2) of the directory holding `path`, so a created or renamed entry is durable.
Status SyncParentDirectory(const std::string& path);

}  // namespace mpitune
