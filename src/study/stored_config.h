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

// The study's time budget in seconds (0: none): as stored, or, in files written before
// it was stored, as their config text sets it.
double StoredTimeBudget(const StudyDefinition& definition, const std::string& path);

// The definition of a format-1 study file from its config text: the DefinitionUpgrade
// to pass to ReadStudyFile.
const DefinitionUpgrade& LegacyDefinitionUpgrade();

}  // namespace mpitune
