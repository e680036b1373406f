// Little-endian encoding of journal payloads. ByteWriter appends; ByteReader reads the
// same sequence back, every read bounds-checked: a short or corrupt buffer is an error
// Status, never a read past the end.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mpitune/status.h"

namespace mpitune::store {

class ByteWriter {
 public:
  void PutU8(std::uint8_t value) { bytes_.push_back(value); }
  void PutU32(std::uint32_t value);
  void PutI64(std::int64_t value);
  void PutF64(double value);  // the IEEE-754 bits, so NaN payloads survive
  // A u32 length, then the bytes. Inputs longer than 4 GiB - 1 are a caller bug: they
  // are cut at that length (a reader then sees the shortened value).
  void PutString(std::string_view value);
  void PutBytes(std::span<const std::uint8_t> value);

  const std::vector<std::uint8_t>& bytes() const { return bytes_; }
  std::vector<std::uint8_t> Take() { return std::move(bytes_); }
  // Empties the writer but keeps its capacity, for encoding many records in a row.
  void Clear() { bytes_.clear(); }

 private:
  std::vector<std::uint8_t> bytes_;
};

class ByteReader {
 public:
  // `data` must outlive the reader.
  explicit ByteReader(std::span<const std::uint8_t> data) : data_(data) {}

  Result<std::uint8_t> ReadU8();
  Result<std::uint32_t> ReadU32();
  Result<std::int64_t> ReadI64();
  Result<double> ReadF64();
  Result<std::string> ReadString();
  Result<std::vector<std::uint8_t>> ReadBytes();

  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return data_.size() - offset_; }
  bool done() const { return offset_ == data_.size(); }

 private:
  // The next `size` bytes, or an error naming `what` when fewer are left.
  Result<std::span<const std::uint8_t>> Take(std::size_t size, const char* what);

  std::span<const std::uint8_t> data_;
  std::size_t offset_ = 0;
};

}  // namespace mpitune::store
