#include "store/h5_path.h"

#include <fmt/format.h>

namespace mpitune::store {

Result<std::string> NormalizeH5Path(const std::string& path) {
  std::string normalized = "/";
  std::size_t start = path.starts_with('/') ? 1 : 0;
  if (start == path.size()) return normalized;
  while (true) {
    const std::size_t slash = path.find('/', start);
    const std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty() || part == "." || part == "..") {
      return Status::BadInput(fmt::format("invalid object path '{}': empty, '.' or '..' component", path));
    }
    if (normalized.size() > 1) normalized += '/';
    normalized += part;
    if (slash == std::string::npos) return normalized;
    start = slash + 1;
  }
}

std::string JoinH5Path(const std::string& group, const std::string& child) {
  if (group.empty() || group == "/") return "/" + child;
  if (group.ends_with('/')) return group + child;
  return group + "/" + child;
}

}  // namespace mpitune::store
