#include "trial/process_sweep.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "base/unique_fd.h"

namespace mpitune {
namespace {

// Long enough for any real environment; a longer one is read no further.
constexpr std::size_t kMaxEnvironBytes = 1 << 20;
constexpr int kRounds = 5;

bool IsPid(const char* name) {
  if (*name == '\0') return false;
  for (const char* c = name; *c != '\0'; ++c) {
    if (!std::isdigit(static_cast<unsigned char>(*c))) return false;
  }
  return true;
}

// Whether /proc/<pid>/environ holds exactly the entry `wanted` ("NAME=value").
bool EnvironHolds(const char* pid, std::string_view wanted) {
  UniqueFd fd(::open(fmt::format("/proc/{}/environ", pid).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;  // gone, or not ours to read
  std::string environ;
  std::array<char, 65536> buffer;
  while (environ.size() < kMaxEnvironBytes) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n <= 0) break;
    environ.append(buffer.data(), static_cast<std::size_t>(n));
  }
  for (std::size_t at = 0; at < environ.size();) {
    const std::size_t end = environ.find('\0', at);
    const std::string_view entry(environ.data() + at, (end == std::string::npos ? environ.size() : end) - at);
    if (entry == wanted) return true;
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return false;
}

}  // namespace

std::string NewTrialToken() {
  static std::atomic<unsigned long> counter{0};
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  return fmt::format("{}.{}.{}", ::getpid(), counter.fetch_add(1), now);
}

int KillTrialProcesses(const std::string& token) {
  const std::string wanted = fmt::format("{}={}", kTrialTokenVariable, token);
  const std::string self = std::to_string(::getpid());
  int killed = 0;
  for (int round = 0; round < kRounds; ++round) {
    int found = 0;
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) return killed;
    while (const dirent* entry = ::readdir(proc)) {
      if (!IsPid(entry->d_name) || self == entry->d_name || !EnvironHolds(entry->d_name, wanted)) continue;
      if (::kill(static_cast<pid_t>(std::atoi(entry->d_name)), SIGKILL) == 0) ++found;
    }
    ::closedir(proc);
    killed += found;
    if (found == 0) break;
    // A process killed mid-fork may leave a child the next round finds.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return killed;
}

}  // namespace mpitune
