// The `sgd` objective without CUDA kernels: every batch runs on the CPU.
#include <memory>
#include <string>

#include "trial/sgd_device.h"

namespace mpitune::sgd {

std::unique_ptr<DeviceGradient> MakeDeviceGradient(const Dataset& /*data*/, std::string* why) {
  *why = "this build has no CUDA kernels (nvcc was not usable at configure time)";
  return nullptr;
}

}  // namespace mpitune::sgd
