// The study journal: an append-only file of typed records, written between snapshots
// so a crash loses at most the records appended since the last Sync.
//
// Format (all integers little-endian):
//   header  (16 bytes): magic "MPTJRNL\0", u32 format version (1), u32 reserved (0)
//   record  (9 + n bytes): u32 payload length n, u8 type, u32 CRC-32 of type byte and
//                          payload, then the n payload bytes
// A crash can leave the last record incomplete (a torn tail). Readers stop at the
// first record that is incomplete or fails its CRC; the writer cuts such a tail off
// before appending. Because records are only ever appended and synced in order, a bad
// record can only be the tail: anything after it was never acknowledged.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/posix_file.h"
#include "mpitune/status.h"
#include "store/journal_buffer.h"

namespace mpitune::store {

inline constexpr std::array<std::uint8_t, 8> kJournalMagic = {'M', 'P', 'T', 'J', 'R', 'N', 'L', '\0'};
inline constexpr std::uint32_t kJournalVersion = 1;
inline constexpr std::size_t kJournalHeaderSize = 16;
inline constexpr std::size_t kJournalRecordHeaderSize = 9;
// How long a writer waits for another one to let go of the journal: a rank of a job
// killed with kill -9 holds it until it is gone, which can take a moment, and a Slurm
// requeue or a user's retry comes at once.
inline constexpr double kJournalLockWaitSeconds = 30.0;

struct JournalRecord {
  std::uint8_t type = 0;
  std::vector<std::uint8_t> payload;
  bool operator==(const JournalRecord&) const = default;
};

struct JournalContents {
  std::vector<JournalRecord> records;  // every record before the first bad one
  // Bytes of header plus whole valid records: where the next record goes. 0 when there
  // is no complete header (a missing file, or a crash while it was being created).
  std::uint64_t valid_end = 0;
  std::uint64_t file_size = 0;
  bool torn_tail = false;  // bytes after valid_end, which the writer will cut off
  std::string tail_reason;  // why they were not a record, e.g. "checksum mismatch"
};

// Parses journal bytes. `name` (the file) prefixes error messages. A wrong magic or an
// unsupported version is a BadInput error; a damaged tail is not an error.
Result<JournalContents> ParseJournal(std::span<const std::uint8_t> bytes, const std::string& name);

// Reads and parses the journal at `path`. A missing file is an empty journal.
Result<JournalContents> ReadJournal(const std::string& path);

// Appends records to one journal; one writer per file (an exclusive flock is taken
// where the file system supports it). Records are buffered by Append and reach the
// file on Write, and the disk on Sync: callers append a batch and sync once. The
// writer keeps every record since the journal was last emptied (JournalBuffer), so
// that a journal damaged by another process can be written again whole (Rewrite).
class JournalWriter {
 public:
  // Opens `path`, creating it with a header when missing (or when a crash left less
  // than a header). An existing journal is checked and its torn tail, if any, is cut
  // off, so new records follow the last valid one. A file that is not a journal is
  // left untouched and reported. While another process holds the journal's lock, waits
  // for it up to `lock_wait_seconds` (saying so on stderr after a second), then fails.
  static Result<JournalWriter> Open(const std::string& path, double lock_wait_seconds = kJournalLockWaitSeconds);

  JournalWriter(JournalWriter&&) noexcept = default;
  JournalWriter& operator=(JournalWriter&&) noexcept = default;
  // Closes without syncing: what was not synced may be lost, exactly as in a crash.
  ~JournalWriter() = default;

  // Buffers one record. A payload over 4 GiB - 1 bytes cannot be framed: it is dropped
  // and the next Write reports it.
  void Append(std::uint8_t type, std::span<const std::uint8_t> payload);
  // Writes the buffered records to the file. On failure the file is cut back to its
  // last whole record and the buffer is kept, so a later Write can retry.
  Status Write();
  // Write, then fdatasync. After a failed Sync the durable contents are unknown; the
  // caller should stop writing and recover by reading the journal again.
  Status Sync();
  // Drops buffered records and truncates the file to its header (after a snapshot has
  // made every record so far redundant), durably.
  Status Reset();
  // Sync, then close; the writer is unusable afterwards.
  Status Close();

  // Why the journal at path() is no longer what this writer wrote, or "" when it is:
  // it was deleted or replaced by another file, its size is not what was written
  // (truncated, overwritten, appended to), or its header was overwritten. Cheap (an
  // fstat, a stat and a 16-byte read): callers check before each write. A change
  // inside the records that keeps the size is not seen here.
  std::string FindDamage() const;
  // Writes a new journal at path() (which the caller has moved out of the way) with
  // every record since the journal was last emptied, written or not, synced; the
  // writer goes on with it.
  Status Rewrite();
  // Every record since the journal was last emptied (by Reset or Open), written or not.
  const JournalBuffer& records() const { return records_; }

  const std::string& path() const { return path_; }
  // Records this writer has made durable with Sync (Reset does not lower it).
  std::uint64_t records_synced() const { return records_synced_; }
  // What Open found: records already in the file, and whether it cut a torn tail.
  std::uint64_t records_recovered() const { return records_recovered_; }
  bool recovered_torn_tail() const { return recovered_torn_tail_; }
  std::size_t buffered_records() const { return records_.unwritten_records(); }
  // Bytes in the file, buffered records not included.
  std::uint64_t file_size() const { return file_size_; }

 private:
  JournalWriter(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}

  std::string path_;
  UniqueFd fd_;
  JournalBuffer records_;
  std::uint64_t written_records_ = 0;  // in the file, not yet synced
  std::uint64_t records_synced_ = 0;
  std::uint64_t records_recovered_ = 0;
  bool recovered_torn_tail_ = false;
  std::uint64_t file_size_ = 0;
  std::string dropped_;  // why Append dropped a record, reported by the next Write
};

}  // namespace mpitune::store
