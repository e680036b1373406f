// Splits a byte stream into lines for metric parsing, in bounded memory: a line
// longer than `max_line` is handed on cut to its first max_line bytes (flagged
// truncated) and the rest of it is dropped as it arrives. Both '\n' and '\r' end a
// line, so progress bars that redraw with '\r' read as separate lines; empty lines
// are skipped. Bytes are not interpreted otherwise (NUL and invalid UTF-8 pass).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mpitune {

class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line) : max_line_(max_line > 0 ? max_line : 1) {}

  // Calls on_line(std::string_view line, bool truncated) for every line `data`
  // completes. The view is valid only during the call.
  template <typename OnLine>
  void Feed(std::string_view data, OnLine&& on_line);
  // Hands on the last line if the stream ended without a newline.
  template <typename OnLine>
  void Finish(OnLine&& on_line);

 private:
  static std::size_t FindSeparator(std::string_view data, std::size_t from);

  std::size_t max_line_;
  std::string partial_;      // the start of the current line, at most max_line_ bytes
  bool discarding_ = false;  // inside the dropped tail of an over-long line
};

inline std::size_t LineSplitter::FindSeparator(std::string_view data, std::size_t from) {
  return data.find_first_of("\n\r", from);
}

template <typename OnLine>
void LineSplitter::Feed(std::string_view data, OnLine&& on_line) {
  std::size_t pos = 0;
  while (pos < data.size()) {
    const std::size_t sep = FindSeparator(data, pos);
    const bool ends = sep != std::string_view::npos;
    const std::string_view piece = data.substr(pos, (ends ? sep : data.size()) - pos);
    pos = ends ? sep + 1 : data.size();
    if (discarding_) {
      if (ends) discarding_ = false;
      continue;
    }
    const std::size_t room = max_line_ - partial_.size();
    if (piece.size() > room) {
      partial_.append(piece.substr(0, room));
      on_line(std::string_view(partial_), true);
      partial_.clear();
      discarding_ = !ends;
      continue;
    }
    if (!ends) {
      partial_.append(piece);
      continue;
    }
    if (partial_.empty()) {
      // The common case: the whole line is in this chunk, no copy.
      if (!piece.empty()) on_line(piece, false);
    } else {
      partial_.append(piece);
      on_line(std::string_view(partial_), false);
      partial_.clear();
    }
  }
}

template <typename OnLine>
void LineSplitter::Finish(OnLine&& on_line) {
  if (!partial_.empty()) on_line(std::string_view(partial_), false);
  partial_.clear();
  discarding_ = false;
}

}  // namespace mpitune
