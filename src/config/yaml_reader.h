// General YAML reading for config files: typed scalars parsed by the YAML 1.2 core
// schema (by hand, so that "1.5" is never truncated to an integer and typos are not
// numbers), mappings whose keys are checked (unknown keys get a "did you mean"), and
// one-line errors that name the key path and quote what was found:
//   "<key.path>: expected a number >= 2, got 1"
// The study schema (study_config.cc) is built from these; nothing here knows it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "mpitune/status.h"

namespace mpitune::yaml {

using KeyList = std::span<const std::string_view>;

// Optimal string alignment distance (a swap of two adjacent characters counts once).
std::size_t EditDistance(std::string_view a, std::string_view b);
// The nearest candidate within edit distance 2; ties go to the earlier one.
std::optional<std::string> Suggest(std::string_view word, std::span<const std::string> candidates);
std::vector<std::string> ToStrings(KeyList keys);
// "a", "a or b", "a, b or c".
std::string JoinOr(std::span<const std::string> words);
// Keeps messages on one line whatever the user's text contains.
std::string Escape(std::string_view text);
// 'text', escaped and cut to 40 characters.
std::string Quote(std::string_view text);
// Key paths: Join("space", "lr") = "space.lr", Index("devices", 1) = "devices[1]".
std::string Join(const std::string& path, std::string_view key);
std::string Index(const std::string& path, std::size_t i);

bool IsDigit(char c);
// A plain (unquoted, untagged) scalar: only those can be numbers or bools.
bool IsPlain(const YAML::Node& node);
std::optional<std::int64_t> ParseYamlInteger(std::string_view text);
std::optional<double> ParseYamlFloat(std::string_view text);
std::optional<bool> ParseYamlBool(std::string_view text);
// How a value appears after "got": numbers and bools as written, strings quoted.
std::string Describe(const YAML::Node& node);
// `text` as the plain (unquoted) scalar a config would hold: a value typed on the
// command line, for the readers below.
YAML::Node PlainScalar(const std::string& text);

Status Fail(const std::string& path, std::string_view what);
Status Expected(const std::string& path, std::string_view what, const YAML::Node& got);

// One YAML mapping whose keys have been checked: distinct scalars, all known.
class MapReader {
 public:
  // A null node reads as an empty mapping, so "scheduler:" alone means defaults.
  static Status Open(const YAML::Node& node, const std::string& path, KeyList known, MapReader* out);

  std::string KeyPath(std::string_view key) const { return Join(path_, key); }
  const std::vector<std::pair<std::string, YAML::Node>>& entries() const { return entries_; }
  bool Has(std::string_view key) const;
  // The value of `key`; nullopt when it is absent or null, i.e. "use the default".
  std::optional<YAML::Node> Get(std::string_view key) const;

 private:
  static Status CheckKnown(const std::string& key_path, const std::string& key, KeyList known);

  std::string path_;
  std::vector<std::pair<std::string, YAML::Node>> entries_;
};

Status ReadString(const YAML::Node& node, const std::string& path, std::string* out);
Status ReadNonEmptyString(const YAML::Node& node, const std::string& path, std::string* out);
Status ReadBool(const YAML::Node& node, const std::string& path, bool* out);

// A lower bound for a number: `value` itself allowed or not.
struct Bound {
  double value;
  bool inclusive;
  std::string_view name = {};  // the key the bound comes from, if any
};
std::string DescribeBound(const Bound& bound);

// A finite number (quoted numbers too: the key says a number is wanted).
Status ReadNumber(const YAML::Node& node, const std::string& path, std::optional<Bound> bound, double* out);
// Integral floats ("1e3", "100.0") are accepted; "1.5" is not.
std::optional<std::int64_t> ParseIntegral(const std::string& text);
Status ReadInteger(const YAML::Node& node, const std::string& path, std::int64_t min, std::int64_t max,
                   std::int64_t* out);
Status ReadInt(const YAML::Node& node, const std::string& path, int min, int* out);
// A non-negative integer over the whole uint64 range.
Status ReadUnsigned(const YAML::Node& node, const std::string& path, std::uint64_t* out);

// A duration > 0 in seconds: a number of seconds, or parts with units s, m, h, d
// ("90s", "45m", "2h", "1h30m", "1.5h"); at most a year.
std::optional<double> ParseDuration(std::string_view text);
Status ReadDuration(const YAML::Node& node, const std::string& path, double* out);

template <typename T>
struct EnumName {
  std::string_view name;
  T value;
};

template <typename T, std::size_t N>
Status ReadEnum(const YAML::Node& node, const std::string& path, const std::array<EnumName<T>, N>& names, T* out) {
  std::vector<std::string> spellings;
  for (const auto& entry : names) {
    if (node.IsScalar() && node.Scalar() == entry.name) {
      *out = entry.value;
      return Status::Ok();
    }
    spellings.emplace_back(entry.name);
  }
  Status status = Expected(path, JoinOr(spellings), node);
  if (!node.IsScalar()) return status;
  if (const auto suggestion = Suggest(node.Scalar(), spellings)) {
    return Status::BadInput(fmt::format("{} (did you mean {}?)", status.message(), *suggestion));
  }
  return status;
}

// "<source>:<line>:<column>: invalid YAML: <what>".
Status SyntaxError(const std::string& source, const YAML::Mark& mark, std::string_view what);
// Only the first document of a stream is used, so a later one with content is a
// mistake (a trailing "---" is not); an empty stream is refused too.
Status CheckOneDocument(const std::string& yaml_text, const std::string& source);

}  // namespace mpitune::yaml
