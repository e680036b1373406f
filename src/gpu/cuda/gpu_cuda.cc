// Built when the CUDA toolkit was found (MPITUNE_HAVE_CUDA=1). Only the runtime API
// is used, so no nvcc is needed: this is plain C++ linked against cudart.
#include <cuda_runtime_api.h>

#include <cstring>

#include <fmt/format.h>

#include "gpu/gpu.h"

namespace mpitune {

namespace {

std::string CudaErrorText(cudaError_t error) {
  return fmt::format("{} ({})", cudaGetErrorString(error), cudaGetErrorName(error));
}

}  // namespace

GpuInfo QueryGpus() {
  GpuInfo info;
  info.built_with_cuda = true;
  int count = 0;
  // Without a driver this returns cudaErrorNoDevice or cudaErrorInsufficientDriver
  // rather than failing hard, which is what lets a GPU-less node fall back to CPU.
  if (const cudaError_t error = cudaGetDeviceCount(&count); error != cudaSuccess) {
    info.error = "cudaGetDeviceCount: " + CudaErrorText(error);
    return info;
  }
  for (int ordinal = 0; ordinal < count; ++ordinal) {
    cudaDeviceProp prop{};
    if (const cudaError_t error = cudaGetDeviceProperties(&prop, ordinal); error != cudaSuccess) {
      // Half a device list would misnumber the rest; report none instead.
      GpuInfo failed;
      failed.built_with_cuda = true;
      failed.error = fmt::format("cudaGetDeviceProperties({}): {}", ordinal, CudaErrorText(error));
      return failed;
    }
    std::array<std::uint8_t, 16> uuid{};
    static_assert(sizeof(prop.uuid.bytes) == uuid.size());
    std::memcpy(uuid.data(), prop.uuid.bytes, uuid.size());
    info.names.emplace_back(prop.name, strnlen(prop.name, sizeof(prop.name)));
    info.uuids.push_back(FormatGpuUuid(uuid));
    info.memory_bytes.push_back(static_cast<std::uint64_t>(prop.totalGlobalMem));
  }
  info.count = count;
  return info;
}

Status SelectGpu(int ordinal) {
  if (const cudaError_t error = cudaSetDevice(ordinal); error != cudaSuccess) {
    return Status::Internal(fmt::format("cudaSetDevice({}): {}", ordinal, CudaErrorText(error)));
  }
  return Status::Ok();
}

}  // namespace mpitune
