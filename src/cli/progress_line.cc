#include "cli/progress_line.h"

#include <utility>

#include <fmt/format.h>

namespace mpitune::cli {

std::string FormatProgress(const StudyProgress& progress, const std::string& metric) {
  std::string line = fmt::format("[{:.1f} s] trials {}/{}: {} running, {} paused, {} ended", progress.elapsed,
                                 progress.trials, progress.max_trials, progress.running, progress.paused,
                                 progress.ended);
  if (progress.failed > 0) line += fmt::format(" ({} failed)", progress.failed);
  if (progress.best) {
    line += fmt::format("; best {} {:.6g} (trial {})", metric, progress.best_value, *progress.best);
  } else {
    line += "; no result yet";
  }
  if (progress.elapsed > 0.0) {
    line += fmt::format("; {:.1f} trials/s", static_cast<double>(progress.trials_this_run) / progress.elapsed);
  }
  return line;
}

ProgressLine::ProgressLine(std::FILE* out, std::string metric, bool terminal)
    : out_(out), metric_(std::move(metric)), terminal_(terminal), every_(terminal ? 0.5 : 30.0) {}

ProgressLine::~ProgressLine() { Clear(); }

void ProgressLine::Show(const StudyProgress& progress) {
  const std::string line = FormatProgress(progress, metric_);
  if (terminal_) {
    // Carriage return and erase-line: the line is rewritten in place.
    fmt::print(out_, "\r\033[K{}", line);
  } else {
    fmt::print(out_, "progress: {}\n", line);
  }
  std::fflush(out_);
  shown_ = terminal_;
}

void ProgressLine::Clear() {
  if (!shown_) return;
  fmt::print(out_, "\r\033[K");
  std::fflush(out_);
  shown_ = false;
}

}  // namespace mpitune::cli
