// The HDF5 snapshot of a study: written whole to "<path>.tmp", fsync'ed and renamed
// over <path>, so the file at <path> is always one complete snapshot. Layout (see
// the README's "Study file" section):
//   /                    attributes: format, format_version, last_sequence, study_time,
//                        done, and the study definition (definition_h5.h)
//   /trials/<column>     one row per trial, the scheduler's view
//   /params/<name>       one row per trial: the native value (choice: index)
//   /space/<name>        the search space (definition_h5.h)
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
#include "store/study_definition.h"
#include "store/study_store.h"

namespace mpitune::store {

inline constexpr const char* kStudyFormatName = "mpitune-study";

// Where the reports before `history.reports` are. The store keeps no report rows in
// memory (a study can make millions; holding them cost more than the rest of
// recording, in first-touch page faults): a snapshot copies the replaced file's
// /reports and appends the newer ones, which the writer holds as journal records.
enum class ReportsBefore {
  kNone,       // history.reports is every report
  kInTheFile,  // the snapshot now at `path` holds the earlier ones
};

Status WriteSnapshotFile(const std::string& path, const StudyDefinition& definition, const Scheduler& scheduler,
                         const StudyHistory& history, std::int64_t last_sequence,
                         ReportsBefore reports_before = ReportsBefore::kNone);

struct SnapshotContents {
  StudyDefinition definition;
  std::int64_t last_sequence = 0;
  SavedState scheduler_state;
  StudyHistory history;
};

enum class SnapshotPart {
  kAll,
  kAttributes,  // the definition and the root attributes only: no state, no history
};

// Errors are BadInput and name the file: not HDF5, not an mpitune study, a newer
// format, a missing or mistyped dataset.
// `upgrade` (may be null) turns a format-1 file's config text into its definition.
Result<SnapshotContents> ReadSnapshotFile(const std::string& path, SnapshotPart part = SnapshotPart::kAll,
                                          const DefinitionUpgrade* upgrade = nullptr);

}  // namespace mpitune::store
