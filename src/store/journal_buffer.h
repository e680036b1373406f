// The records of a journal writer, kept in memory from the moment they are appended
// until the journal is emptied: framed exactly as in the file (journal.h), in chunks
// that are never moved, so growing costs no copy and no stall.
//
// Why keep what was written: the journal on disk is the writer's only other copy of
// the events since the last snapshot, and another process can truncate, overwrite or
// replace it while the study runs. With its own copy the writer builds the next
// snapshot without reading the file back, and after such damage writes a whole
// journal again, so no acknowledged record is lost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <future>
#include <span>
#include <string>
#include <vector>

#include "mpitune/status.h"

namespace mpitune::store {

// The CRC-32 a record carries: of its type byte and payload.
std::uint32_t JournalRecordCrc(std::uint8_t type, std::span<const std::uint8_t> payload);

class JournalBuffer {
 public:
  JournalBuffer();
  ~JournalBuffer();  // waits for a chunk being prepared
  JournalBuffer(JournalBuffer&&) noexcept = default;
  JournalBuffer& operator=(JournalBuffer&&) noexcept = default;

  // Frames one record (length, type, CRC-32, payload) after the others. The payload
  // must fit the 32-bit length (the writer checks).
  void Append(std::uint8_t type, std::span<const std::uint8_t> payload);
  // Adds records that are already framed and already in the file (what a writer
  // finds in the journal it opens).
  void AddWritten(std::span<const std::uint8_t> framed, std::size_t records);

  // Writes the records not written yet to `fd`. On failure none of them counts as
  // written (the caller cuts the file back to where it was).
  Status WriteUnwritten(int fd, const std::string& path);
  // Writes every record, written or not, to `fd` (a fresh journal after its header).
  Status WriteEverything(int fd, const std::string& path);

  std::size_t records() const { return records_; }
  std::uint64_t bytes() const { return bytes_; }
  std::size_t unwritten_records() const { return records_ - written_records_; }
  std::uint64_t unwritten_bytes() const { return bytes_ - written_bytes_; }

  // Calls `visit(type, payload)` for every record in order; stops at its first error.
  template <typename Visit>
  Status ForEach(Visit&& visit) const {
    for (const Chunk& chunk : chunks_) {
      for (std::size_t offset = 0; offset < chunk.size();) {
        const std::uint8_t* record = chunk.data() + offset;
        const std::uint32_t length = LoadLength(record);
        MPITUNE_RETURN_IF_ERROR(visit(record[4], std::span<const std::uint8_t>(record + kFrame, length)));
        offset += kFrame + length;
      }
    }
    return Status::Ok();
  }

  // Drops every record; a few chunks are kept for the records to come.
  void Clear();

 private:
  // Memory for records, in transparent huge pages where the system has them, its
  // pages made before records go in (Populate, on another thread): a page fault per
  // 4 KiB of records, on the coordinator's per-event path, cost a tenth of the
  // store's time per event (measured: 128 MiB of records took 68 ms in 4 KiB faults,
  // 42 ms mapped at once, 13 ms in 2 MiB pages).
  class Chunk {
   public:
    explicit Chunk(std::size_t capacity);  // throws std::bad_alloc when it cannot map
    ~Chunk();
    Chunk(Chunk&& other) noexcept;
    Chunk& operator=(Chunk&& other) noexcept;
    Chunk(const Chunk&) = delete;
    Chunk& operator=(const Chunk&) = delete;

    const std::uint8_t* data() const { return data_; }
    std::uint8_t* end() { return data_ + size_; }
    std::size_t size() const { return size_; }
    std::size_t room() const { return capacity_ - size_; }
    std::size_t capacity() const { return capacity_; }
    void Grow(std::size_t bytes) { size_ += bytes; }
    void Clear() { size_ = 0; }
    // Makes every page now, so that writing into the chunk takes no page fault.
    void Populate();

   private:
    std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
  };

  static constexpr std::size_t kFrame = 9;  // kJournalRecordHeaderSize
  static std::uint32_t LoadLength(const std::uint8_t* p);
  Chunk& ChunkWithRoom(std::size_t bytes);
  Status WriteFrom(std::size_t chunk, std::size_t offset, int fd, const std::string& path) const;

  std::vector<Chunk> chunks_;
  std::vector<Chunk> spare_;
  std::future<Chunk> next_;  // being prepared on another thread
  std::size_t records_ = 0;
  std::uint64_t bytes_ = 0;
  // What has reached the file: every record before (written_chunk_, written_offset_).
  std::size_t written_chunk_ = 0;
  std::size_t written_offset_ = 0;
  std::size_t written_records_ = 0;
  std::uint64_t written_bytes_ = 0;
};

}  // namespace mpitune::store
