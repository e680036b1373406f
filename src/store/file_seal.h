// The seal of a study file: its length and checksum, kept in the HDF5 user block
// (the first kSealSize bytes, which HDF5, h5py and h5dump skip), so a damaged file is
// refused before the HDF5 library reads a byte of it. The library is not safe on
// hostile input: one flipped bit in a global heap crashes it, a zeroed block makes it
// spin for minutes.
//
// Layout (little-endian):
//   0   8  magic "MPTSEAL\0"
//   8   4  seal version (1)
//   12  4  seal size (512): where the HDF5 file starts
//   16  8  length of the HDF5 part (the file's size minus the seal)
//   24  4  CRC-32 of the HDF5 part
//   28  4  CRC-32 of the whole seal, this field counted as zero
//   32  .. a line of text for whoever looks at the bytes, then zeros
// A file that starts with the HDF5 signature has no seal: one written before seals
// were (format 1, and format 2 before mpitune 0.2), read unverified as before.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "mpitune/status.h"

namespace mpitune::store {

inline constexpr std::size_t kSealSize = 512;

// Fills the first kSealSize bytes of `image` (a whole file image whose HDF5 part,
// made with a user block of kSealSize, follows them) with the seal of the rest.
void SealImage(std::span<std::uint8_t> image);

enum class SealState {
  kSealed,    // the seal is whole and the rest of the file matches it
  kUnsealed,  // an HDF5 file from before seals: nothing to check it against
};

// Reads the whole file through `fd` once and checks it against its seal. A damaged
// seal, a length or checksum that does not match, and a file that is neither sealed
// nor HDF5 are BadInput errors naming `path`; the file is never changed.
Result<SealState> CheckSeal(int fd, const std::string& path);

// Seals the HDF5 file at `path` in place: for a file that was written with a user
// block of kSealSize and changed on purpose afterwards (tests, repairs).
Status SealFileInPlace(const std::string& path);

}  // namespace mpitune::store
