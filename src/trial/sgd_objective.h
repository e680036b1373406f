// The `sgd` built-in objective: a 2-layer MLP trained by minibatch SGD (momentum,
// weight decay) on a synthetic regression task. Unlike the analytic objectives its
// learning curves are real: budget = epochs, metric = validation MSE, and sessions
// checkpoint their weights so paused trials resume exactly.
//
// Space parameters, read by name (defaults when absent):
//   lr (required, numeric), width (32), batch (32), momentum (0), weight_decay (0),
//   activation (choice of relu / tanh, default relu).
#pragma once

#include <cstdint>
#include <memory>

#include "mpitune/objective.h"
#include "mpitune/space.h"
#include "mpitune/status.h"

namespace mpitune {

// Where the batch gradients are computed. kAuto: on the CUDA device when the build
// has the kernels and QueryGpus() sees a device, else on the CPU. kCpu: always the
// CPU (the reference). kCuda: the device or an error saying why not.
enum class SgdDevice { kAuto, kCpu, kCuda };

Result<std::unique_ptr<Objective>> MakeSgdObjective(const SearchSpace& space, std::uint64_t seed,
                                                    SgdDevice device = SgdDevice::kAuto);

}  // namespace mpitune
