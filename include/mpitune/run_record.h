// What happened to trials on workers: runs and reports, as the study file keeps them,
// the coordinator counts them and the study reader hands them out.
#pragma once

#include <cstdint>
#include <string>

#include "mpitune/trial.h"

namespace mpitune {

// The lines of a command trial's output that looked like metric lines but were not
// taken as reports (README "Command trials"), counted per run so that a trial whose
// metric goes unread says so.
struct MetricLineCounts {
  std::int64_t malformed = 0;   // a metric line that does not parse, or was cut off as too long
  std::int64_t ignored = 0;     // a well-formed "mpitune:" line without the study's metric
  std::int64_t steps_back = 0;  // a report whose step is below an earlier one: dropped

  bool any() const { return malformed != 0 || ignored != 0 || steps_back != 0; }
  MetricLineCounts& operator+=(const MetricLineCounts& other) {
    malformed += other.malformed;
    ignored += other.ignored;
    steps_back += other.steps_back;
    return *this;
  }
  bool operator==(const MetricLineCounts&) const = default;
};

// One run of a trial on a worker: a start, or a resume after a pause or an interruption.
struct RunRecord {
  TrialId trial = -1;
  int rank = 0;                  // the worker rank that ran it (0: the single process)
  std::string device = "cpu";    // the worker's CUDA_VISIBLE_DEVICES value, or "cpu"
  double assigned_at = 0.0;      // study time it was handed out
  double first_report_at = -1.0; // study time of its first report; -1: none
  double finished_at = -1.0;     // -1: not finished (running, or cut short by a crash)
  bool finished = false;
  TrialOutcome outcome = TrialOutcome::kExited;  // valid once finished
  std::int64_t exit_code = 0;
  double duration = 0.0;         // seconds, as the worker measured it
  std::string message;           // failure text and stderr tail; empty when it went well
  MetricLineCounts lines;        // what it printed that was not a report (command trials)
};

// One process's writing of a study (its first run, each resume): when it began on the
// study's clock and on the wall clock, so that study times map to wall times.
struct StudySession {
  double study_time = 0.0;
  double wall_time = 0.0;  // seconds since the Unix epoch (UTC)
};

// One report the scheduler saw, in the order it saw them.
struct ReportRecord {
  TrialId trial = -1;
  double step = 0.0;
  double value = 0.0;
  double time = 0.0;  // study time when the scheduler saw it
  int rank = 0;       // of the run that made it
};

}  // namespace mpitune
