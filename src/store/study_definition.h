// What the study file persists about the study itself, handed to the store by whoever
// parsed the config: the model that rebuilds the scheduler (space, scheduler options
// with their effective overrides) and the config text as the user wrote it. The store
// stores both and parses neither; a reader gets the model back from the file's own
// attributes and datasets, so reading a study needs no YAML.
#pragma once

#include <string>

#include "mpitune/scheduler.h"
#include "mpitune/space.h"

namespace mpitune {

struct StudyDefinition {
  std::string name;
  std::string metric = "loss";
  SearchSpace space;
  SchedulerOptions scheduler;  // mode and seed of the study included
  double report_every = 1.0;   // built-in objectives' report interval (an effective override)
  std::string config_yaml;     // the config's text, kept for the user and for resuming
};

}  // namespace mpitune
