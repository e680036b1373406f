// Builds the read model (mpitune/study.h) from a study's parts: a study file as the
// store reads it, or a live study (its scheduler and the runs seen so far) for the
// table at the end of `mpitune run`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mpitune/run_record.h"
#include "mpitune/scheduler.h"
#include "mpitune/study.h"
#include "store/study_definition.h"
#include "store/study_store.h"

namespace mpitune {

struct StudyParts {
  std::string path;
  const StudyDefinition* definition = nullptr;
  const Scheduler* scheduler = nullptr;
  const std::vector<StudySession>* sessions = nullptr;
  const std::vector<RunRecord>* runs = nullptr;
  const StoredReports* reports = nullptr;  // null: not kept
  StudyState state = StudyState::kOpen;
  std::int64_t events = 0;
  bool torn_tail = false;
  double study_time = 0.0;
};

Study BuildStudy(const StudyParts& parts);

// A study file as ReadStudyFile returns it; its state from the file and its journal.
Study BuildStudy(const StoredStudy& stored, bool with_reports);

}  // namespace mpitune
