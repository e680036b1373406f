// Between a study's config (what the user wrote, parsed by src/config) and its
// definition (what the study file stores, store/study_definition.h): the one place
// that knows both.
#pragma once

#include <string>

#include "config/study_config.h"
#include "mpitune/status.h"
#include "store/study_definition.h"

namespace mpitune {

// What the study file keeps of `config` (with its effective overrides).
StudyDefinition DefinitionOf(const StudyConfig& config);

// The config a stored study runs with: its stored text parsed again, with the stored
// effective values (seed, max_trials, report_every) on top and the study file as its
// storage. A text that no longer parses, or whose space is not the stored one, is a
// BadInput error naming the file.
Result<StudyConfig> StoredConfig(const StudyDefinition& definition, const std::string& path);

// The time budget (seconds) a study's stored config sets, 0 when none: a run's
// --time-budget is not stored, so it is not known here.
double StoredTimeBudget(const std::string& config_yaml, const std::string& path);

// The definition of a format-1 study file from its config text: the DefinitionUpgrade
// to pass to ReadStudyFile.
const DefinitionUpgrade& LegacyDefinitionUpgrade();

}  // namespace mpitune
