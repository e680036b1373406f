// Follows a file a trial appends lines to (trial.metric_file, EasyRec's
// --hpo_metric_save_path) as it grows: each Read hands over the whole lines added
// since the last one. Lines that were there before the run started are skipped (a
// resumed trial's earlier reports); a file that shrinks (rewritten) is read again
// from its start. A missing file is not an error: the trainer may create it late.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace mpitune {

class MetricFileTail {
 public:
  // At most this many bytes per Read, so a trial that writes without pause cannot
  // hold its worker; a line longer than kMaxLine is cut and handed over as it is.
  static constexpr std::size_t kMaxReadBytes = 4 << 20;
  static constexpr std::size_t kMaxLine = 64 * 1024;

  MetricFileTail() = default;
  explicit MetricFileTail(std::string path);

  bool enabled() const { return !path_.empty(); }
  // `final`: the trial has ended; a last line without its newline counts too.
  void Read(const std::function<void(std::string_view)>& on_line, bool final);

 private:
  std::string path_;
  std::uint64_t offset_ = 0;
  std::string partial_;
};

}  // namespace mpitune
