#include "store/h5_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <optional>
#include <cerrno>
#include <system_error>

#include <fmt/format.h>

#include "base/unique_fd.h"
#include "store/file_seal.h"
#include "store/h5_error.h"
#include "store/h5_path.h"

namespace mpitune::store {

const char* H5TypeName(H5Type type) {
  switch (type) {
    case H5Type::kInt64: return "int64";
    case H5Type::kFloat64: return "float64";
    case H5Type::kString: return "string";
    case H5Type::kBytes: return "bytes";
  }
  return "unknown";
}

namespace {

const char* TypeClassName(H5T_class_t type_class) {
  switch (type_class) {
    case H5T_INTEGER: return "integer";
    case H5T_FLOAT: return "float";
    case H5T_TIME: return "time";
    case H5T_STRING: return "string";
    case H5T_BITFIELD: return "bitfield";
    case H5T_OPAQUE: return "opaque";
    case H5T_COMPOUND: return "compound";
    case H5T_REFERENCE: return "reference";
    case H5T_ENUM: return "enum";
    case H5T_VLEN: return "variable-length sequence";
    case H5T_ARRAY: return "array";
    default: return "unknown type";
  }
}

// The reader an HDF5 datatype maps to. `found` names what the file holds either way,
// for "expected X, found Y" messages.
std::optional<H5Type> Classify(hid_t type, std::string* found) {
  const H5T_class_t type_class = H5Tget_class(type);
  std::optional<H5Type> result;
  if (type_class == H5T_INTEGER) {
    const bool byte = H5Tget_size(type) == 1 && H5Tget_sign(type) == H5T_SGN_NONE;
    result = byte ? H5Type::kBytes : H5Type::kInt64;
  } else if (type_class == H5T_FLOAT) {
    result = H5Type::kFloat64;
  } else if (type_class == H5T_STRING) {
    result = H5Type::kString;
  }
  *found = result ? H5TypeName(*result) : TypeClassName(type_class);
  return result;
}

H5Handle VariableStringType(H5T_cset_t cset) {
  H5Handle type(H5Tcopy(H5T_C_S1), H5Kind::kDatatype);
  if (!type.valid() || H5Tset_size(type.get(), H5T_VARIABLE) < 0 || H5Tset_cset(type.get(), cset) < 0) {
    return H5Handle();
  }
  return type;
}

herr_t ReclaimVariableStrings(hid_t memtype, hid_t space, void* buffer) {
#if H5_VERSION_GE(1, 12, 0)
  return H5Treclaim(memtype, space, H5P_DEFAULT, buffer);
#else
  return H5Dvlen_reclaim(memtype, space, H5P_DEFAULT, buffer);
#endif
}

H5Handle IntermediateGroupsLinkList() {
  H5Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Kind::kPropertyList);
  if (lcpl.valid() && H5Pset_create_intermediate_group(lcpl.get(), 1) < 0) return H5Handle();
  return lcpl;
}

// HDF5 zeroes a 1 MiB type-conversion buffer (and a background one) for every
// dataset that needs conversion, variable-length strings included: three quarters of
// a small snapshot's time. A buffer sized to the data costs next to nothing.
H5Handle TransferList(std::size_t count) {
  constexpr std::size_t kElementBytes = 16;  // the largest in-memory element: hvl_t / char*
  const std::size_t bytes = std::clamp<std::size_t>(count * kElementBytes, 1024, std::size_t{1} << 20);
  H5Handle list(H5Pcreate(H5P_DATASET_XFER), H5Kind::kPropertyList);
  if (list.valid() && H5Pset_buffer(list.get(), bytes, nullptr, nullptr) < 0) return H5Handle();
  return list;
}

// A dataset or an attribute opened for reading, its type checked: the two read the
// same way except for the final H5Dread / H5Aread.
struct Source {
  H5Handle owner;  // the object holding an attribute; invalid for a dataset
  H5Handle object;
  H5Handle type;
  H5Handle space;
  std::size_t count = 0;
  std::string where;  // "file: object" for messages

  herr_t Read(hid_t memtype, void* buffer) const {
    if (object.kind() == H5Kind::kAttribute) return H5Aread(object.get(), memtype, buffer);
    const H5Handle transfer = TransferList(count);
    return H5Dread(object.get(), memtype, H5S_ALL, H5S_ALL, transfer.valid() ? transfer.get() : H5P_DEFAULT, buffer);
  }
};

template <typename T>
Result<std::vector<T>> ReadNumbers(const Source& source, hid_t memtype) {
  std::vector<T> values(source.count);
  if (!values.empty() && source.Read(memtype, values.data()) < 0) {
    return Status::Io(H5Message(source.where, "", "cannot read"));
  }
  return values;
}

Result<std::vector<std::string>> ReadStringValues(const Source& source) {
  const hid_t file_type = source.type.get();
  const htri_t variable = H5Tis_variable_str(file_type);
  const H5T_cset_t cset = H5Tget_cset(file_type);
  if (variable < 0 || cset < 0) return Status::Io(H5Message(source.where, "", "cannot inspect string type"));
  std::vector<std::string> values;
  values.reserve(source.count);
  if (source.count == 0) return values;
  if (variable > 0) {
    H5Handle memtype = VariableStringType(cset);
    if (!memtype.valid()) return Status::Internal(H5Message(source.where, "", "cannot make string type"));
    std::vector<char*> pointers(source.count, nullptr);
    const herr_t read = source.Read(memtype.get(), pointers.data());
    if (read >= 0) {
      for (const char* p : pointers) values.emplace_back(p != nullptr ? p : "");
    }
    // Null entries are fine to reclaim, so this also cleans up after a failed read.
    (void)ReclaimVariableStrings(memtype.get(), source.space.get(), pointers.data());
    if (read < 0) return Status::Io(H5Message(source.where, "", "cannot read"));
    return values;
  }
  // Fixed-length strings (numpy "S" arrays written by h5py, for instance).
  const std::size_t size = H5Tget_size(file_type);
  const H5T_str_t pad = H5Tget_strpad(file_type);
  H5Handle memtype(H5Tcopy(H5T_C_S1), H5Kind::kDatatype);
  if (size == 0 || !memtype.valid() || H5Tset_size(memtype.get(), size) < 0 ||
      H5Tset_strpad(memtype.get(), pad) < 0 || H5Tset_cset(memtype.get(), cset) < 0) {
    return Status::Internal(H5Message(source.where, "", "cannot make string type"));
  }
  std::vector<char> buffer(source.count * size);
  if (source.Read(memtype.get(), buffer.data()) < 0) return Status::Io(H5Message(source.where, "", "cannot read"));
  for (std::size_t i = 0; i < source.count; ++i) {
    std::string value(buffer.data() + i * size, size);
    if (pad == H5T_STR_SPACEPAD) {
      value.erase(value.find_last_not_of(' ') + 1);
    } else if (const std::size_t nul = value.find('\0'); nul != std::string::npos) {
      value.resize(nul);
    }
    values.push_back(std::move(value));
  }
  return values;
}

// Checks the type of an opened dataset or attribute and fills in its type, space and
// element count. Datasets must be 1-D, attributes hold exactly one element.
Status Inspect(Source& source, std::optional<H5Type> expected) {
  const bool attribute = source.object.kind() == H5Kind::kAttribute;
  source.type = H5Handle(attribute ? H5Aget_type(source.object.get()) : H5Dget_type(source.object.get()),
                         H5Kind::kDatatype);
  if (!source.type.valid()) return Status::Io(H5Message(source.where, "", "cannot read the type"));
  std::string found;
  const std::optional<H5Type> actual = Classify(source.type.get(), &found);
  if (expected && actual != expected) {
    return Status::BadInput(fmt::format("{}: expected {}, found {}", source.where, H5TypeName(*expected), found));
  }
  if (!actual) return Status::BadInput(fmt::format("{}: unsupported type {}", source.where, found));

  source.space = H5Handle(attribute ? H5Aget_space(source.object.get()) : H5Dget_space(source.object.get()),
                          H5Kind::kDataspace);
  if (!source.space.valid()) return Status::Io(H5Message(source.where, "", "cannot read the shape"));
  const hssize_t points = H5Sget_simple_extent_npoints(source.space.get());
  if (points < 0) return Status::Io(H5Message(source.where, "", "cannot read the shape"));
  if (attribute) {
    if (points != 1) {
      return Status::BadInput(fmt::format("{}: expected a single value, found {} values", source.where, points));
    }
  } else {
    const int rank = H5Sget_simple_extent_ndims(source.space.get());
    if (rank != 1) return Status::BadInput(fmt::format("{}: expected a 1-D dataset, found rank {}", source.where, rank));
  }
  source.count = static_cast<std::size_t>(points);
  return Status::Ok();
}

Status CheckStringsStorable(std::span<const std::string> values, const std::string& where) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i].find('\0') != std::string::npos) {
      return Status::BadInput(fmt::format("{}: string {} contains a NUL byte", where, i));
    }
  }
  return Status::Ok();
}

}  // namespace

// ---- opening ----

namespace {

H5Handle FileAccessList() {
  H5Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Kind::kPropertyList);
  if (!fapl.valid()) return fapl;
  // Strong close: once H5File::Close returns, the file is really closed and can be
  // renamed, even if some object id leaked.
  if (H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG) < 0) return H5Handle();
#if H5_VERSION_GE(1, 10, 7)
  // Lock when the file system can, carry on when it cannot (some parallel file
  // systems refuse flock, and HDF5 would otherwise refuse to open the file).
  if (H5Pset_file_locking(fapl.get(), true, true) < 0) return H5Handle();
#endif
  return fapl;
}

}  // namespace

Result<H5File> H5File::Create(const std::string& path) {
  SilenceHdf5Errors();
  // HDF5's message for a missing directory is a paragraph of driver flags.
  const std::size_t slash = path.rfind('/');
  const std::string directory = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  struct stat info {};
  if (::stat(directory.c_str(), &info) != 0) {
    const int error = errno;
    return Status::Io(fmt::format("{}: cannot create HDF5 file: {}: {}", path, directory,
                                  std::generic_category().message(error)));
  }
  H5Handle fapl = FileAccessList();
  if (!fapl.valid()) return Status::Internal(H5Message(path, "", "cannot set up file access"));
  H5Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Kind::kFile);
  if (!file.valid()) return Status::Io(H5Message(path, "", "cannot create HDF5 file"));
  return H5File(path, std::move(file), true);
}

Result<H5File> H5File::CreateInMemory(const std::string& name, std::size_t user_block) {
  SilenceHdf5Errors();
  // The image grows in steps this large (realloc of a large block moves no bytes).
  constexpr std::size_t kGrowBy = std::size_t{4} << 20;
  H5Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Kind::kPropertyList);
  H5Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Kind::kPropertyList);
  if (!fcpl.valid() || !fapl.valid() || (user_block > 0 && H5Pset_userblock(fcpl.get(), user_block) < 0) ||
      H5Pset_fapl_core(fapl.get(), kGrowBy, /*backing_store=*/false) < 0 ||
      H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG) < 0) {
    return Status::Internal(H5Message(name, "", "cannot set up an in-memory HDF5 file"));
  }
  H5Handle file(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Kind::kFile);
  if (!file.valid()) return Status::Internal(H5Message(name, "", "cannot create an in-memory HDF5 file"));
  return H5File(name, std::move(file), true);
}

namespace {

bool SameFileAndContents(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

// Opens `path` with HDF5 once the file behind `checked` passed its seal check; gives
// an invalid handle when HDF5 opened another file (a writer renamed a new snapshot
// over `path` in between, or changed it in place), which the caller checks again.
Result<H5Handle> OpenChecked(const std::string& path, const struct stat& checked, hid_t fapl) {
  H5Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl), H5Kind::kFile);
  if (!file.valid()) return Status::BadInput(H5Message(path, "", "not a readable HDF5 file"));
  void* handle = nullptr;
  struct stat opened {};
  if (H5Fget_vfd_handle(file.get(), fapl, &handle) < 0 || handle == nullptr ||
      ::fstat(*static_cast<int*>(handle), &opened) != 0) {
    return Status::Internal(H5Message(path, "", "cannot inspect the opened file"));
  }
  if (!SameFileAndContents(checked, opened)) return H5Handle();
  return file;
}

}  // namespace

Result<H5File> H5File::OpenReadOnly(const std::string& path) {
  SilenceHdf5Errors();
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    // HDF5's own message for a missing file is several lines of driver detail.
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
      const int error = errno;
      return Status::BadInput(fmt::format("{}: {}", path, std::generic_category().message(error)));
    }
    if (!S_ISREG(info.st_mode)) return Status::BadInput(fmt::format("{}: not a regular file", path));
    // Non-blocking: should a FIFO take the file's place after the stat, open must not wait.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fd.valid() || ::fstat(fd.get(), &info) != 0) {
      const int error = errno;
      return Status::BadInput(fmt::format("{}: {}", path, std::generic_category().message(error)));
    }
    if (!S_ISREG(info.st_mode)) return Status::BadInput(fmt::format("{}: not a regular file", path));
    if (info.st_size == 0) return Status::BadInput(fmt::format("{}: not an HDF5 file (empty)", path));
    Result<SealState> seal = CheckSeal(fd.get(), path);
    if (!seal.ok()) return seal.status();
    H5Handle fapl = FileAccessList();
    if (!fapl.valid()) return Status::Internal(H5Message(path, "", "cannot set up file access"));
    Result<H5Handle> file = OpenChecked(path, info, fapl.get());
    if (!file.ok()) return file.status();
    if (file->valid()) return H5File(path, std::move(*file), false);
    if (attempt == kAttempts) {
      return Status::Io(fmt::format("{}: the file kept changing while it was being opened", path));
    }
  }
}

// ---- writing ----

namespace {

Status CheckWritable(const H5File& file, const H5Handle& handle, const std::string& object) {
  if (!handle.valid()) return Status::Internal(fmt::format("{}: {}: file is closed", file.path(), object));
  if (!file.writable()) return Status::Internal(fmt::format("{}: {}: file is open read-only", file.path(), object));
  return Status::Ok();
}

// HDF5's own error for a path through a dataset is "message type not found".
Status CheckParentsAreGroups(const H5File& file, const std::string& path) {
  for (std::size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    const std::string parent = path.substr(0, slash);
    if (!file.Exists(parent)) return Status::Ok();
    Result<H5ObjectKind> kind = file.ObjectKind(parent);
    if (!kind.ok()) return kind.status();
    if (*kind != H5ObjectKind::kGroup) {
      return Status::BadInput(fmt::format("{}: {}: {} is not a group", file.path(), path, parent));
    }
  }
  return Status::Ok();
}

Status WriteDataset(const H5File& file, const H5Handle& handle, const std::string& raw_path, hid_t file_type,
                    hid_t mem_type, std::size_t count, const void* data) {
  MPITUNE_RETURN_IF_ERROR(CheckWritable(file, handle, raw_path));
  Result<std::string> path = NormalizeH5Path(raw_path);
  if (!path.ok()) return path.status().WithContext(file.path());
  if (file.Exists(*path)) return Status::BadInput(fmt::format("{}: {}: already exists", file.path(), *path));
  MPITUNE_RETURN_IF_ERROR(CheckParentsAreGroups(file, *path));
  const std::array<hsize_t, 1> dims{count};
  H5Handle space(H5Screate_simple(1, dims.data(), nullptr), H5Kind::kDataspace);
  H5Handle lcpl = IntermediateGroupsLinkList();
  if (!space.valid() || !lcpl.valid()) return Status::Internal(H5Message(file.path(), *path, "cannot set up dataset"));
  H5Handle dataset(H5Dcreate2(handle.get(), path->c_str(), file_type, space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
                   H5Kind::kDataset);
  if (!dataset.valid()) return Status::Io(H5Message(file.path(), *path, "cannot create dataset"));
  // An empty array has nothing to write (and HDF5 1.10 rejects a null buffer).
  const H5Handle transfer = TransferList(count);
  if (count > 0 && H5Dwrite(dataset.get(), mem_type, H5S_ALL, H5S_ALL,
                            transfer.valid() ? transfer.get() : H5P_DEFAULT, data) < 0) {
    return Status::Io(H5Message(file.path(), *path, "cannot write dataset"));
  }
  if (dataset.Close() < 0) return Status::Io(H5Message(file.path(), *path, "cannot close dataset"));
  return Status::Ok();
}

}  // namespace

Status H5File::CreateGroup(const std::string& raw_path) {
  MPITUNE_RETURN_IF_ERROR(CheckWritable(*this, file_, raw_path));
  Result<std::string> path = NormalizeH5Path(raw_path);
  if (!path.ok()) return path.status().WithContext(path_);
  if (Exists(*path)) {
    Result<H5ObjectKind> kind = ObjectKind(*path);
    if (!kind.ok()) return kind.status();
    if (*kind != H5ObjectKind::kGroup) return Status::BadInput(fmt::format("{}: {}: exists and is not a group", path_, *path));
    return Status::Ok();
  }
  MPITUNE_RETURN_IF_ERROR(CheckParentsAreGroups(*this, *path));
  H5Handle lcpl = IntermediateGroupsLinkList();
  if (!lcpl.valid()) return Status::Internal(H5Message(path_, *path, "cannot set up group"));
  H5Handle group(H5Gcreate2(file_.get(), path->c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), H5Kind::kGroup);
  if (!group.valid()) return Status::Io(H5Message(path_, *path, "cannot create group"));
  return Status::Ok();
}

Status H5File::WriteInts(const std::string& path, std::span<const std::int64_t> values) {
  return WriteDataset(*this, file_, path, H5T_STD_I64LE, H5T_NATIVE_INT64, values.size(), values.data());
}

Status H5File::WriteDoubles(const std::string& path, std::span<const double> values) {
  return WriteDataset(*this, file_, path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.size(), values.data());
}

Status H5File::WriteBytes(const std::string& path, std::span<const std::uint8_t> values) {
  return WriteDataset(*this, file_, path, H5T_STD_U8LE, H5T_NATIVE_UINT8, values.size(), values.data());
}

Status H5File::WriteStrings(const std::string& path, std::span<const std::string> values) {
  MPITUNE_RETURN_IF_ERROR(CheckStringsStorable(values, fmt::format("{}: {}", path_, path)));
  H5Handle type = VariableStringType(H5T_CSET_UTF8);
  if (!type.valid()) return Status::Internal(H5Message(path_, path, "cannot make string type"));
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const std::string& value : values) pointers.push_back(value.c_str());
  return WriteDataset(*this, file_, path, type.get(), type.get(), values.size(), pointers.data());
}

// ---- reading ----

namespace {

Result<Source> OpenDataset(const H5File& file, const H5Handle& handle, const std::string& raw_path,
                           std::optional<H5Type> expected) {
  if (!handle.valid()) return Status::Internal(fmt::format("{}: {}: file is closed", file.path(), raw_path));
  Result<std::string> path = NormalizeH5Path(raw_path);
  if (!path.ok()) return path.status().WithContext(file.path());
  Source source;
  source.where = fmt::format("{}: {}", file.path(), *path);
  if (!file.Exists(*path)) return Status::BadInput(fmt::format("{}: no such dataset", source.where));
  source.object = H5Handle(H5Dopen2(handle.get(), path->c_str(), H5P_DEFAULT), H5Kind::kDataset);
  if (!source.object.valid()) return Status::BadInput(H5Message(source.where, "", "cannot open as a dataset"));
  MPITUNE_RETURN_IF_ERROR(Inspect(source, expected));
  return source;
}

Result<Source> OpenAttribute(const H5File& file, const H5Handle& handle, const std::string& raw_object,
                             const std::string& name, std::optional<H5Type> expected) {
  if (!handle.valid()) return Status::Internal(fmt::format("{}: {}: file is closed", file.path(), raw_object));
  Result<std::string> object = NormalizeH5Path(raw_object);
  if (!object.ok()) return object.status().WithContext(file.path());
  Source source;
  source.where = fmt::format("{}: {}: attribute '{}'", file.path(), *object, name);
  if (!file.HasAttribute(*object, name)) return Status::BadInput(fmt::format("{}: not found", source.where));
  source.owner = H5Handle(H5Oopen(handle.get(), object->c_str(), H5P_DEFAULT), H5Kind::kObject);
  if (!source.owner.valid()) return Status::Io(H5Message(source.where, "", "cannot open its object"));
  source.object = H5Handle(H5Aopen(source.owner.get(), name.c_str(), H5P_DEFAULT), H5Kind::kAttribute);
  if (!source.object.valid()) return Status::Io(H5Message(source.where, "", "cannot open"));
  MPITUNE_RETURN_IF_ERROR(Inspect(source, expected));
  return source;
}

}  // namespace

Result<std::vector<std::int64_t>> H5File::ReadInts(const std::string& path) const {
  Result<Source> source = OpenDataset(*this, file_, path, H5Type::kInt64);
  if (!source.ok()) return source.status();
  return ReadNumbers<std::int64_t>(*source, H5T_NATIVE_INT64);
}

Result<std::vector<double>> H5File::ReadDoubles(const std::string& path) const {
  Result<Source> source = OpenDataset(*this, file_, path, H5Type::kFloat64);
  if (!source.ok()) return source.status();
  return ReadNumbers<double>(*source, H5T_NATIVE_DOUBLE);
}

Result<std::vector<std::uint8_t>> H5File::ReadBytes(const std::string& path) const {
  Result<Source> source = OpenDataset(*this, file_, path, H5Type::kBytes);
  if (!source.ok()) return source.status();
  return ReadNumbers<std::uint8_t>(*source, H5T_NATIVE_UINT8);
}

Result<std::vector<std::string>> H5File::ReadStrings(const std::string& path) const {
  Result<Source> source = OpenDataset(*this, file_, path, H5Type::kString);
  if (!source.ok()) return source.status();
  return ReadStringValues(*source);
}

Result<H5Type> H5File::DatasetType(const std::string& path) const {
  Result<Source> source = OpenDataset(*this, file_, path, std::nullopt);
  if (!source.ok()) return source.status();
  std::string found;
  return *Classify(source->type.get(), &found);  // Inspect already refused the rest
}

// ---- attributes ----

namespace {

Status WriteScalarAttribute(const H5File& file, const H5Handle& handle, const std::string& raw_object,
                            const std::string& name, hid_t file_type, hid_t mem_type, const void* data) {
  MPITUNE_RETURN_IF_ERROR(CheckWritable(file, handle, raw_object));
  Result<std::string> object = NormalizeH5Path(raw_object);
  if (!object.ok()) return object.status().WithContext(file.path());
  const std::string where = fmt::format("{}: attribute '{}'", *object, name);
  if (name.empty()) return Status::BadInput(fmt::format("{}: {}: empty attribute name", file.path(), *object));
  if (!file.Exists(*object)) return Status::BadInput(fmt::format("{}: {}: no such object", file.path(), *object));
  H5Handle owner(H5Oopen(handle.get(), object->c_str(), H5P_DEFAULT), H5Kind::kObject);
  if (!owner.valid()) return Status::Io(H5Message(file.path(), where, "cannot open its object"));
  const htri_t exists = H5Aexists(owner.get(), name.c_str());
  if (exists < 0 || (exists > 0 && H5Adelete(owner.get(), name.c_str()) < 0)) {
    return Status::Io(H5Message(file.path(), where, "cannot replace"));
  }
  H5Handle space(H5Screate(H5S_SCALAR), H5Kind::kDataspace);
  if (!space.valid()) return Status::Internal(H5Message(file.path(), where, "cannot set up"));
  H5Handle attribute(H5Acreate2(owner.get(), name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                     H5Kind::kAttribute);
  if (!attribute.valid()) return Status::Io(H5Message(file.path(), where, "cannot create"));
  if (H5Awrite(attribute.get(), mem_type, data) < 0) return Status::Io(H5Message(file.path(), where, "cannot write"));
  if (attribute.Close() < 0) return Status::Io(H5Message(file.path(), where, "cannot close"));
  return Status::Ok();
}

}  // namespace

Status H5File::WriteAttribute(const std::string& object, const std::string& name, const std::string& value) {
  const std::array<std::string, 1> values{value};
  MPITUNE_RETURN_IF_ERROR(CheckStringsStorable(values, fmt::format("{}: {}: attribute '{}'", path_, object, name)));
  H5Handle type = VariableStringType(H5T_CSET_UTF8);
  if (!type.valid()) return Status::Internal(H5Message(path_, object, "cannot make string type"));
  const char* pointer = value.c_str();
  return WriteScalarAttribute(*this, file_, object, name, type.get(), type.get(), &pointer);
}

Status H5File::WriteAttribute(const std::string& object, const std::string& name, std::int64_t value) {
  return WriteScalarAttribute(*this, file_, object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

Status H5File::WriteAttribute(const std::string& object, const std::string& name, double value) {
  return WriteScalarAttribute(*this, file_, object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

Result<std::string> H5File::ReadStringAttribute(const std::string& object, const std::string& name) const {
  Result<Source> source = OpenAttribute(*this, file_, object, name, H5Type::kString);
  if (!source.ok()) return source.status();
  Result<std::vector<std::string>> values = ReadStringValues(*source);
  if (!values.ok()) return values.status();
  return std::move((*values)[0]);
}

Result<std::int64_t> H5File::ReadIntAttribute(const std::string& object, const std::string& name) const {
  Result<Source> source = OpenAttribute(*this, file_, object, name, H5Type::kInt64);
  if (!source.ok()) return source.status();
  Result<std::vector<std::int64_t>> values = ReadNumbers<std::int64_t>(*source, H5T_NATIVE_INT64);
  if (!values.ok()) return values.status();
  return (*values)[0];
}

Result<double> H5File::ReadDoubleAttribute(const std::string& object, const std::string& name) const {
  Result<Source> source = OpenAttribute(*this, file_, object, name, H5Type::kFloat64);
  if (!source.ok()) return source.status();
  Result<std::vector<double>> values = ReadNumbers<double>(*source, H5T_NATIVE_DOUBLE);
  if (!values.ok()) return values.status();
  return (*values)[0];
}

bool H5File::HasAttribute(const std::string& raw_object, const std::string& name) const {
  Result<std::string> object = NormalizeH5Path(raw_object);
  if (!file_.valid() || !object.ok() || name.empty() || !Exists(*object)) return false;
  const htri_t exists = H5Aexists_by_name(file_.get(), object->c_str(), name.c_str(), H5P_DEFAULT);
  (void)TakeHdf5Error();
  return exists > 0;
}

// ---- structure ----

bool H5File::Exists(const std::string& raw_path) const {
  Result<std::string> path = NormalizeH5Path(raw_path);
  if (!file_.valid() || !path.ok()) return false;
  if (*path == "/") return true;
  // H5Lexists fails (rather than answering false) when a parent is missing, so each
  // prefix is checked in turn.
  std::size_t end = 0;
  bool exists = true;
  while (exists && end != std::string::npos) {
    end = path->find('/', end + 1);
    const std::string prefix = path->substr(0, end);
    exists = H5Lexists(file_.get(), prefix.c_str(), H5P_DEFAULT) > 0;
  }
  // A dangling soft link exists as a link but not as an object.
  exists = exists && H5Oexists_by_name(file_.get(), path->c_str(), H5P_DEFAULT) > 0;
  (void)TakeHdf5Error();
  return exists;
}

namespace {

H5ObjectKind KindOf(hid_t object) {
  switch (H5Iget_type(object)) {
    case H5I_GROUP: return H5ObjectKind::kGroup;
    case H5I_DATASET: return H5ObjectKind::kDataset;
    default: return H5ObjectKind::kOther;
  }
}

}  // namespace

Result<H5ObjectKind> H5File::ObjectKind(const std::string& raw_path) const {
  Result<std::string> path = NormalizeH5Path(raw_path);
  if (!path.ok()) return path.status().WithContext(path_);
  if (!Exists(*path)) return Status::BadInput(fmt::format("{}: {}: no such object", path_, *path));
  H5Handle object(H5Oopen(file_.get(), path->c_str(), H5P_DEFAULT), H5Kind::kObject);
  if (!object.valid()) return Status::Io(H5Message(path_, *path, "cannot open"));
  return KindOf(object.get());
}

Result<std::vector<H5Child>> H5File::ListChildren(const std::string& raw_group) const {
  Result<std::string> path = NormalizeH5Path(raw_group);
  if (!path.ok()) return path.status().WithContext(path_);
  Result<H5ObjectKind> kind = ObjectKind(*path);
  if (!kind.ok()) return kind.status();
  if (*kind != H5ObjectKind::kGroup) return Status::BadInput(fmt::format("{}: {}: not a group", path_, *path));
  H5Handle group(H5Gopen2(file_.get(), path->c_str(), H5P_DEFAULT), H5Kind::kGroup);
  if (!group.valid()) return Status::Io(H5Message(path_, *path, "cannot open group"));
  H5G_info_t info{};
  if (H5Gget_info(group.get(), &info) < 0) return Status::Io(H5Message(path_, *path, "cannot list group"));

  std::vector<H5Child> children;
  children.reserve(info.nlinks);
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t length = H5Lget_name_by_idx(group.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (length < 0) return Status::Io(H5Message(path_, *path, "cannot list group"));
    std::string name(static_cast<std::size_t>(length) + 1, '\0');
    if (H5Lget_name_by_idx(group.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(), H5P_DEFAULT) < 0) {
      return Status::Io(H5Message(path_, *path, "cannot list group"));
    }
    name.resize(static_cast<std::size_t>(length));
    H5Child child{name, H5ObjectKind::kOther};
    // Only hard links are followed: a soft or external link may point anywhere.
    H5L_info_t link{};
    if (H5Lget_info(group.get(), name.c_str(), &link, H5P_DEFAULT) < 0) {
      return Status::Io(H5Message(path_, JoinH5Path(*path, name), "cannot inspect link"));
    }
    if (link.type == H5L_TYPE_HARD) {
      H5Handle object(H5Oopen(group.get(), name.c_str(), H5P_DEFAULT), H5Kind::kObject);
      if (!object.valid()) return Status::Io(H5Message(path_, JoinH5Path(*path, name), "cannot open"));
      child.kind = KindOf(object.get());
    }
    children.push_back(std::move(child));
  }
  std::sort(children.begin(), children.end(), [](const H5Child& a, const H5Child& b) { return a.name < b.name; });
  return children;
}

// ---- file ----

Status H5File::Flush() {
  if (!file_.valid()) return Status::Internal(fmt::format("{}: file is closed", path_));
  if (!writable_) return Status::Ok();
  if (H5Fflush(file_.get(), H5F_SCOPE_LOCAL) < 0) return Status::Io(H5Message(path_, "", "cannot flush"));
  return Status::Ok();
}

Result<std::vector<std::uint8_t>> H5File::Image() {
  if (!file_.valid()) return Status::Internal(fmt::format("{}: file is closed", path_));
  if (H5Fflush(file_.get(), H5F_SCOPE_LOCAL) < 0) return Status::Internal(H5Message(path_, "", "cannot flush"));
  hsize_t user_block = 0;
  const H5Handle fcpl(H5Fget_create_plist(file_.get()), H5Kind::kPropertyList);
  if (!fcpl.valid() || H5Pget_userblock(fcpl.get(), &user_block) < 0) {
    return Status::Internal(H5Message(path_, "", "cannot read the user block size"));
  }
  const ssize_t size = H5Fget_file_image(file_.get(), nullptr, 0);
  if (size < 0) return Status::Internal(H5Message(path_, "", "cannot take the file image"));
  // HDF5 1.10 leaves the user block out of the image (it starts at the superblock);
  // a version that puts it in gives it twice here, and the first copy goes.
  const std::size_t offset = static_cast<std::size_t>(user_block);
  std::vector<std::uint8_t> image(offset + static_cast<std::size_t>(size));
  if (H5Fget_file_image(file_.get(), image.data() + offset, static_cast<std::size_t>(size)) != size) {
    return Status::Internal(H5Message(path_, "", "cannot take the file image"));
  }
  static constexpr std::array<std::uint8_t, 4> kSignature = {0x89, 'H', 'D', 'F'};
  const auto signature_at = [&](std::size_t at) {
    return image.size() >= at + kSignature.size() &&
           std::equal(kSignature.begin(), kSignature.end(), image.begin() + at);
  };
  if (offset > 0 && !signature_at(offset) && signature_at(2 * offset)) {
    image.erase(image.begin(), image.begin() + static_cast<std::ptrdiff_t>(offset));
  }
  if (!signature_at(offset)) return Status::Internal(fmt::format("{}: the file image has no HDF5 superblock", path_));
  return image;
}

Status H5File::Close() {
  if (!file_.valid()) return Status::Ok();
  if (file_.Close() < 0) return Status::Io(H5Message(path_, "", "cannot close"));
  return Status::Ok();
}

}  // namespace mpitune::store
