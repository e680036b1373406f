#include "store/crc32.h"

#include <cstdint>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace mpitune::store {
namespace {

std::vector<std::uint8_t> Bytes(std::string_view text) { return {text.begin(), text.end()}; }

TEST(Crc32Test, KnownVectors) {
  // The standard check value of CRC-32/ISO-HDLC (zlib's crc32), and two more from zlib.
  EXPECT_EQ(Crc32(Bytes("123456789")), 0xCBF43926u);
  EXPECT_EQ(Crc32(Bytes("")), 0u);
  EXPECT_EQ(Crc32(Bytes("a")), 0xE8B7BE43u);
  EXPECT_EQ(Crc32(Bytes("The quick brown fox jumps over the lazy dog")), 0x414FA339u);
}

TEST(Crc32Test, ContinuesAcrossPieces) {
  const std::vector<std::uint8_t> all = Bytes("hello, journal records");
  for (std::size_t cut = 0; cut <= all.size(); ++cut) {
    const std::span<const std::uint8_t> bytes(all);
    EXPECT_EQ(Crc32(bytes.subspan(cut), Crc32(bytes.first(cut))), Crc32(bytes)) << cut;
  }
}

TEST(Crc32Test, EverySingleBitFlipChangesIt) {
  std::vector<std::uint8_t> data = Bytes("payload");
  const std::uint32_t clean = Crc32(data);
  for (std::size_t i = 0; i < data.size() * 8; ++i) {
    data[i / 8] ^= static_cast<std::uint8_t>(1u << (i % 8));
    EXPECT_NE(Crc32(data), clean) << "bit " << i;
    data[i / 8] ^= static_cast<std::uint8_t>(1u << (i % 8));
  }
}

}  // namespace
}  // namespace mpitune::store
