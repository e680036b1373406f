// The chart library the report inlines: Chart.js from Debian's libjs-chart.js, read
// when a report is written so the page needs no network. MPITUNE_CHART_JS names
// another copy (a newer Chart.js 3.x or 4.x UMD build).
#pragma once

#include <string>

#include "mpitune/status.h"

namespace mpitune::report {

inline constexpr const char* kDefaultChartLibrary = "/usr/share/javascript/chart.js/chart.min.js";

// MPITUNE_CHART_JS when set, else kDefaultChartLibrary.
std::string ChartLibraryPath();

// The library's text; a missing or unreadable file is a one-line error naming the
// path and the package that provides it.
Result<std::string> ReadChartLibrary(const std::string& path);

}  // namespace mpitune::report
