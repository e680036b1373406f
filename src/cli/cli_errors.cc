#include "cli/cli_errors.h"

#include <cstdio>

#include <fmt/format.h>

namespace mpitune::cli {

int ExitCodeFor(const Status& status) {
  switch (status.kind()) {
    case ErrorKind::kOk: return kExitOk;
    case ErrorKind::kBadInput: return kExitBadInput;
    case ErrorKind::kIo:
    case ErrorKind::kInternal: return kExitFailure;
  }
  return kExitFailure;
}

void PrintError(const std::string& message) {
  // Scripts and tests grep stderr line by line, so a message never spans lines.
  std::string line = message;
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  fmt::print(stderr, "mpitune: error: {}\n", line);
  std::fflush(stderr);
}

int ReportError(const Status& status) {
  PrintError(status.message());
  return ExitCodeFor(status);
}

}  // namespace mpitune::cli
