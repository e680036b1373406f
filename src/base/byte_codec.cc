#include "base/byte_codec.h"

#include <algorithm>
#include <bit>

#include <fmt/format.h>

namespace mpitune {

void ByteWriter::Fixed(std::uint64_t value, int width) {
  const std::size_t at = bytes_.size();
  bytes_.resize(at + static_cast<std::size_t>(width));
  for (int i = 0; i < width; ++i) bytes_[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value >> (8 * i));
}

void ByteWriter::F64(double value) { Fixed(std::bit_cast<std::uint64_t>(value), 8); }

void ByteWriter::String(std::string_view value, std::size_t max_bytes) {
  const std::size_t kept = std::min({value.size(), max_bytes, kNoLimit});
  U32(static_cast<std::uint32_t>(kept));
  bytes_.insert(bytes_.end(), value.end() - static_cast<std::ptrdiff_t>(kept), value.end());
}

void ByteWriter::Bytes(std::span<const std::uint8_t> value) {
  const std::size_t kept = std::min(value.size(), kNoLimit);
  U32(static_cast<std::uint32_t>(kept));
  bytes_.insert(bytes_.end(), value.begin(), value.begin() + static_cast<std::ptrdiff_t>(kept));
}

void ByteWriter::F64Array(std::span<const double> values) {
  U32(static_cast<std::uint32_t>(values.size()));
  for (double value : values) F64(value);
}

void ByteReader::Fail(std::string error) {
  if (error_.empty()) error_ = std::move(error);
}

Status ByteReader::status(std::string_view where) const {
  if (ok()) return Status::Ok();
  if (where.empty()) return Status::BadInput(error_);
  return Status::BadInput(fmt::format("{}: {}", where, error_));
}

bool ByteReader::Need(const char* field, std::size_t count) {
  if (!ok()) return false;
  if (count > remaining()) {
    Fail(fmt::format("{}: truncated (needs {} bytes at offset {}, {} left)", field, count, position_, remaining()));
    return false;
  }
  return true;
}

std::uint8_t ByteReader::U8(const char* field) {
  if (!Need(field, 1)) return 0;
  return bytes_[position_++];
}

std::uint64_t ByteReader::Fixed(const char* field, int width) {
  if (!Need(field, static_cast<std::size_t>(width))) return 0;
  std::uint64_t value = 0;
  for (int i = 0; i < width; ++i) value |= static_cast<std::uint64_t>(bytes_[position_++]) << (8 * i);
  return value;
}

double ByteReader::F64(const char* field) { return std::bit_cast<double>(Fixed(field, 8)); }

std::span<const std::uint8_t> ByteReader::LengthPrefixed(const char* field, std::size_t max_bytes) {
  const std::uint32_t length = U32(field);
  if (!ok()) return {};
  if (length > max_bytes) {
    Fail(fmt::format("{}: length {} exceeds the limit of {} bytes", field, length, max_bytes));
    return {};
  }
  if (!Need(field, length)) return {};
  const std::span<const std::uint8_t> bytes = bytes_.subspan(position_, length);
  position_ += length;
  return bytes;
}

std::string ByteReader::String(const char* field, std::size_t max_bytes) {
  const std::span<const std::uint8_t> bytes = LengthPrefixed(field, max_bytes);
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::vector<std::uint8_t> ByteReader::Bytes(const char* field, std::size_t max_bytes) {
  const std::span<const std::uint8_t> bytes = LengthPrefixed(field, max_bytes);
  return std::vector<std::uint8_t>(bytes.begin(), bytes.end());
}

std::vector<double> ByteReader::F64Array(const char* field, std::size_t max_length) {
  const std::uint32_t length = U32(field);
  if (!ok()) return {};
  if (length > max_length) {
    Fail(fmt::format("{}: {} values exceed the limit of {}", field, length, max_length));
    return {};
  }
  // Checked before allocating, so a forged count cannot make us reserve memory.
  if (!Need(field, static_cast<std::size_t>(length) * 8)) return {};
  std::vector<double> values(length);
  for (double& value : values) value = F64(field);
  return values;
}

}  // namespace mpitune
