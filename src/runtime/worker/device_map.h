// Which GPU(s) a worker rank pins its trials to.
//
// MapDevices is pure: the caller gathers the facts (its index among the worker ranks
// on this node, the environment, what the CUDA runtime reports) and gets back the
// device(s) to use, so every rule here is testable without MPI, CUDA or a GPU.
//
// Numbering. "Ordinals" are the device numbers the CUDA runtime of *this* process
// uses, i.e. positions in the parent's CUDA_VISIBLE_DEVICES list (0..n-1). A command
// trial gets its own CUDA_VISIBLE_DEVICES made of the parent's *entries* (physical
// ids or UUIDs), never of the ordinals: "2,3" + ordinal 1 -> "3", so a trial inside a
// job that Slurm restricted to GPUs 2 and 3 still lands on GPU 3.
//
// Rules:
//   - gpus_per_trial == 0, no CUDA runtime/driver, zero devices, or an empty
//     CUDA_VISIBLE_DEVICES -> CPU, with one note saying why.
//   - The pool is the explicit `devices` list (ordinals, in its order) or all
//     visible devices; explicit entries must be visible and unique.
//   - The pool is cut into floor(pool / gpus_per_trial) contiguous groups; worker i
//     takes group i mod groups (for one GPU per trial: device i mod n). More workers
//     than groups share devices, and the note says so; gpus_per_trial larger than
//     the pool is an error.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mpitune/status.h"

namespace mpitune {

struct DeviceMapInput {
  // Index among the worker ranks on this node (MPI_Comm_split_type SHARED), if known.
  std::optional<int> local_worker_index;
  int local_workers = 1;  // worker ranks on this node
  // The parent's CUDA_VISIBLE_DEVICES: nullopt = unset (all devices), "" = none.
  std::optional<std::string> cuda_visible_devices;
  // SLURM_LOCALID; used as the local index only when local_worker_index is unknown.
  std::optional<int> slurm_localid;
  // cudaGetDeviceCount's answer; nullopt = no CUDA runtime or driver.
  std::optional<int> cuda_device_count;
  int gpus_per_trial = 1;    // resources.gpus_per_trial; 0 = CPU
  std::vector<int> devices;  // resources.devices (ordinals); empty = all visible
};

struct DeviceAssignment {
  std::vector<int> ordinals;              // in this process's numbering; empty = CPU
  std::vector<std::string> physical_ids;  // the parent's entries for those ordinals
  std::string cuda_visible_devices;       // physical_ids joined by ','; "" for CPU
  int select_ordinal = -1;                // for cudaSetDevice; -1 for CPU
  bool shared = false;                    // other local workers use the same device(s)
  std::string note;                       // one line for logs and the Hello message

  bool cpu() const { return ordinals.empty(); }
};

// The entries of a CUDA_VISIBLE_DEVICES value, as the CUDA runtime reads it: split at
// ',', blanks trimmed, stopping at the first entry that is neither a non-negative
// integer nor a "GPU-"/"MIG-" UUID (the runtime hides everything after it).
std::vector<std::string> ParseVisibleDevices(const std::string& value);

// Errors (kBadInput) name the key: "resources.devices: device 5 is not visible ...".
Result<DeviceAssignment> MapDevices(const DeviceMapInput& input);

}  // namespace mpitune
