#include "runtime/worker/worker_device.h"

#include <charconv>
#include <cstdlib>
#include <optional>
#include <string>

#include "gpu/gpu.h"

namespace mpitune {
namespace {

std::optional<std::string> Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::optional<int> EnvInt(const char* name) {
  const std::optional<std::string> text = Env(name);
  if (!text) return std::nullopt;
  int value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size() || value < 0) return std::nullopt;
  return value;
}

}  // namespace

Result<DeviceAssignment> PickWorkerDevice(std::optional<int> local_index, int local_workers,
                                          const ResourceSpec& resources) {
  DeviceMapInput input;
  input.local_worker_index = local_index;
  input.local_workers = local_workers;
  input.cuda_visible_devices = Env("CUDA_VISIBLE_DEVICES");
  input.slurm_localid = EnvInt("SLURM_LOCALID");
  input.gpus_per_trial = resources.gpus_per_trial;
  input.devices = resources.devices;
  // No need to wake the CUDA runtime on a CPU-only study.
  if (resources.gpus_per_trial > 0) input.cuda_device_count = QueryGpus().CudaDeviceCount();
  return MapDevices(input);
}

}  // namespace mpitune
