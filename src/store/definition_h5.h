// The study definition (study_definition.h) as HDF5 attributes and datasets:
//   /                      attributes name, metric, mode, seed, max_trials, report_every,
//                          config_yaml, space_hash, scheduler, variant, min_budget,
//                          max_budget, eta, grace, sampler, grid_points
//   /space/<name>          a group per parameter, attributes type, position (its place
//                          in the space), low, high, log
//   /space/<name>/choices  a choice's (or constant's) values as text, with their exact
//                          values in choice_kind (0 bool, 1 int, 2 float, 3 string),
//                          choice_int and choice_float
// so a reader rebuilds the space and the scheduler options exactly, without YAML.
#pragma once

#include "mpitune/status.h"
#include "store/h5_file.h"
#include "store/study_definition.h"

namespace mpitune::store {

Status WriteDefinition(H5File& file, const StudyDefinition& definition);
// Errors are BadInput naming the file and the attribute or dataset.
Result<StudyDefinition> ReadDefinition(const H5File& file);

}  // namespace mpitune::store
