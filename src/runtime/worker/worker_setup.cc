#include "runtime/worker/worker_setup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "gpu/gpu.h"
#include "runtime/worker/objective_execution.h"
#include "runtime/worker/worker_device.h"

namespace mpitune {

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "unknown-host";
  return name;
}

Status CheckTrialsFolderVisible(const std::string& trials_dir) {
  struct stat info {};
  std::string why;
  if (::stat(trials_dir.c_str(), &info) != 0) {
    why = std::strerror(errno);
  } else if (!S_ISDIR(info.st_mode)) {
    why = "not a directory";
  } else if (::access(trials_dir.c_str(), W_OK | X_OK) != 0) {
    why = std::strerror(errno);
  } else {
    return Status::Ok();
  }
  return Status::Io(fmt::format("host {} cannot use the study's trials folder {} ({}): every node must see the "
                                "file system that holds the study file, at the same path",
                                HostName(), trials_dir, why));
}

std::string RecordedDevice(const DeviceAssignment& device, const GpuInfo& gpus) {
  if (device.cpu()) return "cpu";
  std::string recorded;
  for (const int ordinal : device.ordinals) {
    if (ordinal < 0 || static_cast<std::size_t>(ordinal) >= gpus.uuids.size() || gpus.uuids[static_cast<std::size_t>(ordinal)].empty()) {
      return device.cuda_visible_devices;
    }
    if (!recorded.empty()) recorded += ',';
    recorded += gpus.uuids[static_cast<std::size_t>(ordinal)];
  }
  return recorded;
}

Result<std::unique_ptr<WorkerSetup>> PrepareWorker(const StudyConfig& config, std::optional<int> local_index,
                                                   int local_workers, Clock& clock) {
  auto setup = std::make_unique<WorkerSetup>();
  const Result<DeviceAssignment> device = PickWorkerDevice(local_index, local_workers, config.resources);
  WorkerOptions& options = setup->options;
  options.hostname = HostName();
  if (device.ok()) {
    options.device = device->cpu() ? "cpu" : RecordedDevice(*device, QueryGpus());
    options.device_note = device->note;
  } else {
    // The trial still runs (built-in objectives need no GPU); the Hello says why.
    options.device_note = "cpu: " + device.status().message();
  }
  if (!config.trial.command.empty()) {
    setup->command = MakeCommandRunnerSettings(config, device);
    setup->executions = CommandExecutions(setup->command);
    return setup;
  }
  if (device.ok() && !device->cpu()) {
    if (Status selected = SelectGpu(device->select_ordinal); !selected.ok()) {
      options.device_note += "; " + selected.message();
    }
  }
  Result<std::unique_ptr<Objective>> objective =
      MakeObjective(config.trial.objective, config.space, config.scheduler.max_budget, config.seed);
  if (!objective.ok()) return Status::BadInput(objective.status().message()).WithContext(config.source);
  setup->objective = std::move(*objective);
  Result<ExecutionFactory> executions = ObjectiveExecutions(*setup->objective, config.trial.report_every, clock);
  if (!executions.ok()) return Status::BadInput(executions.status().message()).WithContext(config.source);
  setup->executions = std::move(*executions);
  return setup;
}

}  // namespace mpitune
