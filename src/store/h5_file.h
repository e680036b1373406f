// An HDF5 file over the C API, reduced to what the study store needs: groups, 1-D
// datasets of four element types, scalar attributes, and listing.
//
// Paths are absolute or relative to the root ("trials/state" == "/trials/state"); a
// path may not have empty or "." components. Every failure is a Status whose one-line
// message names the file and the object, e.g.
//   "study.h5: /trials/state: expected float64, found string".
// HDF5's own error printing is turned off for the whole process the first time a file
// is opened: errors come back as Status, never as a stack dump on stderr.
//
// Layout on disk, chosen so h5dump and h5py read it without help: int64 is
// H5T_STD_I64LE, float64 H5T_IEEE_F64LE, strings variable-length UTF-8, bytes
// H5T_STD_U8LE; every dataset is 1-D and contiguous, empty arrays have extent 0.
//
// Not thread-safe (neither is the serial HDF5 library).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mpitune/status.h"
#include "store/h5_handle.h"

namespace mpitune::store {

// What a dataset holds, as far as the readers are concerned.
enum class H5Type { kInt64, kFloat64, kString, kBytes };
const char* H5TypeName(H5Type type);  // "int64", "float64", "string", "bytes"

enum class H5ObjectKind { kGroup, kDataset, kOther };

struct H5Child {
  std::string name;  // the link name inside its group, no slashes
  H5ObjectKind kind = H5ObjectKind::kOther;
  bool operator==(const H5Child&) const = default;
};

class H5File {
 public:
  // Creates `path`, truncating any file there. Meant for a temporary file that the
  // caller syncs and renames over the real one.
  static Result<H5File> Create(const std::string& path);
  // Creates a file in memory only (HDF5's core driver, no backing store), to be taken
  // whole with Image() and written by the caller: HDF5 then never does file I/O that
  // can fail halfway (on a full disk it was left with a file it could neither write
  // nor close, and its exit handler crashed on it). `name` is for messages; the first
  // `user_block` bytes (0, or a power of 2 >= 512) are left to the caller.
  static Result<H5File> CreateInMemory(const std::string& name, std::size_t user_block);
  // Opens an existing file for reading. The HDF5 library is not safe on damaged
  // input, so the file is first checked against its seal (file_seal.h; one read of the
  // whole file), and HDF5 reads that very file. A missing file, a file that is not
  // HDF5 (text, zero bytes), a damaged or truncated sealed file is a BadInput error
  // naming the file. An unsealed HDF5 file (written before seals) is opened unchecked.
  static Result<H5File> OpenReadOnly(const std::string& path);

  H5File(H5File&&) noexcept = default;
  H5File& operator=(H5File&&) noexcept = default;
  ~H5File() = default;  // closes without reporting errors; call Close() to see them

  const std::string& path() const { return path_; }
  bool writable() const { return writable_; }

  // Creates the group and any missing parents; an existing group is fine.
  Status CreateGroup(const std::string& path);

  // Each creates a new 1-D dataset (parents created as needed); an existing object at
  // `path` is an error. Strings may not contain NUL bytes (HDF5 stores C strings).
  Status WriteInts(const std::string& path, std::span<const std::int64_t> values);
  Status WriteDoubles(const std::string& path, std::span<const double> values);
  Status WriteStrings(const std::string& path, std::span<const std::string> values);
  Status WriteBytes(const std::string& path, std::span<const std::uint8_t> values);

  // Each checks the dataset's type first ("expected float64, found string"). Integer
  // datasets of other widths read as int64 and float32 as float64 (HDF5 converts);
  // fixed-length strings read like variable-length ones.
  Result<std::vector<std::int64_t>> ReadInts(const std::string& path) const;
  Result<std::vector<double>> ReadDoubles(const std::string& path) const;
  Result<std::vector<std::string>> ReadStrings(const std::string& path) const;
  Result<std::vector<std::uint8_t>> ReadBytes(const std::string& path) const;

  // The type a dataset would be read as; an error for types none of the readers take.
  Result<H5Type> DatasetType(const std::string& path) const;

  // Scalar attributes on a group (the root "/" included) or a dataset. Writing
  // replaces an attribute of the same name.
  Status WriteAttribute(const std::string& object, const std::string& name, const std::string& value);
  Status WriteAttribute(const std::string& object, const std::string& name, const char* value) {
    return WriteAttribute(object, name, std::string(value));
  }
  Status WriteAttribute(const std::string& object, const std::string& name, std::int64_t value);
  Status WriteAttribute(const std::string& object, const std::string& name, double value);
  Result<std::string> ReadStringAttribute(const std::string& object, const std::string& name) const;
  Result<std::int64_t> ReadIntAttribute(const std::string& object, const std::string& name) const;
  Result<double> ReadDoubleAttribute(const std::string& object, const std::string& name) const;
  bool HasAttribute(const std::string& object, const std::string& name) const;

  // True when an object exists at `path` ("/" always does). Never an error: a path
  // through a dataset or an invalid path simply does not exist.
  bool Exists(const std::string& path) const;
  Result<H5ObjectKind> ObjectKind(const std::string& path) const;
  // The children of a group, sorted by name.
  Result<std::vector<H5Child>> ListChildren(const std::string& group) const;

  // Pushes HDF5's caches to the operating system (not to disk: the caller fsyncs).
  Status Flush();
  // The whole file as it would lie on disk, user block included (zeros): for a file
  // made by CreateInMemory.
  Result<std::vector<std::uint8_t>> Image();
  // Closes the file and reports a failure; the object is unusable afterwards.
  Status Close();

 private:
  H5File(std::string path, H5Handle file, bool writable)
      : path_(std::move(path)), file_(std::move(file)), writable_(writable) {}

  std::string path_;
  H5Handle file_;
  bool writable_ = false;
};

}  // namespace mpitune::store
