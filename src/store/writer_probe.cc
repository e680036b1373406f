#include "store/writer_probe.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "base/unique_fd.h"

namespace mpitune {

WriterProbe ProbeWriter(const std::string& study_path) {
  WriterProbe probe;
  const std::string journal = study_path + ".journal";
  UniqueFd fd(::open(journal.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) return probe;
  probe.journal = true;
  struct stat info {};
  if (::fstat(fd.get(), &info) == 0) {
    const auto modified = std::chrono::system_clock::time_point(std::chrono::seconds(info.st_mtim.tv_sec) +
                                                                std::chrono::nanoseconds(info.st_mtim.tv_nsec));
    probe.seconds_since_write =
        std::chrono::duration<double>(std::chrono::system_clock::now() - modified).count();
  }
  if (::flock(fd.get(), LOCK_SH | LOCK_NB) != 0) {
    probe.writer_alive = errno == EWOULDBLOCK;
  } else {
    (void)::flock(fd.get(), LOCK_UN);
  }
  return probe;
}

}  // namespace mpitune
