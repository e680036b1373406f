// The progress of a running study, on stderr: on a terminal one line rewritten in
// place a few times a second; elsewhere (a Slurm log, a pipe) a plain line every so
// often. `mpitune run -q` shows none.
#pragma once

#include <cstdio>
#include <string>

#include "runtime/coordinator/progress.h"

namespace mpitune::cli {

class ProgressLine {
 public:
  // `terminal`: whether `out` is one (isatty), which decides the form and the pace.
  ProgressLine(std::FILE* out, std::string metric, bool terminal);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // How often to show it, in seconds: by default 0.5 on a terminal, 30 elsewhere.
  double every() const { return every_; }
  void set_every(double seconds) { every_ = seconds; }
  void Show(const StudyProgress& progress);
  // Clears the live line, so what is printed next starts on a clean line.
  void Clear();

 private:
  std::FILE* out_;
  std::string metric_;
  bool terminal_;
  double every_;
  bool shown_ = false;
};

// "[12.3 s] trials 120/500: 3 running, 40 paused, 77 ended (2 failed); best loss 0.442394
// (trial 35); 9.8 trials/s"
std::string FormatProgress(const StudyProgress& progress, const std::string& metric);

}  // namespace mpitune::cli
