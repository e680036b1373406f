#include "cli/output_file.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>

#include <fmt/format.h>

#include "base/posix_file.h"

namespace mpitune::cli {

Status WriteAtomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp-mpitune";
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  if (Status written = WriteFileSynced(temporary, std::span<const std::uint8_t>(bytes, text.size())); !written.ok()) {
    // Named by the file the user asked for; the temporary's own error after it.
    return Status::Io(fmt::format("{}: cannot write ({})", path, written.message()));
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(temporary.c_str());
    return Status::Io(fmt::format("{}: cannot write: {}", path, std::strerror(error)));
  }
  return SyncParentDirectory(path);
}

}  // namespace mpitune::cli
