// What a worker needs before its loop starts, the same for an MPI worker rank and for
// the single process of a `mpitune run` without mpirun: its device (from its place on
// the node, the environment and the study's resources; a GPU selected for in-process
// objectives), and the factory of its trials' executions (the built-in objective, or
// the study's command with the worker's devices).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "config/study_config.h"
#include "gpu/gpu.h"
#include "mpitune/objective.h"
#include "mpitune/status.h"
#include "runtime/worker/command_execution.h"
#include "runtime/worker/worker.h"

namespace mpitune {

struct WorkerSetup {
  WorkerOptions options;  // hostname, device and its note for the Hello
  std::unique_ptr<Objective> objective;  // built-in objectives
  CommandRunnerSettings command;         // command trials
  ExecutionFactory executions;           // refers to the two above
};

// `local_index`/`local_workers`: this worker among the worker ranks on its node, when
// known (else SLURM_LOCALID is used). The setup refers to `clock`, which must outlive
// it. A bad objective is a BadInput error naming the config file.
Result<std::unique_ptr<WorkerSetup>> PrepareWorker(const StudyConfig& config, std::optional<int> local_index,
                                                   int local_workers, Clock& clock);

std::string HostName();

// A worker rank of a command study, before it takes work: the study's trials folder
// (made by rank 0) must be a directory this rank can write, else an Io error naming
// this host and the folder (the nodes do not share the study's file system).
Status CheckTrialsFolderVisible(const std::string& trials_dir);

// What a worker's runs record as their device: the UUIDs of its GPUs, as nvidia-smi
// shows them ("GPU-8f3a..."; several joined by ','), where the CUDA runtime reports
// them; else the CUDA_VISIBLE_DEVICES entries; "cpu" without a GPU.
std::string RecordedDevice(const DeviceAssignment& device, const GpuInfo& gpus);

}  // namespace mpitune
