// Checks a study file's location up front, so a typo in --storage fails at once
// rather than after hours of trials.
#pragma once

#include <string>

#include "mpitune/status.h"

namespace mpitune::cli {

// BadInput unless the directory that would hold `path` exists and a file can be
// created there (tried: a probe file is made and removed at once).
// `what` names the setting in the message, e.g. "--storage".
Status CheckStorageDirectory(const std::string& path, const std::string& what);

}  // namespace mpitune::cli
