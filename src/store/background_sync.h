// fdatasync of the journal off the coordinator's thread. Syncing in the loop stalled
// rank 0 for the length of each fdatasync (measured: a third of its throughput at
// 500,000 reports/s); the records still reach the file at once with write(2), so a
// process crash loses nothing written, and this thread makes them durable against a
// machine crash within kSyncEverySeconds plus one sync.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "mpitune/status.h"
#include "base/posix_file.h"

namespace mpitune::store {

class BackgroundSync {
 public:
  // Opens its own descriptor of `path` (fdatasync through any descriptor of a file
  // flushes the file). Starts the thread.
  static Result<std::unique_ptr<BackgroundSync>> Start(const std::string& path, double every_seconds);
  ~BackgroundSync();  // stops the thread after a last sync
  BackgroundSync(const BackgroundSync&) = delete;
  BackgroundSync& operator=(const BackgroundSync&) = delete;

  // Something was written since the last call: sync it within `every_seconds`.
  void Written() { written_.fetch_add(1, std::memory_order_release); }
  // Writes made durable so far: every Written() call up to this count.
  std::uint64_t synced() const { return synced_.load(std::memory_order_acquire); }
  // Whether a sync failed (cheap); error() says how.
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  // The first failed sync, if any.
  Status error() const;

 private:
  BackgroundSync(std::string path, UniqueFd fd, double every_seconds);
  void Loop();

  std::string path_;
  UniqueFd fd_;
  double every_seconds_;
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> synced_{0};
  std::atomic<bool> failed_{false};
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  Status error_;
  std::thread thread_;
};

}  // namespace mpitune::store
