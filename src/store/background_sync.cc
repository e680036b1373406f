#include "store/background_sync.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <utility>

namespace mpitune::store {

Result<std::unique_ptr<BackgroundSync>> BackgroundSync::Start(const std::string& path, double every_seconds) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus(path, "open for syncing", errno);
  return std::unique_ptr<BackgroundSync>(new BackgroundSync(path, std::move(fd), every_seconds));
}

BackgroundSync::BackgroundSync(std::string path, UniqueFd fd, double every_seconds)
    : path_(std::move(path)), fd_(std::move(fd)), every_seconds_(every_seconds) {
  thread_ = std::thread([this] { Loop(); });
}

BackgroundSync::~BackgroundSync() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

Status BackgroundSync::error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

void BackgroundSync::Loop() {
  const auto period = std::chrono::duration<double>(every_seconds_);
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    const bool stopping = wake_.wait_for(lock, period, [this] { return stop_; });
    const std::uint64_t written = written_.load(std::memory_order_acquire);
    if (written != synced_.load(std::memory_order_relaxed) && error_.ok()) {
      lock.unlock();
      const int result = ::fdatasync(fd_.get());
      const int error = errno;
      lock.lock();
      if (result != 0) {
        error_ = ErrnoStatus(path_, "fdatasync", error);
        failed_.store(true, std::memory_order_release);
      } else {
        synced_.store(written, std::memory_order_release);
      }
    }
    if (stopping) return;
  }
}

}  // namespace mpitune::store
