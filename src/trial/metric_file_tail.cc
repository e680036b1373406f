#include "trial/metric_file_tail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>
#include <vector>

#include "base/unique_fd.h"

namespace mpitune {

MetricFileTail::MetricFileTail(std::string path) : path_(std::move(path)) {
  struct stat info {};
  if (::stat(path_.c_str(), &info) == 0 && S_ISREG(info.st_mode)) offset_ = static_cast<std::uint64_t>(info.st_size);
}

void MetricFileTail::Read(const std::function<void(std::string_view)>& on_line, bool final) {
  if (path_.empty()) return;
  // O_NONBLOCK: a FIFO in the file's place must not hang the worker.
  UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  struct stat info {};
  if (fd.valid() && ::fstat(fd.get(), &info) == 0 && S_ISREG(info.st_mode)) {
    const auto size = static_cast<std::uint64_t>(info.st_size);
    if (size < offset_) {
      offset_ = 0;
      partial_.clear();
    }
    std::vector<char> buffer(64 * 1024);
    std::size_t total = 0;
    while (total < kMaxReadBytes) {
      const ssize_t n = ::pread(fd.get(), buffer.data(), buffer.size(), static_cast<off_t>(offset_));
      if (n <= 0) break;
      offset_ += static_cast<std::uint64_t>(n);
      total += static_cast<std::size_t>(n);
      for (ssize_t i = 0; i < n; ++i) {
        const char c = buffer[static_cast<std::size_t>(i)];
        if (c == '\n') {
          on_line(partial_);
          partial_.clear();
        } else if (partial_.size() < kMaxLine) {
          partial_ += c;
        }
      }
    }
  }
  if (final && !partial_.empty()) {
    on_line(partial_);
    partial_.clear();
  }
}

}  // namespace mpitune
