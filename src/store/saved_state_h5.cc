#include "store/saved_state_h5.h"

#include <fmt/format.h>

#include "store/h5_path.h"

namespace mpitune::store {

namespace {

// Keys map one to one onto paths only in their normal form: "a//b" or "./a" would be
// written under another name than the one read back.
Status CheckKey(const H5File& file, const std::string& group, const std::string& key, const SavedState& state) {
  const std::string where = fmt::format("{}: {}", file.path(), group);
  Result<std::string> normal = NormalizeH5Path(key);
  if (key.empty() || key.starts_with('/') || !normal.ok() || normal->substr(1) != key) {
    return Status::BadInput(fmt::format("{}: key '{}' is not a relative path of non-empty names", where, key));
  }
  for (std::size_t slash = key.find('/'); slash != std::string::npos; slash = key.find('/', slash + 1)) {
    if (state.Has(key.substr(0, slash))) {
      return Status::BadInput(fmt::format("{}: key '{}' is both a value and the parent of '{}'", where,
                                          key.substr(0, slash), key));
    }
  }
  return Status::Ok();
}

// Hard links can make a group its own descendant; a real state is a few levels deep.
constexpr int kMaxDepth = 64;

Status ReadGroup(const H5File& file, const std::string& path, const std::string& prefix, int depth,
                 SavedState& state) {
  if (depth > kMaxDepth) {
    return Status::BadInput(fmt::format("{}: {}: groups nested deeper than {}", file.path(), path, kMaxDepth));
  }
  Result<std::vector<H5Child>> children = file.ListChildren(path);
  if (!children.ok()) return children.status();
  for (const H5Child& child : *children) {
    const std::string child_path = JoinH5Path(path, child.name);
    const std::string key = prefix.empty() ? child.name : prefix + "/" + child.name;
    if (child.kind == H5ObjectKind::kGroup) {
      MPITUNE_RETURN_IF_ERROR(ReadGroup(file, child_path, key, depth + 1, state));
      continue;
    }
    if (child.kind != H5ObjectKind::kDataset) {
      return Status::BadInput(fmt::format("{}: {}: neither a group nor a dataset", file.path(), child_path));
    }
    Result<H5Type> type = file.DatasetType(child_path);
    if (!type.ok()) return type.status();
    switch (*type) {
      case H5Type::kInt64: {
        Result<SavedState::Ints> values = file.ReadInts(child_path);
        if (!values.ok()) return values.status();
        state.Put(key, std::move(*values));
        break;
      }
      case H5Type::kFloat64: {
        Result<SavedState::Doubles> values = file.ReadDoubles(child_path);
        if (!values.ok()) return values.status();
        state.Put(key, std::move(*values));
        break;
      }
      case H5Type::kString: {
        Result<SavedState::Strings> values = file.ReadStrings(child_path);
        if (!values.ok()) return values.status();
        state.Put(key, std::move(*values));
        break;
      }
      case H5Type::kBytes:
        return Status::BadInput(fmt::format("{}: {}: bytes have no place in a saved state", file.path(), child_path));
    }
  }
  return Status::Ok();
}

}  // namespace

Status WriteSavedState(H5File& file, const std::string& group, const SavedState& state) {
  MPITUNE_RETURN_IF_ERROR(file.CreateGroup(group));
  for (const auto& [key, field] : state.fields()) {
    MPITUNE_RETURN_IF_ERROR(CheckKey(file, group, key, state));
    const std::string path = JoinH5Path(group, key);
    if (const auto* ints = std::get_if<SavedState::Ints>(&field)) {
      MPITUNE_RETURN_IF_ERROR(file.WriteInts(path, *ints));
    } else if (const auto* doubles = std::get_if<SavedState::Doubles>(&field)) {
      MPITUNE_RETURN_IF_ERROR(file.WriteDoubles(path, *doubles));
    } else {
      MPITUNE_RETURN_IF_ERROR(file.WriteStrings(path, std::get<SavedState::Strings>(field)));
    }
  }
  return Status::Ok();
}

Result<SavedState> ReadSavedState(const H5File& file, const std::string& group) {
  SavedState state;
  MPITUNE_RETURN_IF_ERROR(ReadGroup(file, group, "", 0, state));
  return state;
}

}  // namespace mpitune::store
