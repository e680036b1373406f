#include "study/stored_config.h"

#include <utility>

#include <fmt/format.h>

namespace mpitune {

StudyDefinition DefinitionOf(const StudyConfig& config) {
  StudyDefinition definition;
  definition.name = config.name;
  definition.metric = config.metric;
  definition.space = config.space;
  definition.scheduler = config.scheduler;
  definition.scheduler.mode = config.mode;
  definition.scheduler.seed = config.seed;
  definition.report_every = config.trial.report_every;
  definition.config_yaml = config.yaml_text;
  definition.time_budget = config.time_budget_seconds;
  definition.derived = config.derived;
  return definition;
}

Result<StudyConfig> StoredConfig(const StudyDefinition& definition, const std::string& path) {
  const std::string source = path + " (stored config)";
  Result<StudyConfig> config = ParseStudyConfig(definition.config_yaml, source, ConfigOrigin::kStored);
  if (!config.ok()) return Status::BadInput(config.status().message());
  if (config->space.Hash() != definition.space.Hash()) {
    return Status::BadInput(fmt::format("{}: the stored config's space is not the stored space (corrupt file)", path));
  }
  config->seed = definition.scheduler.seed;
  config->scheduler = definition.scheduler;
  config->trial.report_every = definition.report_every;
  if (definition.time_budget) config->time_budget_seconds = *definition.time_budget;
  if (definition.derived) config->derived = *definition.derived;
  config->storage = path;
  return config;
}

namespace {

Result<StudyDefinition> UpgradeLegacyDefinition(const LegacyDefinition& legacy) {
  Result<StudyConfig> config =
      ParseStudyConfig(legacy.config_yaml, legacy.name + " (stored config)", ConfigOrigin::kStored);
  if (!config.ok()) return Status::BadInput(config.status().message());
  config->seed = legacy.seed;
  config->scheduler.seed = legacy.seed;
  config->scheduler.max_trials = legacy.max_trials;
  config->trial.report_every = legacy.report_every;
  if (Status valid = ValidateSchedulerOptions(config->scheduler); !valid.ok()) {
    return Status::BadInput(valid.message());
  }
  return DefinitionOf(*config);
}

}  // namespace

const DefinitionUpgrade& LegacyDefinitionUpgrade() {
  static const DefinitionUpgrade upgrade = UpgradeLegacyDefinition;
  return upgrade;
}

double StoredTimeBudget(const StudyDefinition& definition, const std::string& path) {
  if (definition.time_budget) return *definition.time_budget;
  if (definition.config_yaml.empty()) return 0.0;
  Result<StudyConfig> config = ParseStudyConfig(definition.config_yaml, path, ConfigOrigin::kStored);
  return config.ok() ? config->time_budget_seconds : 0.0;
}

}  // namespace mpitune
