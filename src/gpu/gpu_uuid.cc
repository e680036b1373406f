#include "gpu/gpu.h"

#include <fmt/format.h>

namespace mpitune {

std::string FormatGpuUuid(const std::array<std::uint8_t, 16>& bytes) {
  std::string out = "GPU-";
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    // The 8-4-4-4-12 grouping: dashes before bytes 4, 6, 8 and 10.
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += fmt::format("{:02x}", bytes[i]);
  }
  return out;
}

}  // namespace mpitune
