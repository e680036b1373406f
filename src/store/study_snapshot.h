// The HDF5 snapshot of a study: written whole to "<path>.tmp", fsync'ed and renamed
// over <path>, so the file at <path> is always one complete snapshot. Layout (see
// the README's "Study file" section):
//   /                    attributes: format, format_version, name, config_yaml, seed,
//                        max_trials, report_every, space_hash, last_sequence,
//                        study_time, done, metric, mode
//   /trials/<column>     one row per trial, the scheduler's view
//   /params/<name>       one row per trial: the native value (choice: index)
//   /space/<name>/choices  a choice parameter's options, as text
//   /reports/<column>    every report the scheduler saw, in order
//   /runs/<column>       every run (start or resume) of a trial on a worker
//   /checkpoints/<id>    a built-in objective's state (attribute: step)
//   /scheduler/...       the scheduler's complete saved state, one dataset per key
#pragma once

#include <cstdint>
#include <string>

#include "mpitune/saved_state.h"
#include "mpitune/scheduler.h"
#include "mpitune/status.h"
#include "mpitune/study_config.h"
#include "mpitune/study_store.h"

namespace mpitune::store {

inline constexpr const char* kStudyFormatName = "mpitune-study";

// Where the reports before `history.reports` are. The store keeps no report rows in
// memory (a study can make millions; holding them cost more than the rest of
// recording, in first-touch page faults): a snapshot copies the replaced file's
// /reports and appends the newer ones, read back from the journal.
enum class ReportsBefore {
  kNone,       // history.reports is every report
  kInTheFile,  // the snapshot now at `path` holds the earlier ones
};

Status WriteSnapshotFile(const std::string& path, const StudyConfig& config, const Scheduler& scheduler,
                         const StudyHistory& history, std::int64_t last_sequence,
                         ReportsBefore reports_before = ReportsBefore::kNone);

struct SnapshotContents {
  std::string config_yaml;
  std::uint64_t seed = 0;
  std::int64_t max_trials = 0;
  double report_every = 1.0;
  std::uint64_t space_hash = 0;
  std::int64_t last_sequence = 0;
  SavedState scheduler_state;
  StudyHistory history;
};

enum class SnapshotPart {
  kAll,
  kAttributes,  // the root attributes only (config, seed, ...): no state, no history
};

// Errors are BadInput and name the file: not HDF5, not an mpitune study, a newer
// format, a missing or mistyped dataset.
Result<SnapshotContents> ReadSnapshotFile(const std::string& path, SnapshotPart part = SnapshotPart::kAll);

}  // namespace mpitune::store
