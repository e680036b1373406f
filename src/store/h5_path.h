// Object paths inside an HDF5 file.
#pragma once

#include <string>

#include "mpitune/status.h"

namespace mpitune::store {

// "/a/b" for "a/b" or "/a/b"; "/" for "" and "/". An empty component ("a//b", "a/")
// or "." / ".." (HDF5 would resolve them, so two keys could name one object) is a
// BadInput error quoting the path.
Result<std::string> NormalizeH5Path(const std::string& path);

// `child` (a relative path) under `group`, unchecked: "/s" + "a/b" -> "/s/a/b".
std::string JoinH5Path(const std::string& group, const std::string& child);

}  // namespace mpitune::store
