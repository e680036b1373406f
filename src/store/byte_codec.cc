#include "store/byte_codec.h"

#include <array>

#include <algorithm>
#include <bit>
#include <limits>

#include <fmt/format.h>

namespace mpitune::store {

namespace {

std::uint32_t ClampLength(std::size_t size) {
  return static_cast<std::uint32_t>(std::min<std::size_t>(size, std::numeric_limits<std::uint32_t>::max()));
}

// One insert per value, not a push_back per byte: journal records are encoded on
// the coordinator's per-event path (per-byte pushes were a quarter of its time).
template <typename T>
void PutLittleEndian(std::vector<std::uint8_t>& out, T value) {
  const std::size_t at = out.size();
  out.resize(at + sizeof(T));
  for (std::size_t i = 0; i < sizeof(T); ++i) out[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
}

template <typename T>
T GetLittleEndian(std::span<const std::uint8_t> in) {
  T value = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) value |= static_cast<T>(in[i]) << (8 * i);
  return value;
}

}  // namespace

void ByteWriter::PutU32(std::uint32_t value) { PutLittleEndian(bytes_, value); }
void ByteWriter::PutI64(std::int64_t value) { PutLittleEndian(bytes_, static_cast<std::uint64_t>(value)); }
void ByteWriter::PutF64(double value) { PutLittleEndian(bytes_, std::bit_cast<std::uint64_t>(value)); }

void ByteWriter::PutString(std::string_view value) {
  const std::uint32_t length = ClampLength(value.size());
  PutU32(length);
  bytes_.insert(bytes_.end(), value.begin(), value.begin() + length);
}

void ByteWriter::PutBytes(std::span<const std::uint8_t> value) {
  const std::uint32_t length = ClampLength(value.size());
  PutU32(length);
  bytes_.insert(bytes_.end(), value.begin(), value.begin() + length);
}

Result<std::span<const std::uint8_t>> ByteReader::Take(std::size_t size, const char* what) {
  if (size > remaining()) {
    return Status::BadInput(fmt::format("truncated data: {} needs {} bytes at offset {}, {} left", what, size, offset_,
                                        remaining()));
  }
  std::span<const std::uint8_t> out = data_.subspan(offset_, size);
  offset_ += size;
  return out;
}

Result<std::uint8_t> ByteReader::ReadU8() {
  Result<std::span<const std::uint8_t>> in = Take(1, "u8");
  if (!in.ok()) return in.status();
  return (*in)[0];
}

Result<std::uint32_t> ByteReader::ReadU32() {
  Result<std::span<const std::uint8_t>> in = Take(4, "u32");
  if (!in.ok()) return in.status();
  return GetLittleEndian<std::uint32_t>(*in);
}

Result<std::int64_t> ByteReader::ReadI64() {
  Result<std::span<const std::uint8_t>> in = Take(8, "i64");
  if (!in.ok()) return in.status();
  return static_cast<std::int64_t>(GetLittleEndian<std::uint64_t>(*in));
}

Result<double> ByteReader::ReadF64() {
  Result<std::span<const std::uint8_t>> in = Take(8, "f64");
  if (!in.ok()) return in.status();
  return std::bit_cast<double>(GetLittleEndian<std::uint64_t>(*in));
}

Result<std::string> ByteReader::ReadString() {
  const std::size_t start = offset_;
  Result<std::uint32_t> length = ReadU32();
  if (!length.ok()) return length.status();
  Result<std::span<const std::uint8_t>> in = Take(*length, "string");
  if (!in.ok()) {
    offset_ = start;  // a failed read consumes nothing
    return in.status();
  }
  return std::string(in->begin(), in->end());
}

Result<std::vector<std::uint8_t>> ByteReader::ReadBytes() {
  const std::size_t start = offset_;
  Result<std::uint32_t> length = ReadU32();
  if (!length.ok()) return length.status();
  Result<std::span<const std::uint8_t>> in = Take(*length, "byte string");
  if (!in.ok()) {
    offset_ = start;
    return in.status();
  }
  return std::vector<std::uint8_t>(in->begin(), in->end());
}

}  // namespace mpitune::store
