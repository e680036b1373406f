#include "store/journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>
#include <thread>

#include <fmt/format.h>

#include "base/byte_codec.h"

namespace mpitune::store {

namespace {

std::vector<std::uint8_t> JournalHeader() {
  ByteWriter header;
  for (const std::uint8_t byte : kJournalMagic) header.U8(byte);
  header.U32(kJournalVersion);
  header.U32(0);
  return header.Take();
}

Status CheckHeader(std::span<const std::uint8_t> bytes, const std::string& name) {
  if (!std::equal(kJournalMagic.begin(), kJournalMagic.end(), bytes.begin())) {
    return Status::BadInput(fmt::format("{}: not an mpitune journal (bad magic)", name));
  }
  ByteReader reader(bytes.subspan(kJournalMagic.size()));
  const std::uint32_t version = reader.U32("version");  // the caller checked the size
  if (version > kJournalVersion) {
    return Status::BadInput(
        fmt::format("{}: journal format version {} is newer than this build reads ({})", name, version, kJournalVersion));
  }
  if (version == 0) return Status::BadInput(fmt::format("{}: invalid journal format version 0", name));
  return Status::Ok();
}

// Two writers would interleave records: one waits (a bounded time) for the other to
// let go. File systems without flock (ENOLCK, some network mounts) get no protection
// rather than no journal.
Status LockOrWait(int fd, const std::string& path, double wait_seconds) {
  using Clock = std::chrono::steady_clock;
  constexpr auto kSayAfter = std::chrono::seconds(1);
  constexpr auto kPoll = std::chrono::milliseconds(50);
  const Clock::time_point start = Clock::now();
  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wait_seconds));
  bool said = false;
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK) return Status::Ok();
    const Clock::time_point now = Clock::now();
    if (now >= deadline) {
      return Status::Io(
          fmt::format("{}: journal is open in another writer (waited {:g} s for it)", path, wait_seconds));
    }
    if (!said && now - start >= kSayAfter) {
      fmt::print(stderr,
                 "mpitune: {}: another process still holds this journal; waiting up to {:g} s for it to let go\n", path,
                 wait_seconds);
      std::fflush(stderr);
      said = true;
    }
    std::this_thread::sleep_for(kPoll);
  }
}

}  // namespace

Result<JournalContents> ParseJournal(std::span<const std::uint8_t> bytes, const std::string& name) {
  JournalContents contents;
  contents.file_size = bytes.size();
  if (bytes.size() < kJournalHeaderSize) {
    // A crash while the header was being written leaves a prefix of it; anything else
    // this short is some other file.
    const std::vector<std::uint8_t> header = JournalHeader();
    if (!std::equal(bytes.begin(), bytes.end(), header.begin())) {
      return Status::BadInput(fmt::format("{}: not an mpitune journal ({} bytes, bad header)", name, bytes.size()));
    }
    contents.torn_tail = !bytes.empty();
    if (contents.torn_tail) contents.tail_reason = "incomplete header";
    return contents;
  }
  MPITUNE_RETURN_IF_ERROR(CheckHeader(bytes.first(kJournalHeaderSize), name));

  std::size_t offset = kJournalHeaderSize;
  while (offset < bytes.size()) {
    const std::span<const std::uint8_t> rest = bytes.subspan(offset);
    if (rest.size() < kJournalRecordHeaderSize) {
      contents.tail_reason = "incomplete record header";
      break;
    }
    ByteReader reader(rest);
    const std::uint32_t length = reader.U32("length");
    const std::uint8_t type = reader.U8("type");
    const std::uint32_t crc = reader.U32("crc");
    if (length > reader.remaining()) {
      contents.tail_reason = "incomplete record payload";
      break;
    }
    const std::span<const std::uint8_t> payload = rest.subspan(kJournalRecordHeaderSize, length);
    if (JournalRecordCrc(type, payload) != crc) {
      contents.tail_reason = "checksum mismatch";
      break;
    }
    contents.records.push_back(JournalRecord{type, std::vector<std::uint8_t>(payload.begin(), payload.end())});
    offset += kJournalRecordHeaderSize + length;
  }
  contents.valid_end = offset;
  contents.torn_tail = !contents.tail_reason.empty();
  return contents;
}

Result<JournalContents> ReadJournal(const std::string& path) {
  // Non-blocking: a FIFO in the journal's place must not hang a reader in open.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return JournalContents{};
    return ErrnoStatus(path, "open", errno);
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return ErrnoStatus(path, "stat", errno);
  if (!S_ISREG(info.st_mode)) return Status::BadInput(fmt::format("{}: not a regular file", path));
  Result<std::vector<std::uint8_t>> bytes = ReadAll(fd.get(), path);
  if (!bytes.ok()) return bytes.status();
  return ParseJournal(*bytes, path);
}

// ---- writer ----

Result<JournalWriter> JournalWriter::Open(const std::string& path, double lock_wait_seconds) {
  bool created = true;
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid() && errno == EEXIST) {
    created = false;
    fd = UniqueFd(::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC));
  }
  if (!fd.valid()) return ErrnoStatus(path, "open", errno);
  MPITUNE_RETURN_IF_ERROR(LockOrWait(fd.get(), path, lock_wait_seconds));

  Result<std::vector<std::uint8_t>> bytes = ReadAll(fd.get(), path);
  if (!bytes.ok()) return bytes.status();
  Result<JournalContents> contents = ParseJournal(*bytes, path);
  if (!contents.ok()) return contents.status();

  JournalWriter writer(path, std::move(fd));
  writer.records_recovered_ = contents->records.size();
  if (contents->valid_end > kJournalHeaderSize) {
    writer.records_.AddWritten(
        std::span<const std::uint8_t>(*bytes).subspan(kJournalHeaderSize, contents->valid_end - kJournalHeaderSize),
        contents->records.size());
  }
  writer.recovered_torn_tail_ = contents->torn_tail;
  if (contents->valid_end < kJournalHeaderSize) {
    if (::ftruncate(writer.fd_.get(), 0) != 0) return ErrnoStatus(path, "truncate", errno);
    MPITUNE_RETURN_IF_ERROR(WriteAll(writer.fd_.get(), JournalHeader(), path));
    if (::fdatasync(writer.fd_.get()) != 0) return ErrnoStatus(path, "fdatasync", errno);
    if (created) MPITUNE_RETURN_IF_ERROR(SyncParentDirectory(path));
    writer.file_size_ = kJournalHeaderSize;
  } else {
    if (contents->torn_tail) {
      if (::ftruncate(writer.fd_.get(), static_cast<off_t>(contents->valid_end)) != 0) {
        return ErrnoStatus(path, "truncate torn tail", errno);
      }
      if (::fdatasync(writer.fd_.get()) != 0) return ErrnoStatus(path, "fdatasync", errno);
    }
    writer.file_size_ = contents->valid_end;
  }
  return writer;
}

void JournalWriter::Append(std::uint8_t type, std::span<const std::uint8_t> payload) {
  if (payload.size() > std::numeric_limits<std::uint32_t>::max()) {
    if (dropped_.empty()) {
      dropped_ = fmt::format("record of type {} with {} bytes is over the 4 GiB limit", type, payload.size());
    }
    return;
  }
  records_.Append(type, payload);
}

Status JournalWriter::Write() {
  if (!fd_.valid()) return Status::Internal(fmt::format("{}: journal is closed", path_));
  if (!dropped_.empty()) return Status::Internal(fmt::format("{}: {}", path_, std::exchange(dropped_, "")));
  const std::size_t records = records_.unwritten_records();
  const std::uint64_t bytes = records_.unwritten_bytes();
  if (records == 0) return Status::Ok();
  Status written = records_.WriteUnwritten(fd_.get(), path_);
  if (!written.ok()) {
    // A partial record would hide every later one from readers: cut it off.
    (void)::ftruncate(fd_.get(), static_cast<off_t>(file_size_));
    return written;
  }
  file_size_ += bytes;
  written_records_ += records;
  return Status::Ok();
}

Status JournalWriter::Sync() {
  MPITUNE_RETURN_IF_ERROR(Write());
  if (::fdatasync(fd_.get()) != 0) return ErrnoStatus(path_, "fdatasync", errno);
  records_synced_ += written_records_;
  written_records_ = 0;
  return Status::Ok();
}

Status JournalWriter::Reset() {
  if (!fd_.valid()) return Status::Internal(fmt::format("{}: journal is closed", path_));
  records_.Clear();
  written_records_ = 0;
  if (::ftruncate(fd_.get(), static_cast<off_t>(kJournalHeaderSize)) != 0) return ErrnoStatus(path_, "truncate", errno);
  if (::fdatasync(fd_.get()) != 0) return ErrnoStatus(path_, "fdatasync", errno);
  file_size_ = kJournalHeaderSize;
  return Status::Ok();
}

Status JournalWriter::Close() {
  if (!fd_.valid()) return Status::Ok();
  MPITUNE_RETURN_IF_ERROR(Sync());
  return fd_.Close(path_);
}

std::string JournalWriter::FindDamage() const {
  struct stat held {};
  struct stat named {};
  if (::fstat(fd_.get(), &held) != 0) return fmt::format("cannot be inspected ({})", std::strerror(errno));
  if (::stat(path_.c_str(), &named) != 0) {
    return errno == ENOENT ? "was deleted" : fmt::format("cannot be found ({})", std::strerror(errno));
  }
  if (named.st_dev != held.st_dev || named.st_ino != held.st_ino) return "was replaced by another file";
  if (static_cast<std::uint64_t>(held.st_size) != file_size_) {
    return fmt::format("is {} bytes where {} were written: truncated or written by another process", held.st_size,
                       file_size_);
  }
  std::array<std::uint8_t, kJournalHeaderSize> header{};
  if (::pread(fd_.get(), header.data(), header.size(), 0) != static_cast<ssize_t>(header.size()) ||
      !std::equal(header.begin(), header.end(), JournalHeader().begin())) {
    return "had its header overwritten";
  }
  return "";
}

Status JournalWriter::Rewrite() {
  UniqueFd fd(::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) return ErrnoStatus(path_, "create again", errno);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
    return Status::Io(fmt::format("{}: journal is open in another writer", path_));
  }
  const std::size_t unwritten = records_.unwritten_records();
  MPITUNE_RETURN_IF_ERROR(WriteAll(fd.get(), JournalHeader(), path_));
  MPITUNE_RETURN_IF_ERROR(records_.WriteEverything(fd.get(), path_));
  if (::fdatasync(fd.get()) != 0) return ErrnoStatus(path_, "fdatasync", errno);
  MPITUNE_RETURN_IF_ERROR(SyncParentDirectory(path_));
  fd_ = std::move(fd);
  file_size_ = kJournalHeaderSize + records_.bytes();
  records_synced_ += written_records_ + unwritten;
  written_records_ = 0;
  return Status::Ok();
}

}  // namespace mpitune::store
