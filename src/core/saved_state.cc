#include "mpitune/saved_state.h"

#include <cstring>

#include <fmt/format.h>

namespace mpitune {

template <typename T>
Result<T> SavedState::Get(const std::string& key, const char* type_name) const {
  auto it = fields_.find(key);
  if (it == fields_.end()) return Status::BadInput(fmt::format("scheduler state: missing '{}'", key));
  if (const T* values = std::get_if<T>(&it->second)) return *values;
  return Status::BadInput(fmt::format("scheduler state: '{}' is not {}", key, type_name));
}

template Result<SavedState::Ints> SavedState::Get<SavedState::Ints>(const std::string&, const char*) const;
template Result<SavedState::Doubles> SavedState::Get<SavedState::Doubles>(const std::string&, const char*) const;
template Result<SavedState::Strings> SavedState::Get<SavedState::Strings>(const std::string&, const char*) const;

namespace {
template <typename T>
Result<T> Single(Result<std::vector<T>> values, const std::string& key) {
  if (!values.ok()) return values.status();
  if (values->size() != 1) {
    return Status::BadInput(fmt::format("scheduler state: '{}' holds {} values, expected 1", key, values->size()));
  }
  return std::move((*values)[0]);
}
}  // namespace

Result<std::int64_t> SavedState::GetInt(const std::string& key) const { return Single(GetInts(key), key); }
Result<double> SavedState::GetDouble(const std::string& key) const { return Single(GetDoubles(key), key); }
Result<std::string> SavedState::GetString(const std::string& key) const { return Single(GetStrings(key), key); }

bool SavedState::operator==(const SavedState& other) const {
  if (fields_.size() != other.fields_.size()) return false;
  for (auto a = fields_.begin(), b = other.fields_.begin(); a != fields_.end(); ++a, ++b) {
    if (a->first != b->first || a->second.index() != b->second.index()) return false;
    if (const auto* da = std::get_if<Doubles>(&a->second)) {
      const auto& db = std::get<Doubles>(b->second);
      if (da->size() != db.size()) return false;
      if (!da->empty() && std::memcmp(da->data(), db.data(), da->size() * sizeof(double)) != 0) return false;
    } else if (a->second != b->second) {
      return false;
    }
  }
  return true;
}

}  // namespace mpitune
