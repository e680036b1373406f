// Whether a study file's writer is alive, without disturbing it: a reader such as
// `mpitune status` tells "open and running" from "open, its writer killed".
#pragma once

#include <optional>
#include <string>

namespace mpitune {

struct WriterProbe {
  bool journal = false;        // <file>.journal exists: the study is open
  bool writer_alive = false;   // a process holds the journal's lock
  std::optional<double> seconds_since_write;  // since the journal was last written
};

// The journal writer holds an exclusive flock on the journal for its whole life (the
// kernel drops it when the process dies, however it dies); a shared lock that cannot
// be had means it is alive. A lock that can be had is given back at once.
WriterProbe ProbeWriter(const std::string& study_path);

}  // namespace mpitune
