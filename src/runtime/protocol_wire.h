// Little-endian field codec for protocol.cc: fixed-width integers, doubles as bits,
// length-prefixed strings and double arrays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace mpitune::wire {

class Writer {
 public:
  void U8(std::uint8_t value) { bytes_.push_back(value); }
  void I8(std::int8_t value) { U8(static_cast<std::uint8_t>(value)); }
  void U16(std::uint16_t value) { Fixed(value, 2); }
  void U32(std::uint32_t value) { Fixed(value, 4); }
  void I32(std::int32_t value) { Fixed(static_cast<std::uint32_t>(value), 4); }
  void I64(std::int64_t value) { Fixed(static_cast<std::uint64_t>(value), 8); }
  void F64(double value);
  // Writes at most `max_bytes`, keeping the end of the string.
  void String(const std::string& value, std::size_t max_bytes);
  void F64Array(const std::vector<double>& values);
  // u32 length + bytes; the caller keeps `values` within the reader's limit.
  void Bytes(const std::vector<std::uint8_t>& values);

  std::vector<std::uint8_t> Take() { return std::move(bytes_); }

 private:
  void Fixed(std::uint64_t value, int width);
  std::vector<std::uint8_t> bytes_;
};

// Reads fields in order. The first failure sticks: later reads return zero values
// and leave the first error in place, so a decoder reads every field and checks
// ok() once, and the message names the field where the input went wrong.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::uint8_t U8(const char* field);
  std::int8_t I8(const char* field) { return static_cast<std::int8_t>(U8(field)); }
  std::uint16_t U16(const char* field) { return static_cast<std::uint16_t>(Fixed(field, 2)); }
  std::uint32_t U32(const char* field) { return static_cast<std::uint32_t>(Fixed(field, 4)); }
  std::int32_t I32(const char* field) { return static_cast<std::int32_t>(U32(field)); }
  std::int64_t I64(const char* field) { return static_cast<std::int64_t>(Fixed(field, 8)); }
  double F64(const char* field);
  std::string String(const char* field, std::size_t max_bytes);
  std::vector<double> F64Array(const char* field, std::size_t max_length);
  std::vector<std::uint8_t> Bytes(const char* field, std::size_t max_bytes);

  // Records a semantic error (e.g. an enum out of range) unless one is already set.
  void Fail(std::string error);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t remaining() const { return bytes_.size() - position_; }

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

}  // namespace mpitune::wire
