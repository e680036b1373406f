#include "report/chart_library.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace mpitune::report {

std::string ChartLibraryPath() {
  const char* chosen = std::getenv("MPITUNE_CHART_JS");
  return chosen != nullptr && *chosen != '\0' ? chosen : kDefaultChartLibrary;
}

Result<std::string> ReadChartLibrary(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return Status::Io(fmt::format("{}: cannot read the chart library ({}): install Debian's libjs-chart.js "
                                  "(bash jobs/install-deps.sh) or set MPITUNE_CHART_JS to a Chart.js file",
                                  path, std::strerror(errno)));
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (text.str().find("Chart") == std::string::npos) {
    return Status::BadInput(fmt::format("{}: not a Chart.js library", path));
  }
  return text.str();
}

}  // namespace mpitune::report
