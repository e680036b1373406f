// What makes two configs the same study: `mpitune run` on an existing study file goes
// on with it only when nothing below changed, and otherwise names each change.
#pragma once

#include <string>
#include <vector>

#include "config/study_config.h"

namespace mpitune {

// What differs between a stored study's config and a new one in ways that make them
// different studies (space, objective or command, metric, scheduler options, seed):
// one line each, e.g. "space.lr.high: 0.1 -> 0.5". Empty: the same study.
std::vector<std::string> StudyConfigChanges(const StudyConfig& stored, const StudyConfig& requested);

}  // namespace mpitune
