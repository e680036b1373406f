// Writing a command's output file so that a reader never sees half of it: the text
// goes to a temporary file beside it, is synced, then renamed over the target.
#pragma once

#include <string>

#include "mpitune/status.h"

namespace mpitune::cli {

// An I/O error naming `path` when the file cannot be written (a missing folder, no
// permission, a full disk); nothing is left behind then.
Status WriteAtomically(const std::string& path, const std::string& text);

}  // namespace mpitune::cli
