// A move-only owner of one HDF5 identifier (hid_t) that closes it with the close call
// of its kind. HDF5 has no generic close, and closing an id with the wrong H5*close
// fails, so the kind is fixed when the handle is made.
#pragma once

#include <hdf5.h>

#include <utility>

namespace mpitune::store {

enum class H5Kind { kFile, kGroup, kDataset, kDataspace, kDatatype, kAttribute, kPropertyList, kObject };

class H5Handle {
 public:
  H5Handle() = default;
  // Takes ownership of `id`; a negative id (a failed HDF5 call) makes an invalid handle.
  H5Handle(hid_t id, H5Kind kind) : id_(id), kind_(kind) {}
  ~H5Handle() { (void)Close(); }

  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  H5Handle(H5Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), kind_(other.kind_) {}
  H5Handle& operator=(H5Handle&& other) noexcept {
    if (this != &other) {
      (void)Close();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      kind_ = other.kind_;
    }
    return *this;
  }

  bool valid() const { return id_ >= 0; }
  hid_t get() const { return id_; }
  H5Kind kind() const { return kind_; }

  // Closes now; returns the H5*close result (negative on failure, 0 when there was
  // nothing to close). The handle is invalid afterwards either way.
  herr_t Close() {
    if (id_ < 0) return 0;
    const hid_t id = std::exchange(id_, H5I_INVALID_HID);
    switch (kind_) {
      case H5Kind::kFile: return H5Fclose(id);
      case H5Kind::kGroup: return H5Gclose(id);
      case H5Kind::kDataset: return H5Dclose(id);
      case H5Kind::kDataspace: return H5Sclose(id);
      case H5Kind::kDatatype: return H5Tclose(id);
      case H5Kind::kAttribute: return H5Aclose(id);
      case H5Kind::kPropertyList: return H5Pclose(id);
      case H5Kind::kObject: return H5Oclose(id);
    }
    return -1;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  H5Kind kind_ = H5Kind::kObject;
};

}  // namespace mpitune::store
