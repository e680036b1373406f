// CRC-32 with the IEEE 802.3 polynomial (the zlib / PNG / gzip one), table-driven.
#pragma once

#include <cstdint>
#include <span>

namespace mpitune::store {

// The CRC-32 of `data`; pass a previous result as `crc` to continue over more bytes:
// Crc32(b, Crc32(a)) == Crc32(a + b). Crc32("123456789") == 0xCBF43926.
std::uint32_t Crc32(std::span<const std::uint8_t> data, std::uint32_t crc = 0);

}  // namespace mpitune::store
