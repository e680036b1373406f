// The facts a worker rank gathers to pick its device (its place on the node, the
// environment, what CUDA sees), handed to the pure MapDevices (device_map.h).
#pragma once

#include <optional>

#include "runtime/worker/device_map.h"
#include "mpitune/status.h"
#include "config/study_config.h"

namespace mpitune {

// `local_index`/`local_workers`: this rank among the worker ranks on its node, if
// known (else SLURM_LOCALID is used). Reads CUDA_VISIBLE_DEVICES and SLURM_LOCALID.
Result<DeviceAssignment> PickWorkerDevice(std::optional<int> local_index, int local_workers,
                                          const ResourceSpec& resources);

}  // namespace mpitune
