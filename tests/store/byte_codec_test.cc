// Encode -> decode round trips, the exact little-endian layout, and bounds checks: no
// truncation of a valid buffer reads past its end.
#include "store/byte_codec.h"

#include <bit>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mpitune::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ByteCodecTest, LayoutIsLittleEndianWithU32LengthPrefixes) {
  ByteWriter writer;
  writer.PutU8(0xAB);
  writer.PutU32(0x01020304u);
  writer.PutI64(-2);
  writer.PutString("hi");
  writer.PutBytes(std::vector<std::uint8_t>{9});
  EXPECT_THAT(writer.bytes(), ElementsAre(0xAB, 0x04, 0x03, 0x02, 0x01,                          //
                                          0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,        //
                                          0x02, 0x00, 0x00, 0x00, 'h', 'i', 0x01, 0x00, 0x00, 0x00, 9));
  ByteWriter f64;
  f64.PutF64(1.0);  // 0x3FF0000000000000
  EXPECT_THAT(f64.bytes(), ElementsAre(0, 0, 0, 0, 0, 0, 0xF0, 0x3F));
}

TEST(ByteCodecTest, EveryTypeRoundTripsIncludingExtremes) {
  const double nan_payload = std::bit_cast<double>(std::uint64_t{0x7FF4000000000042u});  // signalling NaN
  ByteWriter writer;
  writer.PutU8(0);
  writer.PutU8(255);
  writer.PutU32(0);
  writer.PutU32(std::numeric_limits<std::uint32_t>::max());
  writer.PutI64(std::numeric_limits<std::int64_t>::min());
  writer.PutI64(std::numeric_limits<std::int64_t>::max());
  writer.PutF64(nan_payload);
  writer.PutF64(-0.0);
  writer.PutF64(-std::numeric_limits<double>::infinity());
  writer.PutString("");
  writer.PutString(std::string("nul\0inside", 10));
  writer.PutBytes({});
  writer.PutBytes(std::vector<std::uint8_t>{0, 1, 255});
  const std::vector<std::uint8_t> bytes = writer.Take();

  ByteReader reader(bytes);
  EXPECT_EQ(*reader.ReadU8(), 0);
  EXPECT_EQ(*reader.ReadU8(), 255);
  EXPECT_EQ(*reader.ReadU32(), 0u);
  EXPECT_EQ(*reader.ReadU32(), std::numeric_limits<std::uint32_t>::max());
  EXPECT_EQ(*reader.ReadI64(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(*reader.ReadI64(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(std::bit_cast<std::uint64_t>(*reader.ReadF64()), 0x7FF4000000000042u);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(*reader.ReadF64()), std::bit_cast<std::uint64_t>(-0.0));
  EXPECT_EQ(*reader.ReadF64(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(*reader.ReadString(), "");
  EXPECT_EQ(*reader.ReadString(), std::string("nul\0inside", 10));
  EXPECT_EQ(*reader.ReadBytes(), std::vector<std::uint8_t>{});
  EXPECT_EQ(*reader.ReadBytes(), (std::vector<std::uint8_t>{0, 1, 255}));
  EXPECT_TRUE(reader.done());
  Result<std::uint8_t> past_end = reader.ReadU8();
  ASSERT_FALSE(past_end.ok());
  EXPECT_THAT(past_end.status().message(), HasSubstr("u8 needs 1 bytes at offset"));
}

// Reads a record of every kind; an error anywhere stops it.
Status ReadRecord(ByteReader& reader) {
  if (Result<std::uint8_t> v = reader.ReadU8(); !v.ok()) return v.status();
  if (Result<std::uint32_t> v = reader.ReadU32(); !v.ok()) return v.status();
  if (Result<std::int64_t> v = reader.ReadI64(); !v.ok()) return v.status();
  if (Result<double> v = reader.ReadF64(); !v.ok()) return v.status();
  if (Result<std::string> v = reader.ReadString(); !v.ok()) return v.status();
  if (Result<std::vector<std::uint8_t>> v = reader.ReadBytes(); !v.ok()) return v.status();
  return Status::Ok();
}

TEST(ByteCodecTest, EveryTruncationFailsCleanly) {
  ByteWriter writer;
  writer.PutU8(1);
  writer.PutU32(2);
  writer.PutI64(3);
  writer.PutF64(4.0);
  writer.PutString("five");
  writer.PutBytes(std::vector<std::uint8_t>{6, 6});
  const std::vector<std::uint8_t> bytes = writer.Take();
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    // A copy of exactly `size` bytes, so AddressSanitizer would catch any overread.
    const std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size));
    ByteReader reader(cut);
    Status status = ReadRecord(reader);
    EXPECT_FALSE(status.ok()) << "size " << size;
    EXPECT_EQ(status.kind(), ErrorKind::kBadInput);
    EXPECT_LE(reader.offset(), size);
  }
  ByteReader whole(bytes);
  EXPECT_TRUE(ReadRecord(whole).ok());
  EXPECT_TRUE(whole.done());
}

TEST(ByteCodecTest, HugeLengthPrefixIsAnErrorAndConsumesNothing) {
  ByteWriter writer;
  writer.PutU32(0xFFFFFFF0u);  // claims ~4 GiB of string
  writer.PutU8('x');
  const std::vector<std::uint8_t> bytes = writer.Take();
  ByteReader reader(bytes);
  Result<std::string> text = reader.ReadString();
  ASSERT_FALSE(text.ok());
  EXPECT_THAT(text.status().message(), HasSubstr("string needs 4294967280 bytes at offset 4, 1 left"));
  EXPECT_EQ(reader.offset(), 0u);
  EXPECT_FALSE(reader.ReadBytes().ok());
  EXPECT_EQ(*reader.ReadU32(), 0xFFFFFFF0u);  // the reader is still usable
}

}  // namespace
}  // namespace mpitune::store
