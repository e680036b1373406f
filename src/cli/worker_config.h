// What rank 0 tells the worker ranks at start-up: the run's effective config (or that
// rank 0 failed to start, with its exit code). Workers read no file to learn it: not
// the study file of a resumed study (written only by rank 0, and HDF5 on a shared
// file system is no place for many readers while the writer replaces it), nor the
// config file, which need not exist on their nodes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "config/study_config.h"
#include "mpitune/status.h"

namespace mpitune::cli {

// `config` as rank 0 runs it; `origin` is how its text is to be parsed again (a
// stored config under the rules it was stored with). Paths go as absolute paths, so
// a worker started in another directory finds the same study.
std::vector<std::uint8_t> EncodeWorkerConfig(const StudyConfig& config, ConfigOrigin origin);

// Rank 0 could not start the study and exits with `exit_code`.
std::vector<std::uint8_t> EncodeRankZeroFailure(int exit_code);

struct WorkerStart {
  std::optional<StudyConfig> config;  // nullopt: rank 0 failed
  int rank_zero_exit_code = 0;
};

// A message that is not one of the above is an Internal error.
Result<WorkerStart> DecodeWorkerStart(std::span<const std::uint8_t> bytes);

}  // namespace mpitune::cli
