// Encode -> decode round trips, the exact little-endian layout, and bounds checks: no
// truncation of a valid buffer reads past its end, and the first error names its field.
#include "base/byte_codec.h"

#include <bit>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mpitune {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ByteCodecTest, LayoutIsLittleEndianWithU32LengthPrefixes) {
  ByteWriter writer;
  writer.U8(0xAB);
  writer.U32(0x01020304u);
  writer.I64(-2);
  writer.String("hi");
  writer.Bytes(std::vector<std::uint8_t>{9});
  EXPECT_THAT(writer.bytes(), ElementsAre(0xAB, 0x04, 0x03, 0x02, 0x01,                          //
                                          0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,        //
                                          0x02, 0x00, 0x00, 0x00, 'h', 'i', 0x01, 0x00, 0x00, 0x00, 9));
  ByteWriter f64;
  f64.F64(1.0);  // 0x3FF0000000000000
  EXPECT_THAT(f64.bytes(), ElementsAre(0, 0, 0, 0, 0, 0, 0xF0, 0x3F));
}

TEST(ByteCodecTest, EveryTypeRoundTripsIncludingExtremes) {
  const double nan_payload = std::bit_cast<double>(std::uint64_t{0x7FF4000000000042u});  // signalling NaN
  ByteWriter writer;
  writer.U8(0);
  writer.U8(255);
  writer.I8(-128);
  writer.U16(0xBEEF);
  writer.U32(0);
  writer.U32(std::numeric_limits<std::uint32_t>::max());
  writer.I32(std::numeric_limits<std::int32_t>::min());
  writer.I64(std::numeric_limits<std::int64_t>::min());
  writer.I64(std::numeric_limits<std::int64_t>::max());
  writer.F64(nan_payload);
  writer.F64(-0.0);
  writer.F64(-std::numeric_limits<double>::infinity());
  writer.String("");
  writer.String(std::string("nul\0inside", 10));
  writer.Bytes({});
  writer.Bytes(std::vector<std::uint8_t>{0, 1, 255});
  writer.F64Array(std::vector<double>{1.5, -2.0});
  const std::vector<std::uint8_t> bytes = writer.Take();

  ByteReader reader(bytes);
  EXPECT_EQ(reader.U8("a"), 0);
  EXPECT_EQ(reader.U8("b"), 255);
  EXPECT_EQ(reader.I8("c"), -128);
  EXPECT_EQ(reader.U16("d"), 0xBEEF);
  EXPECT_EQ(reader.U32("e"), 0u);
  EXPECT_EQ(reader.U32("f"), std::numeric_limits<std::uint32_t>::max());
  EXPECT_EQ(reader.I32("g"), std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(reader.I64("h"), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(reader.I64("i"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(std::bit_cast<std::uint64_t>(reader.F64("j")), 0x7FF4000000000042u);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(reader.F64("k")), std::bit_cast<std::uint64_t>(-0.0));
  EXPECT_EQ(reader.F64("l"), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(reader.String("m"), "");
  EXPECT_EQ(reader.String("n"), std::string("nul\0inside", 10));
  EXPECT_EQ(reader.Bytes("o"), std::vector<std::uint8_t>{});
  EXPECT_EQ(reader.Bytes("p"), (std::vector<std::uint8_t>{0, 1, 255}));
  EXPECT_EQ(reader.F64Array("q"), (std::vector<double>{1.5, -2.0}));
  EXPECT_TRUE(reader.ok());
  EXPECT_TRUE(reader.done());
  EXPECT_EQ(reader.U8("past_end"), 0);
  ASSERT_FALSE(reader.ok());
  EXPECT_THAT(reader.error(), HasSubstr("past_end: truncated (needs 1 bytes at offset"));
  EXPECT_EQ(reader.status("record 7").kind(), ErrorKind::kBadInput);
  EXPECT_THAT(reader.status("record 7").message(), HasSubstr("record 7: past_end: truncated"));
}

TEST(ByteCodecTest, LongStringsKeepTheirEndWithinTheLimit) {
  ByteWriter writer;
  writer.String("0123456789", 4);
  const std::vector<std::uint8_t> bytes = writer.Take();
  ByteReader reader(bytes);
  EXPECT_EQ(reader.String("tail"), "6789");
  EXPECT_TRUE(reader.done());
}

// Reads a record of every kind; the first error sticks.
void ReadRecord(ByteReader& reader) {
  reader.U8("u8");
  reader.U32("u32");
  reader.I64("i64");
  reader.F64("f64");
  reader.String("string");
  reader.Bytes("bytes");
  reader.F64Array("array");
}

TEST(ByteCodecTest, EveryTruncationFailsCleanly) {
  ByteWriter writer;
  writer.U8(1);
  writer.U32(2);
  writer.I64(3);
  writer.F64(4.0);
  writer.String("five");
  writer.Bytes(std::vector<std::uint8_t>{6, 6});
  writer.F64Array(std::vector<double>{7.0});
  const std::vector<std::uint8_t> bytes = writer.Take();
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    // A copy of exactly `size` bytes, so AddressSanitizer would catch any overread.
    const std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size));
    ByteReader reader(cut);
    ReadRecord(reader);
    EXPECT_FALSE(reader.ok()) << "size " << size;
    EXPECT_EQ(reader.status().kind(), ErrorKind::kBadInput);
    EXPECT_LE(reader.offset(), size);
  }
  ByteReader whole(bytes);
  ReadRecord(whole);
  EXPECT_TRUE(whole.ok());
  EXPECT_TRUE(whole.done());
}

TEST(ByteCodecTest, HugeLengthPrefixIsAnErrorAndAllocatesNothing) {
  ByteWriter writer;
  writer.U32(0xFFFFFFF0u);  // claims ~4 GiB of string
  writer.U8('x');
  const std::vector<std::uint8_t> bytes = writer.Take();
  ByteReader reader(bytes);
  EXPECT_EQ(reader.String("name"), "");
  EXPECT_THAT(reader.error(), HasSubstr("name: truncated (needs 4294967280 bytes at offset 4, 1 left)"));
  ByteReader limited(bytes);
  EXPECT_EQ(limited.String("name", 100), "");
  EXPECT_THAT(limited.error(), HasSubstr("name: length 4294967280 exceeds the limit of 100 bytes"));
  ByteReader array(bytes);
  EXPECT_TRUE(array.F64Array("values").empty());
  EXPECT_FALSE(array.ok());
}

}  // namespace
}  // namespace mpitune
