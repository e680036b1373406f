// A local date and time for names of files kept aside, e.g. "20261122-211500".
#pragma once

#include <string>

namespace mpitune {

// The local time now as YYYYMMDD-HHMMSS: sorts by time, and is safe in a file name.
std::string LocalTimeStamp();

}  // namespace mpitune
