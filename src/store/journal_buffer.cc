#include "store/journal_buffer.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <utility>

#include "base/posix_file.h"
#include "store/crc32.h"

namespace mpitune::store {
namespace {

// Records go into chunks this large (a larger record gets a chunk of its own size).
constexpr std::size_t kChunkBytes = std::size_t{4} << 20;
// Chunks kept across Clear for the records to come (up to 64 MiB: what a study
// records between two snapshots is rarely more, so its memory is reused).
constexpr std::size_t kSpareChunks = 16;
constexpr std::size_t kHugePage = std::size_t{2} << 20;

void PutU32(std::uint8_t* out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

}  // namespace

JournalBuffer::Chunk::Chunk(std::size_t capacity) : capacity_(capacity) {
  // Mapped at a huge page boundary (a little more is mapped and the ends given back),
  // so that the kernel can back it with transparent huge pages.
  const std::size_t mapped = capacity + kHugePage;
  void* memory = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw std::bad_alloc();
  auto* start = static_cast<std::uint8_t*>(memory);
  const auto address = reinterpret_cast<std::uintptr_t>(start);
  std::uint8_t* aligned = start + (kHugePage - address % kHugePage) % kHugePage;
  if (aligned > start) ::munmap(start, static_cast<std::size_t>(aligned - start));
  if (std::uint8_t* end = aligned + capacity; end < start + mapped) {
    ::munmap(end, static_cast<std::size_t>(start + mapped - end));
  }
  data_ = aligned;
  (void)::madvise(data_, capacity_, MADV_HUGEPAGE);  // where the system has them
}

void JournalBuffer::Chunk::Populate() {
#ifdef MADV_POPULATE_WRITE
  if (::madvise(data_, capacity_, MADV_POPULATE_WRITE) == 0) return;
#endif
  for (std::size_t offset = 0; offset < capacity_; offset += 4096) data_[offset] = 0;
}

JournalBuffer::Chunk::~Chunk() {
  if (data_ != nullptr) ::munmap(data_, capacity_);
}

JournalBuffer::Chunk::Chunk(Chunk&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

JournalBuffer::Chunk& JournalBuffer::Chunk::operator=(Chunk&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) ::munmap(data_, capacity_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

std::uint32_t JournalRecordCrc(std::uint8_t type, std::span<const std::uint8_t> payload) {
  return Crc32(payload, Crc32(std::span<const std::uint8_t>(&type, 1)));
}

std::uint32_t JournalBuffer::LoadLength(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

JournalBuffer::~JournalBuffer() = default;
JournalBuffer::JournalBuffer() = default;

JournalBuffer::Chunk& JournalBuffer::ChunkWithRoom(std::size_t bytes) {
  if (!chunks_.empty() && chunks_.back().room() >= bytes) return chunks_.back();
  if (bytes > kChunkBytes) {
    chunks_.emplace_back(bytes);
    return chunks_.back();
  }
  if (!spare_.empty()) {
    chunks_.push_back(std::move(spare_.back()));
    spare_.pop_back();
  } else if (next_.valid()) {
    chunks_.push_back(next_.get());
  } else {
    chunks_.emplace_back(kChunkBytes);
  }
  // The chunk after this one is mapped and its pages made on another thread
  // meanwhile: their first touch costs the coordinator's thread nothing, and a stall
  // of the kernel's (compacting memory for a huge page) stalls that thread alone.
  if (spare_.empty() && !next_.valid()) {
    next_ = std::async(std::launch::async, [] {
      Chunk chunk(kChunkBytes);
      chunk.Populate();
      return chunk;
    });
  }
  return chunks_.back();
}

void JournalBuffer::Append(std::uint8_t type, std::span<const std::uint8_t> payload) {
  // Framed straight into the chunk: this is on the coordinator's per-event path.
  Chunk& chunk = ChunkWithRoom(kFrame + payload.size());
  std::uint8_t* out = chunk.end();
  PutU32(out, static_cast<std::uint32_t>(payload.size()));
  out[4] = type;
  PutU32(out + 5, JournalRecordCrc(type, payload));
  if (!payload.empty()) std::memcpy(out + kFrame, payload.data(), payload.size());
  chunk.Grow(kFrame + payload.size());
  ++records_;
  bytes_ += kFrame + payload.size();
}

void JournalBuffer::AddWritten(std::span<const std::uint8_t> framed, std::size_t records) {
  if (framed.empty()) return;
  Chunk& chunk = ChunkWithRoom(framed.size());
  std::memcpy(chunk.end(), framed.data(), framed.size());
  chunk.Grow(framed.size());
  records_ += records;
  bytes_ += framed.size();
  written_chunk_ = chunks_.size() - 1;
  written_offset_ = chunk.size();
  written_records_ = records_;
  written_bytes_ = bytes_;
}

Status JournalBuffer::WriteFrom(std::size_t chunk, std::size_t offset, int fd, const std::string& path) const {
  for (; chunk < chunks_.size(); ++chunk, offset = 0) {
    const Chunk& bytes = chunks_[chunk];
    if (offset < bytes.size()) {
      MPITUNE_RETURN_IF_ERROR(
          WriteAll(fd, std::span<const std::uint8_t>(bytes.data() + offset, bytes.size() - offset), path));
    }
  }
  return Status::Ok();
}

Status JournalBuffer::WriteUnwritten(int fd, const std::string& path) {
  if (unwritten_records() == 0) return Status::Ok();
  MPITUNE_RETURN_IF_ERROR(WriteFrom(written_chunk_, written_offset_, fd, path));
  written_chunk_ = chunks_.size() - 1;
  written_offset_ = chunks_.back().size();
  written_records_ = records_;
  written_bytes_ = bytes_;
  return Status::Ok();
}

Status JournalBuffer::WriteEverything(int fd, const std::string& path) {
  written_chunk_ = 0;
  written_offset_ = 0;
  written_records_ = 0;
  written_bytes_ = 0;
  return WriteUnwritten(fd, path);
}

void JournalBuffer::Clear() {
  for (Chunk& chunk : chunks_) {
    if (spare_.size() >= kSpareChunks) break;
    if (chunk.capacity() != kChunkBytes) continue;  // one record's (or a recovered journal's) own
    chunk.Clear();
    spare_.push_back(std::move(chunk));
  }
  chunks_.clear();
  records_ = 0;
  bytes_ = 0;
  written_chunk_ = 0;
  written_offset_ = 0;
  written_records_ = 0;
  written_bytes_ = 0;
}

}  // namespace mpitune::store
