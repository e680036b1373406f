// How `run` and `resume` come by their study: a new file, a stored study to go on
// with, or a finished one to report without doing any work (hpopt's "reuse").
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "mpitune/scheduler.h"
#include "mpitune/status.h"
#include "config/study_config.h"
#include "store/study_store.h"

namespace mpitune::cli {

enum class StudyStart { kNew, kResumed, kFinished };

struct OpenedStudy {
  StudyStart start = StudyStart::kNew;
  StudyConfig config;  // the effective config: for a stored study, the stored one
  StudyDefinition definition;  // what the study file keeps of it
  std::unique_ptr<Scheduler> new_scheduler;  // kNew: the scheduler the store records
  std::unique_ptr<StudyStore> store;         // kNew, kResumed; null with --no-store
  std::optional<StoredStudy> finished;       // kFinished: the study as stored
  double time_offset = 0.0;                  // the study time the file reached
  std::string note;                          // one line: what was found

  // The scheduler to drive (recorded by the store) or, finished, to report.
  Scheduler& scheduler();
};

// `mpitune run`: creates config.storage, or goes on with the study stored there when
// it is the same study. A different study there is refused with what changed, unless
// `force_new`, which renames the old file (and its trial folder) aside first.
Result<OpenedStudy> OpenStudyForRun(const StudyConfig& config, bool force_new);

// `mpitune run --no-store`: a new study that is not recorded anywhere.
Result<OpenedStudy> OpenUnstoredStudy(const StudyConfig& config);

// `mpitune resume FILE`: the study stored in FILE, with its stored config.
Result<OpenedStudy> OpenStoredStudy(const std::string& path);

}  // namespace mpitune::cli
