// What the study file persists about the study itself, handed to the store by whoever
// parsed the config: the model that rebuilds the scheduler (space, scheduler options
// with their effective overrides) and the config text as the user wrote it. The store
// stores both and parses neither; a reader gets the model back from the file's own
// attributes and datasets, so reading a study needs no YAML.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mpitune/scheduler.h"
#include "mpitune/space.h"
#include "mpitune/status.h"

namespace mpitune {

struct StudyDefinition {
  std::string name;
  std::string metric = "loss";
  SearchSpace space;
  SchedulerOptions scheduler;  // mode and seed of the study included
  double report_every = 1.0;   // built-in objectives' report interval (an effective override)
  std::string config_yaml;     // the config's text, kept for the user and for resuming
  // The wall-clock budget of the whole study in seconds (0: none): study.time_budget
  // or the --time-budget of the run that created it or of the latest resume that gave
  // one. nullopt in files written before it was stored (their config text says).
  std::optional<double> time_budget;
  // The scheduler settings the time plan chose (e.g. "scheduler.max_trials", which a
  // resumed study goes on re-planning); nullopt in files written before it was stored.
  std::optional<std::vector<std::string>> derived;
};

// What a format-1 study file (written before definitions were stored) holds instead
// of one: its config text and the effective values the run overrode.
struct LegacyDefinition {
  std::string name;
  std::string config_yaml;
  std::uint64_t seed = 0;
  std::int64_t max_trials = 0;
  double report_every = 1.0;
  std::uint64_t space_hash = 0;
};

// Makes the definition of a format-1 file by parsing its config text, which is not
// the store's job: the layer that knows the config passes this in. Without one, such
// a file is refused as an older format.
using DefinitionUpgrade = std::function<Result<StudyDefinition>(const LegacyDefinition&)>;

}  // namespace mpitune
