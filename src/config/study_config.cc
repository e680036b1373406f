// Loads a study's YAML configuration into StudyConfig.
//
// The file format, every key with its default (null or an absent key means "use the
// default"; unknown keys are errors at every level):
//
//   study:
//     name: branin-asha      # required; letters, digits, '_', '.', '-'
//     metric: loss           # name of the reported metric, default "loss"
//     mode: min              # min | max, default min
//     seed: 42               # non-negative integer, default 0
//     storage: branin.h5     # results file, default "<name>.h5"
//   space:                   # required, a non-empty mapping; order is kept
//     x1: {type: uniform, low: -5, high: 10}
//     lr: {type: loguniform, low: 1.0e-5, high: 1.0e-1}   # low > 0
//     layers: {type: int, low: 1, high: 8}                 # integer bounds, inclusive
//     units: {type: int, low: 16, high: 1024, log: true}   # log: default false
//     opt: {type: choice, values: [sgd, adam]}
//     bs: {type: constant, value: 64}
//     act: [relu, tanh]      # shorthand: a sequence is a choice
//     epochs: 10             # shorthand: a scalar is a constant
//     # Choice and constant values are strings, numbers or bools: plain true/false
//     # -> bool, integers -> int64, other numbers -> double, anything else (quoted
//     # scalars included) -> string.
//   scheduler:
//     type: asha             # fifo | sha | asha | hyperband, default asha
//     variant: promotion     # promotion | stopping, default promotion (asha, hyperband)
//     max_trials: 100        # integer >= 1, default 100
//     min_budget: 1          # > 0, default 1
//     max_budget: 81         # >= min_budget, default 81
//     eta: 3                 # >= 2, default 3
//     grace: 0               # integer >= 0, default 0
//     sampler: random        # random | quasi | grid, default random
//     grid_points: 5         # integer >= 2, default 5 (grid sampler)
//   trial:                   # required: exactly one of objective / command
//     objective: branin      # a built-in: branin, hartmann6, curve, sgd
//     command: [python3, train.py, --lr, "{lr}"]
//       # a sequence of strings, or a string split on whitespace. {name} is replaced
//       # by the parameter's value; also {trial_id}, {budget}, {checkpoint_dir},
//       # {restore_from}, {params_json}. A placeholder is '{' + [A-Za-z0-9_.-]+ + '}';
//       # other braces (JSON, "{}") are left alone.
//     shell: false           # run the command through /bin/sh -c, default false
//     timeout: 0             # seconds >= 0, 0 = no limit, default 0
//     metric_regex: ""       # ECMAScript regex with >= 1 capture group; group 1 is
//                            # the metric; default "" (none)
//     report_every: 1        # built-in objectives: report every N budget units, > 0
//     env: {KEY: value}      # extra environment for command trials, default {}
//   resources:
//     gpus_per_trial: 1      # integer >= 0, default 1 (0 = CPU only)
//     devices: [0, 1]        # non-negative distinct integers, default [] (all visible)
//
// Errors are one line: "<source>: <key.path>: <what was expected>, got <value>".
#include "mpitune/study_config.h"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

// GCC 12 with -O2 and -fsanitize reports maybe-uninitialized deep inside libstdc++'s
// regex compiler (a false positive); keep -Werror builds with MPITUNE_SANITIZE working.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "mpitune/objective.h"
#include "mpitune/scheduler.h"
#include "mpitune/space.h"
#include "mpitune/status.h"

namespace mpitune {
namespace {

using KeyList = std::span<const std::string_view>;

constexpr std::array<std::string_view, 5> kTopKeys = {"study", "space", "scheduler", "trial",
                                                      "resources"};
constexpr std::array<std::string_view, 5> kStudyKeys = {"name", "metric", "mode", "seed",
                                                        "storage"};
constexpr std::array<std::string_view, 9> kSchedulerKeys = {
    "type", "variant", "max_trials", "min_budget", "max_budget",
    "eta",  "grace",   "sampler",    "grid_points"};
constexpr std::array<std::string_view, 8> kTrialKeys = {
    "objective", "command", "shell", "timeout", "lost_after", "metric_regex", "report_every", "env"};
constexpr std::array<std::string_view, 2> kResourceKeys = {"gpus_per_trial", "devices"};
// Every key any parameter type accepts; each type allows a subset (see ParamKeys).
constexpr std::array<std::string_view, 6> kAllParamKeys = {"type", "low",    "high",
                                                           "log",  "values", "value"};
constexpr std::array<std::string_view, 5> kBuiltinPlaceholders = {
    "trial_id", "budget", "checkpoint_dir", "restore_from", "params_json"};

constexpr std::size_t kMaxShownScalar = 40;
constexpr std::size_t kMaxSuggestDistance = 2;

// ---------------------------------------------------------------------------
// Small text helpers.

// Optimal string alignment distance: like Levenshtein, but a swap of two adjacent
// characters counts once, the most common typo in key names ("max_trails").
std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// The nearest candidate within kMaxSuggestDistance; ties go to the earlier one.
std::optional<std::string> Suggest(std::string_view word, std::span<const std::string> candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = kMaxSuggestDistance + 1;
  for (const std::string& candidate : candidates) {
    const std::size_t distance = EditDistance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

std::vector<std::string> ToStrings(KeyList keys) { return {keys.begin(), keys.end()}; }

// "a", "a or b", "a, b or c".
std::string JoinOr(std::span<const std::string> words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

// Keeps messages on one line whatever the user's text contains.
std::string Escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Quote(std::string_view text) {
  std::string shown = Escape(text);
  if (shown.size() > kMaxShownScalar) shown = shown.substr(0, kMaxShownScalar) + "...";
  return "'" + shown + "'";
}

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string Index(const std::string& path, std::size_t i) { return fmt::format("{}[{}]", path, i); }

// ---------------------------------------------------------------------------
// YAML 1.2 core-schema scalars. Parsed by hand rather than with yaml-cpp's as<T>()
// so that "1.5" is not silently truncated to an integer and typos are not numbers.

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsPlain(const YAML::Node& node) { return node.Tag() == "?"; }

std::optional<std::int64_t> ParseYamlInteger(std::string_view text) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  const std::string_view digits = !text.empty() && text[0] == '-' ? text.substr(1) : text;
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), IsDigit)) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// [-+]? ( digits [. digits*]? | . digits ) ( [eE] [-+]? digits )?
bool IsDecimalFloat(std::string_view text) {
  std::size_t i = 0;
  std::size_t mantissa_digits = 0;
  while (i < text.size() && IsDigit(text[i])) ++i, ++mantissa_digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && IsDigit(text[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    const std::size_t exponent_start = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == exponent_start) return false;
  }
  return i == text.size();
}

std::optional<double> ParseYamlFloat(std::string_view text) {
  if (text == ".nan" || text == ".NaN" || text == ".NAN")
    return std::numeric_limits<double>::quiet_NaN();
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  double value = 0.0;
  if (text == ".inf" || text == ".Inf" || text == ".INF") {
    value = std::numeric_limits<double>::infinity();
  } else {
    if (!IsDecimalFloat(text)) return std::nullopt;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  }
  return negative ? -value : value;
}

std::optional<bool> ParseYamlBool(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
}

// How a value appears after "got": numbers and bools as written, strings quoted.
std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      const bool literal = ParseYamlFloat(text) || ParseYamlBool(text);
      return IsPlain(node) && literal ? Escape(text) : Quote(text);
    }
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

Status Fail(const std::string& path, std::string_view what) {
  return Status::BadInput(fmt::format("{}: {}", path.empty() ? "document" : path, what));
}

Status Expected(const std::string& path, std::string_view what, const YAML::Node& got) {
  return Fail(path, fmt::format("expected {}, got {}", what, Describe(got)));
}

// ---------------------------------------------------------------------------
// Mappings.

// One YAML mapping whose keys have been checked: distinct scalars, all known.
class MapReader {
 public:
  // A null node reads as an empty mapping, so "scheduler:" alone means defaults.
  static Status Open(const YAML::Node& node, const std::string& path, KeyList known,
                     MapReader* out) {
    out->path_ = path;
    out->entries_.clear();
    if (node.IsNull()) return Status::Ok();
    if (!node.IsMap()) return Expected(path, "a mapping", node);
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) return Fail(path, "keys must be strings");
      const std::string& key = entry.first.Scalar();
      MPITUNE_RETURN_IF_ERROR(CheckKnown(Join(path, key), key, known));
      if (out->Has(key)) return Fail(Join(path, key), "duplicate key");
      out->entries_.emplace_back(key, entry.second);
    }
    return Status::Ok();
  }

  std::string KeyPath(std::string_view key) const { return Join(path_, key); }
  const std::vector<std::pair<std::string, YAML::Node>>& entries() const { return entries_; }

  bool Has(std::string_view key) const {
    return std::any_of(entries_.begin(), entries_.end(),
                       [&](const auto& entry) { return entry.first == key; });
  }

  // The value of `key`; nullopt when it is absent or null, i.e. "use the default".
  std::optional<YAML::Node> Get(std::string_view key) const {
    for (const auto& [name, value] : entries_) {
      if (name == key && !value.IsNull()) return value;
    }
    return std::nullopt;
  }

 private:
  static Status CheckKnown(const std::string& key_path, const std::string& key, KeyList known) {
    if (std::find(known.begin(), known.end(), key) != known.end()) return Status::Ok();
    const std::vector<std::string> names = ToStrings(known);
    if (const auto suggestion = Suggest(key, names)) {
      return Fail(key_path, fmt::format("unknown key (did you mean {}?)", *suggestion));
    }
    return Fail(key_path, fmt::format("unknown key (expected {})", JoinOr(names)));
  }

  std::string path_;
  std::vector<std::pair<std::string, YAML::Node>> entries_;
};

// ---------------------------------------------------------------------------
// Typed values.

Status ReadString(const YAML::Node& node, const std::string& path, std::string* out) {
  if (!node.IsScalar()) return Expected(path, "a string", node);
  *out = node.Scalar();
  return Status::Ok();
}

Status ReadNonEmptyString(const YAML::Node& node, const std::string& path, std::string* out) {
  if (!node.IsScalar() || node.Scalar().empty()) return Expected(path, "a non-empty string", node);
  *out = node.Scalar();
  return Status::Ok();
}

Status ReadBool(const YAML::Node& node, const std::string& path, bool* out) {
  const auto value = node.IsScalar() ? ParseYamlBool(node.Scalar()) : std::nullopt;
  if (!value) return Expected(path, "true or false", node);
  *out = *value;
  return Status::Ok();
}

// A lower bound for a number: `value` itself allowed or not.
struct Bound {
  double value;
  bool inclusive;
  std::string_view name = {};  // the key the bound comes from, if any
};

std::string DescribeBound(const Bound& bound) {
  const char* op = bound.inclusive ? ">=" : ">";
  if (bound.name.empty()) return fmt::format("{} {}", op, bound.value);
  return fmt::format("{} {} ({})", op, bound.name, bound.value);
}

// Accepts quoted numbers too: the key says a number is wanted, so "3" is no riddle.
Status ReadNumber(const YAML::Node& node, const std::string& path, std::optional<Bound> bound,
                  double* out) {
  const std::string what = bound ? "a number " + DescribeBound(*bound) : "a number";
  const auto value = node.IsScalar() ? ParseYamlFloat(node.Scalar()) : std::nullopt;
  if (!value || !std::isfinite(*value)) return Expected(path, what, node);
  if (bound && (bound->inclusive ? *value < bound->value : *value <= bound->value)) {
    return Expected(path, what, node);
  }
  *out = *value;
  return Status::Ok();
}

// Integral floats ("1e3", "100.0") are accepted; "1.5" is not.
std::optional<std::int64_t> ParseIntegral(const std::string& text) {
  if (const auto exact = ParseYamlInteger(text)) return exact;
  const auto value = ParseYamlFloat(text);
  constexpr double kExactLimit = 9007199254740992.0;  // 2^53
  if (!value || std::trunc(*value) != *value || std::fabs(*value) > kExactLimit)
    return std::nullopt;
  return static_cast<std::int64_t>(*value);
}

Status ReadInteger(const YAML::Node& node, const std::string& path, std::int64_t min,
                   std::int64_t max, std::int64_t* out) {
  const auto value = node.IsScalar() ? ParseIntegral(node.Scalar()) : std::nullopt;
  if (!value) return Expected(path, "an integer", node);
  if (*value < min) return Expected(path, fmt::format("an integer >= {}", min), node);
  if (*value > max) return Expected(path, fmt::format("an integer <= {}", max), node);
  *out = *value;
  return Status::Ok();
}

Status ReadInt(const YAML::Node& node, const std::string& path, int min, int* out) {
  std::int64_t value = 0;
  MPITUNE_RETURN_IF_ERROR(ReadInteger(node, path, min, std::numeric_limits<int>::max(), &value));
  *out = static_cast<int>(value);
  return Status::Ok();
}

Status ReadSeed(const YAML::Node& node, const std::string& path, std::uint64_t* out) {
  std::string_view text = node.IsScalar() ? std::string_view(node.Scalar()) : std::string_view();
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  const bool digits_only = !text.empty() && std::all_of(text.begin(), text.end(), IsDigit);
  if (!digits_only || error != std::errc() || end != text.data() + text.size()) {
    return Expected(path, "a non-negative integer", node);
  }
  *out = value;
  return Status::Ok();
}

template <typename T>
struct EnumName {
  std::string_view name;
  T value;
};

template <typename T, std::size_t N>
Status ReadEnum(const YAML::Node& node, const std::string& path,
                const std::array<EnumName<T>, N>& names, T* out) {
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

constexpr std::array<EnumName<MetricMode>, 2> kModes = {
    {{"min", MetricMode::kMin}, {"max", MetricMode::kMax}}};
constexpr std::array<EnumName<SchedulerKind>, 4> kSchedulerKinds = {
    {{"fifo", SchedulerKind::kFifo},
     {"sha", SchedulerKind::kSha},
     {"asha", SchedulerKind::kAsha},
     {"hyperband", SchedulerKind::kHyperband}}};
constexpr std::array<EnumName<AshaVariant>, 2> kVariants = {
    {{"promotion", AshaVariant::kPromotion}, {"stopping", AshaVariant::kStopping}}};
constexpr std::array<EnumName<SamplerKind>, 3> kSamplers = {{{"random", SamplerKind::kRandom},
                                                             {"quasi", SamplerKind::kQuasiRandom},
                                                             {"grid", SamplerKind::kGrid}}};
constexpr std::array<EnumName<ParamType>, 5> kParamTypes = {{{"uniform", ParamType::kUniform},
                                                             {"loguniform", ParamType::kLogUniform},
                                                             {"int", ParamType::kInt},
                                                             {"choice", ParamType::kChoice},
                                                             {"constant", ParamType::kConstant}}};

// ---------------------------------------------------------------------------
// study:

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' || c == '.' ||
         c == '-';
}

Status ParseStudy(const YAML::Node& node, StudyConfig* config) {
  MapReader map;
  MPITUNE_RETURN_IF_ERROR(MapReader::Open(node, "study", kStudyKeys, &map));
  const auto name = map.Get("name");
  if (!name) return Fail(map.KeyPath("name"), "required key is missing");
  const std::string name_what = "a name of letters, digits, '_', '.' or '-'";
  if (!name->IsScalar() || name->Scalar().empty() ||
      !std::all_of(name->Scalar().begin(), name->Scalar().end(), IsNameChar)) {
    return Expected(map.KeyPath("name"), name_what, *name);
  }
  config->name = name->Scalar();
  if (const auto metric = map.Get("metric")) {
    MPITUNE_RETURN_IF_ERROR(ReadNonEmptyString(*metric, map.KeyPath("metric"), &config->metric));
  }
  if (const auto mode = map.Get("mode")) {
    MPITUNE_RETURN_IF_ERROR(ReadEnum(*mode, map.KeyPath("mode"), kModes, &config->mode));
  }
  if (const auto seed = map.Get("seed")) {
    MPITUNE_RETURN_IF_ERROR(ReadSeed(*seed, map.KeyPath("seed"), &config->seed));
  }
  config->storage = config->name + ".h5";
  if (const auto storage = map.Get("storage")) {
    MPITUNE_RETURN_IF_ERROR(ReadNonEmptyString(*storage, map.KeyPath("storage"), &config->storage));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// space:

// Plain true/false -> bool, integers -> int64, other numbers -> double, else string.
Status ReadParamValue(const YAML::Node& node, const std::string& path, ParamValue* out) {
  if (!node.IsScalar()) return Expected(path, "a string, number or bool", node);
  const std::string& text = node.Scalar();
  if (!IsPlain(node)) {
    *out = text;
  } else if (const auto flag = ParseYamlBool(text)) {
    *out = *flag;
  } else if (const auto integer = ParseYamlInteger(text)) {
    *out = *integer;
  } else if (const auto number = ParseYamlFloat(text)) {
    *out = *number;
  } else {
    *out = text;
  }
  return Status::Ok();
}

Status ReadChoices(const YAML::Node& node, const std::string& path, ParamSpec* spec) {
  if (!node.IsSequence() || node.size() == 0) {
    return Expected(path, "a non-empty sequence of values", node);
  }
  spec->type = ParamType::kChoice;
  spec->choices.clear();
  for (std::size_t i = 0; i < node.size(); ++i) {
    ParamValue value;
    MPITUNE_RETURN_IF_ERROR(ReadParamValue(node[i], Index(path, i), &value));
    // A repeated value would be sampled twice as often and repeat grid points.
    if (std::find(spec->choices.begin(), spec->choices.end(), value) != spec->choices.end()) {
      return Fail(Index(path, i), fmt::format("duplicate value {}", Describe(node[i])));
    }
    spec->choices.push_back(std::move(value));
  }
  return Status::Ok();
}

KeyList ParamKeys(ParamType type) {
  static constexpr std::array<std::string_view, 3> kRange = {"type", "low", "high"};
  static constexpr std::array<std::string_view, 4> kIntRange = {"type", "low", "high", "log"};
  static constexpr std::array<std::string_view, 2> kChoice = {"type", "values"};
  static constexpr std::array<std::string_view, 2> kConstant = {"type", "value"};
  switch (type) {
    case ParamType::kUniform:
    case ParamType::kLogUniform:
      return kRange;
    case ParamType::kInt:
      return kIntRange;
    case ParamType::kChoice:
      return kChoice;
    case ParamType::kConstant:
      break;
  }
  return kConstant;
}

// low and high of a uniform, loguniform or int parameter.
Status ReadRange(const MapReader& map, ParamSpec* spec) {
  const bool is_int = spec->type == ParamType::kInt;
  const char* type_name = ParamTypeName(spec->type);
  const auto low = map.Get("low");
  const auto high = map.Get("high");
  if (!low) return Fail(map.KeyPath("low"), fmt::format("required for type {}", type_name));
  if (!high) return Fail(map.KeyPath("high"), fmt::format("required for type {}", type_name));
  if (is_int) {
    std::int64_t low_value = 0;
    std::int64_t high_value = 0;
    constexpr std::int64_t kLimit = std::int64_t{1} << 53;  // exact in a double
    MPITUNE_RETURN_IF_ERROR(ReadInteger(*low, map.KeyPath("low"), -kLimit, kLimit, &low_value));
    MPITUNE_RETURN_IF_ERROR(ReadInteger(*high, map.KeyPath("high"), -kLimit, kLimit, &high_value));
    spec->low = static_cast<double>(low_value);
    spec->high = static_cast<double>(high_value);
  } else {
    MPITUNE_RETURN_IF_ERROR(ReadNumber(*low, map.KeyPath("low"), std::nullopt, &spec->low));
    MPITUNE_RETURN_IF_ERROR(ReadNumber(*high, map.KeyPath("high"), std::nullopt, &spec->high));
  }
  if (const auto log = map.Get("log"))
    MPITUNE_RETURN_IF_ERROR(ReadBool(*log, map.KeyPath("log"), &spec->log));
  const bool log_scale = spec->type == ParamType::kLogUniform || spec->log;
  if (log_scale && spec->low <= 0) {
    return Fail(map.KeyPath("low"), fmt::format("must be > 0 for {}{}, got {}", type_name,
                                                is_int ? " with log: true" : "", Describe(*low)));
  }
  if (spec->high <= spec->low) {
    return Fail(map.KeyPath("high"),
                fmt::format("must be > low ({}), got {}", Describe(*low), Describe(*high)));
  }
  return Status::Ok();
}

Status ReadTypedParam(const YAML::Node& node, const std::string& path, ParamSpec* spec) {
  MapReader map;
  MPITUNE_RETURN_IF_ERROR(MapReader::Open(node, path, kAllParamKeys, &map));
  const auto type = map.Get("type");
  if (!type) {
    std::vector<std::string> spellings;
    for (const auto& entry : kParamTypes) spellings.emplace_back(entry.name);
    return Fail(map.KeyPath("type"), fmt::format("required ({})", JoinOr(spellings)));
  }
  MPITUNE_RETURN_IF_ERROR(ReadEnum(*type, map.KeyPath("type"), kParamTypes, &spec->type));
  const KeyList allowed = ParamKeys(spec->type);
  for (const auto& entry : map.entries()) {
    if (std::find(allowed.begin(), allowed.end(), entry.first) == allowed.end()) {
      return Fail(map.KeyPath(entry.first),
                  fmt::format("not allowed for type {} (expected {})", type->Scalar(),
                              JoinOr(ToStrings(allowed))));
    }
  }
  switch (spec->type) {
    case ParamType::kUniform:
    case ParamType::kLogUniform:
    case ParamType::kInt:
      return ReadRange(map, spec);
    case ParamType::kChoice: {
      const auto values = map.Get("values");
      if (!values) return Fail(map.KeyPath("values"), "required for type choice");
      return ReadChoices(*values, map.KeyPath("values"), spec);
    }
    case ParamType::kConstant:
      break;
  }
  const auto value = map.Get("value");
  if (!value) return Fail(map.KeyPath("value"), "required for type constant");
  spec->choices.resize(1);
  return ReadParamValue(*value, map.KeyPath("value"), &spec->choices[0]);
}

Status ReadParam(const YAML::Node& node, const std::string& path, ParamSpec* spec) {
  if (node.IsMap()) return ReadTypedParam(node, path, spec);
  if (node.IsSequence()) return ReadChoices(node, path, spec);
  if (node.IsScalar()) {
    spec->type = ParamType::kConstant;
    spec->choices.resize(1);
    return ReadParamValue(node, path, &spec->choices[0]);
  }
  return Expected(path, "a parameter mapping, a sequence (choice) or a scalar (constant)", node);
}

Status ParseSpace(const YAML::Node& node, StudyConfig* config) {
  const std::string path = "space";
  if (!node.IsMap() || node.size() == 0) {
    return Expected(path, "a non-empty mapping of parameters", node);
  }
  std::vector<ParamSpec> params;
  std::set<std::string> seen;
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) return Fail(path, "parameter names must be strings");
    ParamSpec spec;
    spec.name = entry.first.Scalar();
    const std::string param_path = Join(path, spec.name);
    if (!seen.insert(spec.name).second) return Fail(param_path, "duplicate parameter");
    MPITUNE_RETURN_IF_ERROR(ReadParam(entry.second, param_path, &spec));
    params.push_back(std::move(spec));
  }
  auto space = SearchSpace::Create(std::move(params));
  if (!space.ok()) return space.status();
  config->space = std::move(space).value();
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// scheduler:

Status ReadBudgets(const MapReader& map, SchedulerOptions* options) {
  const auto min_budget = map.Get("min_budget");
  const auto max_budget = map.Get("max_budget");
  if (min_budget) {
    MPITUNE_RETURN_IF_ERROR(ReadNumber(*min_budget, map.KeyPath("min_budget"), Bound{0.0, false},
                                       &options->min_budget));
  }
  if (max_budget) {
    MPITUNE_RETURN_IF_ERROR(ReadNumber(*max_budget, map.KeyPath("max_budget"),
                                       Bound{options->min_budget, true, "min_budget"},
                                       &options->max_budget));
  } else if (min_budget && options->max_budget < options->min_budget) {
    return Fail(map.KeyPath("min_budget"),
                fmt::format("must be <= max_budget ({}, the default), got {}", options->max_budget,
                            Describe(*min_budget)));
  }
  return Status::Ok();
}

Status ParseScheduler(const YAML::Node& node, SchedulerOptions* options) {
  MapReader map;
  MPITUNE_RETURN_IF_ERROR(MapReader::Open(node, "scheduler", kSchedulerKeys, &map));
  if (const auto type = map.Get("type")) {
    MPITUNE_RETURN_IF_ERROR(ReadEnum(*type, map.KeyPath("type"), kSchedulerKinds, &options->kind));
  }
  if (const auto variant = map.Get("variant")) {
    // fifo and sha have nothing to vary; accepting the key would suggest otherwise.
    if (options->kind != SchedulerKind::kAsha && options->kind != SchedulerKind::kHyperband) {
      return Fail(map.KeyPath("variant"), fmt::format("only applies to asha and hyperband, not {}",
                                                      SchedulerKindName(options->kind)));
    }
    MPITUNE_RETURN_IF_ERROR(
        ReadEnum(*variant, map.KeyPath("variant"), kVariants, &options->variant));
  }
  if (const auto max_trials = map.Get("max_trials")) {
    MPITUNE_RETURN_IF_ERROR(ReadInteger(*max_trials, map.KeyPath("max_trials"), 1,
                                        std::numeric_limits<std::int64_t>::max(),
                                        &options->max_trials));
  }
  MPITUNE_RETURN_IF_ERROR(ReadBudgets(map, options));
  if (const auto eta = map.Get("eta")) {
    MPITUNE_RETURN_IF_ERROR(ReadNumber(*eta, map.KeyPath("eta"), Bound{2.0, true}, &options->eta));
  }
  if (const auto grace = map.Get("grace")) {
    MPITUNE_RETURN_IF_ERROR(ReadInteger(*grace, map.KeyPath("grace"), 0,
                                        std::numeric_limits<std::int64_t>::max(), &options->grace));
  }
  if (const auto sampler = map.Get("sampler")) {
    MPITUNE_RETURN_IF_ERROR(
        ReadEnum(*sampler, map.KeyPath("sampler"), kSamplers, &options->sampler.kind));
  }
  if (const auto grid_points = map.Get("grid_points")) {
    MPITUNE_RETURN_IF_ERROR(
        ReadInt(*grid_points, map.KeyPath("grid_points"), 2, &options->sampler.grid_points));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// trial:

// Every "{name}" in the command must be something the trial runner can fill in.
Status CheckPlaceholders(const std::vector<std::string>& command, const SearchSpace& space,
                         const std::string& path) {
  std::vector<std::string> known = ToStrings(kBuiltinPlaceholders);
  for (const ParamSpec& param : space.params()) known.push_back(param.name);
  for (const std::string& word : command) {
    for (std::size_t open = word.find('{'); open != std::string::npos;
         open = word.find('{', open + 1)) {
      std::size_t close = open + 1;
      while (close < word.size() && IsNameChar(word[close])) ++close;
      if (close == open + 1 || close == word.size() || word[close] != '}') continue;
      const std::string name = word.substr(open + 1, close - open - 1);
      if (std::find(known.begin(), known.end(), name) != known.end()) continue;
      std::string message =
          fmt::format("'{{{}}}' is not a space parameter or a built-in placeholder", name);
      if (const auto suggestion = Suggest(name, known)) {
        message += fmt::format(" (did you mean {{{}}}?)", *suggestion);
      }
      return Fail(path, message);
    }
  }
  return Status::Ok();
}

Status ReadCommand(const YAML::Node& node, const std::string& path, std::vector<std::string>* out) {
  out->clear();
  if (node.IsScalar()) {
    std::istringstream words(node.Scalar());
    for (std::string word; words >> word;) out->push_back(word);
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      std::string word;
      MPITUNE_RETURN_IF_ERROR(ReadString(node[i], Index(path, i), &word));
      out->push_back(std::move(word));
    }
  }
  if (out->empty() || out->front().empty()) {
    return Expected(path, "a non-empty sequence of strings (or a string)", node);
  }
  return Status::Ok();
}

Status ReadMetricRegex(const YAML::Node& node, const std::string& path, std::string* out) {
  MPITUNE_RETURN_IF_ERROR(ReadString(node, path, out));
  if (out->empty()) return Status::Ok();
  try {
    const std::regex regex(*out, std::regex::ECMAScript);
    if (regex.mark_count() < 1) {
      return Fail(path, fmt::format("needs a capture group for the metric, got {}", Quote(*out)));
    }
  } catch (const std::regex_error& error) {
    return Fail(path, fmt::format("invalid regular expression {}: {}", Quote(*out), error.what()));
  }
  return Status::Ok();
}

bool IsEnvName(std::string_view name) {
  if (name.empty() || IsDigit(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_';
  });
}

Status ReadEnv(const YAML::Node& node, const std::string& path,
               std::map<std::string, std::string>* out) {
  if (!node.IsMap()) return Expected(path, "a mapping of variable names to values", node);
  for (const auto& entry : node) {
    if (!entry.first.IsScalar() || !IsEnvName(entry.first.Scalar())) {
      return Expected(path, "variable names of letters, digits and '_'", entry.first);
    }
    const std::string key_path = Join(path, entry.first.Scalar());
    std::string value;
    MPITUNE_RETURN_IF_ERROR(ReadString(entry.second, key_path, &value));
    if (!out->emplace(entry.first.Scalar(), std::move(value)).second) {
      return Fail(key_path, "duplicate key");
    }
  }
  return Status::Ok();
}

Status ReadObjective(const YAML::Node& node, const std::string& path, std::string* out) {
  const std::vector<std::string> names = BuiltinObjectiveNames();
  if (node.IsScalar() && std::find(names.begin(), names.end(), node.Scalar()) != names.end()) {
    *out = node.Scalar();
    return Status::Ok();
  }
  std::string what = fmt::format("a built-in objective ({})", JoinOr(names));
  if (!node.IsScalar()) return Expected(path, what, node);
  Status status = Expected(path, what, node);
  if (const auto suggestion = Suggest(node.Scalar(), names)) {
    return Status::BadInput(fmt::format("{} (did you mean {}?)", status.message(), *suggestion));
  }
  return status;
}

Status ParseTrial(const YAML::Node& node, const SearchSpace& space, TrialSpec* trial) {
  MapReader map;
  MPITUNE_RETURN_IF_ERROR(MapReader::Open(node, "trial", kTrialKeys, &map));
  const auto objective = map.Get("objective");
  const auto command = map.Get("command");
  if (objective.has_value() == command.has_value()) {
    return Fail("trial", "set exactly one of objective or command");
  }
  if (objective)
    MPITUNE_RETURN_IF_ERROR(ReadObjective(*objective, map.KeyPath("objective"), &trial->objective));
  if (command) {
    MPITUNE_RETURN_IF_ERROR(ReadCommand(*command, map.KeyPath("command"), &trial->command));
    MPITUNE_RETURN_IF_ERROR(CheckPlaceholders(trial->command, space, map.KeyPath("command")));
    // A parameter named like a built-in placeholder would make "{budget}" ambiguous.
    for (const ParamSpec& param : space.params()) {
      const auto clash =
          std::find(kBuiltinPlaceholders.begin(), kBuiltinPlaceholders.end(), param.name);
      if (clash != kBuiltinPlaceholders.end()) {
        return Fail(
            Join("space", param.name),
            fmt::format("clashes with the built-in command placeholder {{{}}}", param.name));
      }
    }
  }
  if (const auto shell = map.Get("shell"))
    MPITUNE_RETURN_IF_ERROR(ReadBool(*shell, map.KeyPath("shell"), &trial->shell));
  if (const auto timeout = map.Get("timeout")) {
    MPITUNE_RETURN_IF_ERROR(
        ReadNumber(*timeout, map.KeyPath("timeout"), Bound{0.0, true}, &trial->timeout_seconds));
  }
  if (const auto lost_after = map.Get("lost_after")) {
    MPITUNE_RETURN_IF_ERROR(
        ReadNumber(*lost_after, map.KeyPath("lost_after"), Bound{0.0, true}, &trial->lost_after_seconds));
  }
  if (const auto regex = map.Get("metric_regex")) {
    MPITUNE_RETURN_IF_ERROR(
        ReadMetricRegex(*regex, map.KeyPath("metric_regex"), &trial->metric_regex));
  }
  if (const auto every = map.Get("report_every")) {
    MPITUNE_RETURN_IF_ERROR(
        ReadNumber(*every, map.KeyPath("report_every"), Bound{0.0, false}, &trial->report_every));
  }
  if (const auto env = map.Get("env"))
    MPITUNE_RETURN_IF_ERROR(ReadEnv(*env, map.KeyPath("env"), &trial->env));
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// resources:

Status ReadDevices(const YAML::Node& node, const std::string& path, std::vector<int>* out) {
  if (!node.IsSequence()) return Expected(path, "a sequence of device numbers", node);
  out->clear();
  for (std::size_t i = 0; i < node.size(); ++i) {
    int device = 0;
    MPITUNE_RETURN_IF_ERROR(ReadInt(node[i], Index(path, i), 0, &device));
    if (std::find(out->begin(), out->end(), device) != out->end()) {
      return Fail(Index(path, i), fmt::format("duplicate device {}", device));
    }
    out->push_back(device);
  }
  return Status::Ok();
}

Status ParseResources(const YAML::Node& node, ResourceSpec* resources) {
  MapReader map;
  MPITUNE_RETURN_IF_ERROR(MapReader::Open(node, "resources", kResourceKeys, &map));
  if (const auto gpus = map.Get("gpus_per_trial")) {
    MPITUNE_RETURN_IF_ERROR(
        ReadInt(*gpus, map.KeyPath("gpus_per_trial"), 0, &resources->gpus_per_trial));
  }
  if (const auto devices = map.Get("devices")) {
    MPITUNE_RETURN_IF_ERROR(ReadDevices(*devices, map.KeyPath("devices"), &resources->devices));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// The document.

Status ParseDocument(const YAML::Node& root, StudyConfig* config) {
  if (!root.IsMap()) {
    return Expected("", "a mapping with study, space, scheduler, trial and resources", root);
  }
  MapReader map;
  MPITUNE_RETURN_IF_ERROR(MapReader::Open(root, "", kTopKeys, &map));
  const auto study = map.Get("study");
  if (!study) return Fail("study", "required section is missing (it must set name)");
  MPITUNE_RETURN_IF_ERROR(ParseStudy(*study, config));
  const auto space = map.Get("space");
  if (!space) return Fail("space", "required section is missing");
  MPITUNE_RETURN_IF_ERROR(ParseSpace(*space, config));
  if (const auto scheduler = map.Get("scheduler")) {
    MPITUNE_RETURN_IF_ERROR(ParseScheduler(*scheduler, &config->scheduler));
  }
  config->scheduler.mode = config->mode;
  config->scheduler.seed = config->seed;
  MPITUNE_RETURN_IF_ERROR(ValidateSchedulerOptions(config->scheduler));
  const auto trial = map.Get("trial");
  if (!trial)
    return Fail("trial", "required section is missing (set exactly one of objective or command)");
  MPITUNE_RETURN_IF_ERROR(ParseTrial(*trial, config->space, &config->trial));
  if (const auto resources = map.Get("resources")) {
    MPITUNE_RETURN_IF_ERROR(ParseResources(*resources, &config->resources));
  }
  return Status::Ok();
}

Status SyntaxError(const std::string& source, const YAML::Mark& mark, std::string_view what) {
  if (mark.is_null()) return Status::BadInput(fmt::format("{}: invalid YAML: {}", source, what));
  return Status::BadInput(
      fmt::format("{}:{}:{}: invalid YAML: {}", source, mark.line + 1, mark.column + 1, what));
}

// Where each document of a stream starts and whether it is empty, without building
// any nodes.
class DocumentScanner : public YAML::EventHandler {
 public:
  struct Document {
    YAML::Mark start;
    bool empty = true;
  };

  const std::vector<Document>& documents() const { return documents_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    documents_.push_back({mark, true});
    at_root_ = true;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override { at_root_ = false; }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { SawContent(); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {
    SawContent();
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    SawContent();
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    SawContent();
  }
  void OnMapEnd() override {}

 private:
  void SawContent() {
    if (at_root_) documents_.back().empty = false;
    at_root_ = false;
  }

  std::vector<Document> documents_;
  bool at_root_ = false;
};

// Only the first document is used, so any later one with content is a mistake
// (a trailing "---" is not). yaml-cpp 0.7's LoadAll never returns on a stray ','
// at document level (yaml-cpp issue #1040): the parser keeps reporting an empty
// document without consuming the token. Pulling documents one by one and
// requiring progress turns that into a syntax error.
Status CheckOneDocument(const std::string& yaml_text, const std::string& source) {
  std::istringstream stream(yaml_text);
  YAML::Parser parser(stream);
  DocumentScanner scanner;
  while (parser.HandleNextDocument(scanner)) {
    const auto& documents = scanner.documents();
    const std::size_t n = documents.size();
    if (n >= 2 && documents[n - 1].start.pos <= documents[n - 2].start.pos) {
      const YAML::Mark& mark = documents[n - 1].start;
      const auto pos = static_cast<std::size_t>(mark.pos);
      const std::string token = pos < yaml_text.size() ? Quote(yaml_text.substr(pos, 1)) : "input";
      return SyntaxError(source, mark, fmt::format("unexpected {}", token));
    }
  }
  const auto& documents = scanner.documents();
  const auto with_content = std::count_if(documents.begin(), documents.end(),
                                          [](const auto& document) { return !document.empty; });
  if (with_content == 0) {
    return Status::BadInput(
        fmt::format("{}: empty config (expected study, space and trial)", source));
  }
  if (documents.size() > 1 && (with_content > 1 || documents.front().empty)) {
    return Status::BadInput(fmt::format("{}: expected one YAML document, got {}", source,
                                        std::max<std::ptrdiff_t>(with_content, 2)));
  }
  return Status::Ok();
}

Status ParseText(const std::string& yaml_text, const std::string& source, StudyConfig* config) {
  YAML::Node root;
  try {
    MPITUNE_RETURN_IF_ERROR(CheckOneDocument(yaml_text, source));
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& error) {
    return SyntaxError(source, error.mark, error.msg);
  }
  // The readers check node types before converting, so yaml-cpp should not throw;
  // this is the backstop that keeps malformed input from escaping as an exception.
  try {
    return ParseDocument(root, config).WithContext(source);
  } catch (const YAML::Exception& error) {
    return Status::BadInput(fmt::format("{}: invalid config: {}", source, error.msg));
  }
}

}  // namespace

Result<StudyConfig> ParseStudyConfig(const std::string& yaml_text, const std::string& source) {
  StudyConfig config;
  config.source = source.empty() ? "<config>" : source;
  config.yaml_text = yaml_text;
  const Status status = ParseText(yaml_text, config.source, &config);
  if (!status.ok()) return Status::BadInput(Escape(status.message()));
  return config;
}

Result<StudyConfig> LoadStudyConfigFile(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return Status::Io(fmt::format("{}: cannot read study config: is a directory", path));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return Status::Io(fmt::format("{}: cannot open study config: {}", path,
                                  std::generic_category().message(errno)));
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return Status::Io(fmt::format("{}: cannot read study config", path));
  return ParseStudyConfig(text.str(), path);
}

}  // namespace mpitune
