// Batch gradients of the `sgd` student on a CUDA device. The CPU BatchGradient is the
// reference; this computes the same sums in the same order (one thread per
// parameter, no atomics, no FMA contraction), so it is deterministic run to run and
// agrees with the CPU to rounding (tanh differs by a few ulps between libm and CUDA).
//
// Built from src/cuda/sgd_kernels.cu when CMake could enable the CUDA language;
// src/nocuda/sgd_kernels_none.cc otherwise, whose Create() always says why not.
// Not thread-safe: one context serves the sessions of one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "trial/sgd_data.h"
#include "trial/sgd_mlp.h"

namespace mpitune::sgd {

class DeviceGradient {
 public:
  virtual ~DeviceGradient() = default;
  // Fills `grad` like BatchGradient; false (with `error`) on any CUDA failure, in
  // which case the caller computes this batch on the CPU.
  virtual bool Compute(const MlpShape& shape, const std::vector<double>& params,
                       const std::uint32_t* rows, std::size_t count, std::vector<double>* grad,
                       std::string* error) = 0;
};

// Uploads the training set to the current device; nullptr and `why` when the build
// has no kernels, there is no device, or the upload fails.
std::unique_ptr<DeviceGradient> MakeDeviceGradient(const Dataset& data, std::string* why);

}  // namespace mpitune::sgd
