// Built when the CUDA toolkit was not found or MPITUNE_WITH_CUDA=OFF.
#include "gpu/gpu.h"

namespace mpitune {

GpuInfo QueryGpus() {
  GpuInfo info;
  info.error = "mpitune was built without CUDA";
  return info;
}

Status SelectGpu(int ordinal) {
  return Status::Internal("cannot select GPU " + std::to_string(ordinal) + ": mpitune was built without CUDA");
}

}  // namespace mpitune
