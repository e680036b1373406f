#include "cli/storage_check.h"

#include <unistd.h>

#include <filesystem>
#include <system_error>

#include <fmt/format.h>

namespace mpitune::cli {

Status CheckStorageDirectory(const std::string& path, const std::string& what) {
  std::filesystem::path directory = std::filesystem::path(path).parent_path();
  if (directory.empty()) directory = ".";
  std::error_code error;
  const bool usable = std::filesystem::is_directory(directory, error) && ::access(directory.c_str(), W_OK) == 0;
  if (!usable) {
    return Status::BadInput(
        fmt::format("{}: directory '{}' does not exist or is not writable", what, directory.string()));
  }
  return Status::Ok();
}

}  // namespace mpitune::cli
