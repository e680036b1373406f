#include "runtime/protocol_wire.h"

#include <bit>
#include <utility>

#include <fmt/format.h>

namespace mpitune::wire {

void Writer::Fixed(std::uint64_t value, int width) {
  for (int i = 0; i < width; ++i) bytes_.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

void Writer::F64(double value) { Fixed(std::bit_cast<std::uint64_t>(value), 8); }

void Writer::String(const std::string& value, std::size_t max_bytes) {
  const std::size_t skip = value.size() > max_bytes ? value.size() - max_bytes : 0;
  U32(static_cast<std::uint32_t>(value.size() - skip));
  bytes_.insert(bytes_.end(), value.begin() + static_cast<std::ptrdiff_t>(skip), value.end());
}

void Writer::F64Array(const std::vector<double>& values) {
  U32(static_cast<std::uint32_t>(values.size()));
  for (double value : values) F64(value);
}

void Writer::Bytes(const std::vector<std::uint8_t>& values) {
  U32(static_cast<std::uint32_t>(values.size()));
  bytes_.insert(bytes_.end(), values.begin(), values.end());
}

void Reader::Fail(std::string error) {
  if (error_.empty()) error_ = std::move(error);
}

bool Reader::Need(const char* field, std::size_t count) {
  if (!ok()) return false;
  if (count > remaining()) {
    Fail(fmt::format("{}: truncated (needs {} bytes, {} left)", field, count, remaining()));
    return false;
  }
  return true;
}

std::uint8_t Reader::U8(const char* field) {
  if (!Need(field, 1)) return 0;
  return bytes_[position_++];
}

std::uint64_t Reader::Fixed(const char* field, int width) {
  if (!Need(field, static_cast<std::size_t>(width))) return 0;
  std::uint64_t value = 0;
  for (int i = 0; i < width; ++i) value |= static_cast<std::uint64_t>(bytes_[position_++]) << (8 * i);
  return value;
}

double Reader::F64(const char* field) { return std::bit_cast<double>(Fixed(field, 8)); }

std::span<const std::uint8_t> Reader::LengthPrefixed(const char* field, std::size_t max_bytes) {
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

std::string Reader::String(const char* field, std::size_t max_bytes) {
  const std::span<const std::uint8_t> bytes = LengthPrefixed(field, max_bytes);
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::vector<double> Reader::F64Array(const char* field, std::size_t max_length) {
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

std::vector<std::uint8_t> Reader::Bytes(const char* field, std::size_t max_bytes) {
  const std::span<const std::uint8_t> bytes = LengthPrefixed(field, max_bytes);
  return std::vector<std::uint8_t>(bytes.begin(), bytes.end());
}

}  // namespace mpitune::wire
