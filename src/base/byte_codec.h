// The one little-endian byte codec: journal records, protocol messages and built-in
// objectives' checkpoints are all written with ByteWriter and read with ByteReader.
//
// Layout: fixed-width integers little-endian, two's complement; doubles as their
// IEEE-754 bits (NaN payloads survive); strings and byte strings as a u32 length and
// the bytes; double arrays as a u32 count and the values.
//
// ByteReader never reads past its input and never allocates more than the input
// holds. Its first failure sticks: later reads return zero values, so a decoder reads
// every field and checks ok() once, and the error names the field where the input
// went wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mpitune/status.h"

namespace mpitune {

class ByteWriter {
 public:
  static constexpr std::size_t kNoLimit = std::numeric_limits<std::uint32_t>::max();

  void U8(std::uint8_t value) { bytes_.push_back(value); }
  void I8(std::int8_t value) { U8(static_cast<std::uint8_t>(value)); }
  void U16(std::uint16_t value) { Fixed(value, 2); }
  void U32(std::uint32_t value) { Fixed(value, 4); }
  void I32(std::int32_t value) { Fixed(static_cast<std::uint32_t>(value), 4); }
  void I64(std::int64_t value) { Fixed(static_cast<std::uint64_t>(value), 8); }
  void F64(double value);
  // At most `max_bytes` of the string, keeping its end (the end of an stderr tail is
  // the part that explains a crash).
  void String(std::string_view value, std::size_t max_bytes = kNoLimit);
  // The caller keeps `value` within its reader's limit.
  void Bytes(std::span<const std::uint8_t> value);
  void F64Array(std::span<const double> values);

  const std::vector<std::uint8_t>& bytes() const { return bytes_; }
  std::vector<std::uint8_t> Take() { return std::move(bytes_); }
  // Empties the writer but keeps its capacity, for encoding many records in a row.
  void Clear() { bytes_.clear(); }

 private:
  // One resize per value, not a push_back per byte: journal records are encoded on
  // the coordinator's per-event path.
  void Fixed(std::uint64_t value, int width);
  std::vector<std::uint8_t> bytes_;
};

class ByteReader {
 public:
  // `bytes` must outlive the reader.
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::uint8_t U8(const char* field);
  std::int8_t I8(const char* field) { return static_cast<std::int8_t>(U8(field)); }
  std::uint16_t U16(const char* field) { return static_cast<std::uint16_t>(Fixed(field, 2)); }
  std::uint32_t U32(const char* field) { return static_cast<std::uint32_t>(Fixed(field, 4)); }
  std::int32_t I32(const char* field) { return static_cast<std::int32_t>(U32(field)); }
  std::int64_t I64(const char* field) { return static_cast<std::int64_t>(Fixed(field, 8)); }
  double F64(const char* field);
  std::string String(const char* field, std::size_t max_bytes = ByteWriter::kNoLimit);
  std::vector<std::uint8_t> Bytes(const char* field, std::size_t max_bytes = ByteWriter::kNoLimit);
  std::vector<double> F64Array(const char* field, std::size_t max_length = ByteWriter::kNoLimit);

  // Records a semantic error (an enum out of range, say) unless one is already set.
  void Fail(std::string error);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  // ok(), or the first error as BadInput, after "<where>: " when `where` is given.
  Status status(std::string_view where = {}) const;
  std::size_t offset() const { return position_; }
  std::size_t remaining() const { return bytes_.size() - position_; }
  bool done() const { return position_ == bytes_.size(); }

 private:
  std::uint64_t Fixed(const char* field, int width);
  // Fails unless `count` more bytes are there.
  bool Need(const char* field, std::size_t count);
  // A u32 length (at most `max_bytes`) and that many bytes; empty after a failure.
  std::span<const std::uint8_t> LengthPrefixed(const char* field, std::size_t max_bytes);

  std::span<const std::uint8_t> bytes_;
  std::size_t position_ = 0;
  std::string error_;
};

}  // namespace mpitune
