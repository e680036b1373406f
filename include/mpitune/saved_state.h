// The neutral in-memory form of a scheduler's (or sampler's) complete state.
//
// A SavedState is a flat, ordered map from slash-separated keys ("asha/rung/0/trial")
// to typed arrays (int64, float64 or strings). It is what Scheduler::Save writes and
// Scheduler::Load reads; the HDF5 store persists each key as one dataset under
// /scheduler, so the layout is readable with h5dump. Doubles round-trip bit-exactly.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "mpitune/status.h"

namespace mpitune {

class SavedState {
 public:
  using Ints = std::vector<std::int64_t>;
  using Doubles = std::vector<double>;
  using Strings = std::vector<std::string>;
  using Field = std::variant<Ints, Doubles, Strings>;

  void Put(const std::string& key, Ints values) { fields_[key] = std::move(values); }
  void Put(const std::string& key, Doubles values) { fields_[key] = std::move(values); }
  void Put(const std::string& key, Strings values) { fields_[key] = std::move(values); }
  void PutInt(const std::string& key, std::int64_t value) { Put(key, Ints{value}); }
  void PutDouble(const std::string& key, double value) { Put(key, Doubles{value}); }
  void PutString(const std::string& key, std::string value) { Put(key, Strings{std::move(value)}); }

  // Lookups fail with a message naming the key when it is missing or has another type
  // (a state from a corrupt or foreign file must not crash the loader).
  Result<Ints> GetInts(const std::string& key) const { return Get<Ints>(key, "int64"); }
  Result<Doubles> GetDoubles(const std::string& key) const { return Get<Doubles>(key, "float64"); }
  Result<Strings> GetStrings(const std::string& key) const { return Get<Strings>(key, "string"); }
  Result<std::int64_t> GetInt(const std::string& key) const;
  Result<double> GetDouble(const std::string& key) const;
  Result<std::string> GetString(const std::string& key) const;

  bool Has(const std::string& key) const { return fields_.count(key) != 0; }
  const std::map<std::string, Field>& fields() const { return fields_; }
  void Set(const std::string& key, Field field) { fields_[key] = std::move(field); }

  // Bit-exact equality (NaN payloads included): used by round-trip tests.
  bool operator==(const SavedState& other) const;

 private:
  template <typename T>
  Result<T> Get(const std::string& key, const char* type_name) const;

  std::map<std::string, Field> fields_;
};

}  // namespace mpitune
