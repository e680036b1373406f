// What the CUDA runtime of this process can see, and pinning it to one device.
//
// Two implementations: src/cuda/gpu_cuda.cc when the build found the CUDA toolkit
// (MPITUNE_HAVE_CUDA=1), src/nocuda/gpu_none.cc otherwise. Neither throws or aborts:
// a machine with the toolkit but no driver or GPU gets count 0 and the runtime's
// error text, so the caller falls back to the CPU with a note.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mpitune/status.h"

namespace mpitune {

struct GpuInfo {
  bool built_with_cuda = false;  // false: this binary has no CUDA support at all
  int count = 0;                 // devices the runtime reports (0 on any error)
  std::vector<std::string> names;  // per ordinal, e.g. "NVIDIA H100 80GB HBM3"
  std::vector<std::string> uuids;  // per ordinal, "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
  std::vector<std::uint64_t> memory_bytes;  // per ordinal, total global memory
  std::string error;  // why count is 0 (no driver, no device, no CUDA); empty when fine

  // The value for DeviceMapInput::cuda_device_count: nullopt ("no CUDA runtime or
  // driver") when the runtime failed, as opposed to a working runtime that sees 0
  // devices; the notes differ, and so does the fix. Log `error` next to the note.
  std::optional<int> CudaDeviceCount() const {
    if (!built_with_cuda || !error.empty()) return std::nullopt;
    return count;
  }
};

GpuInfo QueryGpus();

// cudaSetDevice(ordinal) for in-process objectives; an error Status without CUDA.
Status SelectGpu(int ordinal);

// Formats the 16 bytes of a CUDA UUID the way nvidia-smi and CUDA_VISIBLE_DEVICES
// write them: "GPU-" + 8-4-4-4-12 lowercase hex digits.
std::string FormatGpuUuid(const std::array<std::uint8_t, 16>& bytes);

}  // namespace mpitune
