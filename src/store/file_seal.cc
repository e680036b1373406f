#include "store/file_seal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "base/byte_codec.h"
#include "base/posix_file.h"
#include "store/crc32.h"

namespace mpitune::store {
namespace {

constexpr std::array<std::uint8_t, 8> kSealMagic = {'M', 'P', 'T', 'S', 'E', 'A', 'L', '\0'};
constexpr std::array<std::uint8_t, 8> kHdf5Signature = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
constexpr std::uint32_t kSealVersion = 1;
constexpr std::size_t kSealCrcOffset = 28;
constexpr std::size_t kNoteOffset = 32;
constexpr const char* kNote =
    "mpitune study file: an HDF5 file after this 512-byte user block, which holds the length "
    "and CRC-32 of the rest (h5py and h5dump read the file as it is)\n";
static_assert(kNoteOffset + std::char_traits<char>::length(kNote) <= kSealSize);

// Reads of the whole file go in pieces this large: the check costs one pass over the
// file and a bounded buffer, whatever the file's size.
constexpr std::size_t kReadPiece = std::size_t{1} << 20;

std::uint32_t SealCrc(std::span<const std::uint8_t> seal) {
  std::array<std::uint8_t, kSealSize> copy{};
  std::copy(seal.begin(), seal.begin() + kSealSize, copy.begin());
  std::fill_n(copy.begin() + kSealCrcOffset, 4, 0);
  return Crc32(copy);
}

std::uint32_t LoadU32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

std::uint64_t LoadU64(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(LoadU32(p)) | static_cast<std::uint64_t>(LoadU32(p + 4)) << 32;
}

// Fills `out` from `offset`, or says how much the file held there.
Result<std::size_t> ReadAt(int fd, std::span<std::uint8_t> out, std::uint64_t offset, const std::string& path) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t got = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(path, "read", errno);
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

Status Damaged(const std::string& path, const std::string& what) {
  return Status::BadInput(fmt::format("{}: damaged study file ({}); it was not opened", path, what));
}

// The CRC-32 of everything from `offset` to the end, and how many bytes that was.
Status CrcFrom(int fd, std::uint64_t offset, const std::string& path, std::uint32_t& crc, std::uint64_t& length) {
  std::vector<std::uint8_t> piece(kReadPiece);
  crc = 0;
  length = 0;
  for (;;) {
    Result<std::size_t> got = ReadAt(fd, piece, offset + length, path);
    if (!got.ok()) return got.status();
    if (*got == 0) return Status::Ok();
    crc = Crc32(std::span<const std::uint8_t>(piece.data(), *got), crc);
    length += *got;
  }
}

}  // namespace

void SealImage(std::span<std::uint8_t> image) {
  std::fill_n(image.begin(), kSealSize, 0);
  const std::span<const std::uint8_t> rest = image.subspan(kSealSize);
  ByteWriter header;
  for (const std::uint8_t byte : kSealMagic) header.U8(byte);
  header.U32(kSealVersion);
  header.U32(static_cast<std::uint32_t>(kSealSize));
  header.I64(static_cast<std::int64_t>(rest.size()));
  header.U32(Crc32(rest));
  const std::vector<std::uint8_t> bytes = header.Take();
  std::copy(bytes.begin(), bytes.end(), image.begin());
  std::memcpy(image.data() + kNoteOffset, kNote, std::char_traits<char>::length(kNote));
  const std::uint32_t seal_crc = SealCrc(image);
  for (int i = 0; i < 4; ++i) image[kSealCrcOffset + i] = static_cast<std::uint8_t>(seal_crc >> (8 * i));
}

Result<SealState> CheckSeal(int fd, const std::string& path) {
  std::array<std::uint8_t, kSealSize> seal{};
  Result<std::size_t> got = ReadAt(fd, seal, 0, path);
  if (!got.ok()) return got.status();
  const auto starts_with = [&](const std::array<std::uint8_t, 8>& magic, std::size_t at) {
    return *got >= at + magic.size() && std::equal(magic.begin(), magic.end(), seal.begin() + at);
  };
  if (starts_with(kHdf5Signature, 0)) return SealState::kUnsealed;
  if (!starts_with(kSealMagic, 0)) {
    // The HDF5 file after a seal is still there: the seal itself was hit.
    std::array<std::uint8_t, 8> after{};
    Result<std::size_t> more = ReadAt(fd, after, kSealSize, path);
    if (more.ok() && *more == after.size() && after == kHdf5Signature) return Damaged(path, "its seal is damaged");
    return Status::BadInput(fmt::format("{}: not an HDF5 file (no HDF5 signature at its start)", path));
  }
  if (*got < kSealSize) return Damaged(path, fmt::format("{} bytes, shorter than its seal", *got));
  if (LoadU32(seal.data() + kSealCrcOffset) != SealCrc(seal)) return Damaged(path, "its seal is damaged");
  const std::uint32_t version = LoadU32(seal.data() + 8);
  if (version > kSealVersion) {
    return Status::BadInput(
        fmt::format("{}: sealed by a newer mpitune (seal version {}; this one reads {})", path, version, kSealVersion));
  }
  if (version == 0 || LoadU32(seal.data() + 12) != kSealSize) return Damaged(path, "its seal is damaged");
  const std::uint64_t expected_length = LoadU64(seal.data() + 16);
  const std::uint32_t expected_crc = LoadU32(seal.data() + 24);
  std::uint32_t crc = 0;
  std::uint64_t length = 0;
  MPITUNE_RETURN_IF_ERROR(CrcFrom(fd, kSealSize, path, crc, length));
  if (length != expected_length) {
    return Damaged(path, fmt::format("{} bytes after its seal, {} were written: truncated or appended to", length,
                                     expected_length));
  }
  if (crc != expected_crc) return Damaged(path, "checksum mismatch: changed after mpitune wrote it");
  return SealState::kSealed;
}

Status SealFileInPlace(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus(path, "open", errno);
  Result<std::vector<std::uint8_t>> bytes = ReadAll(fd.get(), path);
  if (!bytes.ok()) return bytes.status();
  if (bytes->size() < kSealSize + kHdf5Signature.size() ||
      !std::equal(kHdf5Signature.begin(), kHdf5Signature.end(), bytes->begin() + kSealSize)) {
    return Status::BadInput(
        fmt::format("{}: no HDF5 file after a {}-byte user block: cannot seal it", path, kSealSize));
  }
  SealImage(*bytes);
  if (::pwrite(fd.get(), bytes->data(), kSealSize, 0) != static_cast<ssize_t>(kSealSize)) {
    return ErrnoStatus(path, "write seal", errno);
  }
  if (::fsync(fd.get()) != 0) return ErrnoStatus(path, "fsync", errno);
  return fd.Close(path);
}

}  // namespace mpitune::store
