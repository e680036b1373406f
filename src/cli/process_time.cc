#include "cli/process_time.h"

#include <chrono>

namespace mpitune::cli {
namespace {

// Set while the program's statics are initialised, before main() runs.
const std::chrono::steady_clock::time_point kProcessStart = std::chrono::steady_clock::now();

}  // namespace

double SecondsSinceProcessStart() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - kProcessStart).count();
}

}  // namespace mpitune::cli
