// The search space: named hyperparameters and their distributions.
//
// A Config is one point of the space in its *native* encoding, one double per
// parameter in declaration order:
//   uniform / loguniform -> the value itself
//   int                  -> the integer value (exact up to 2^53)
//   choice               -> the index into the choice list
//   constant             -> 0
// This keeps configs compact (10^6 trials fit easily), exactly serialisable, and
// independent of how samplers see the space (the unit cube, see Decode/Encode).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "mpitune/rng.h"
#include "mpitune/status.h"

namespace mpitune {

enum class ParamType { kUniform, kLogUniform, kInt, kChoice, kConstant };

// A value as the user sees it. Choices may mix strings, numbers and bools.
using ParamValue = std::variant<bool, std::int64_t, double, std::string>;

// "uniform", "loguniform", "int", "choice", "constant".
const char* ParamTypeName(ParamType type);

// The first value of `values` equal to an earlier one, as (earlier, later) positions;
// doubles compare by their bits (NaN equals NaN, 0.0 is not -0.0). Linear time.
std::optional<std::pair<std::size_t, std::size_t>> FindDuplicateValue(const std::vector<ParamValue>& values);
// Formats a value for command lines and tables: 0.001 -> "0.001", true -> "true".
std::string FormatParamValue(const ParamValue& value);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kUniform;
  double low = 0.0;   // uniform, loguniform, int: inclusive lower bound
  double high = 1.0;  // uniform, loguniform: upper bound; int: inclusive upper bound
  bool log = false;   // int only: sample log-uniformly
  std::vector<ParamValue> choices;  // choice: the options; constant: exactly one value
};

struct Config {
  std::vector<double> values;
  bool operator==(const Config& other) const = default;
};

struct PerturbOptions {
  double factor_down = 0.8;
  double factor_up = 1.2;
  double resample_probability = 0.25;
};

class SearchSpace {
 public:
  SearchSpace() = default;

  // Validates every spec: non-empty unique names, low < high, low > 0 for log
  // scales, integer bounds for int, non-empty choices, one value for constant.
  // Messages name the parameter, e.g. "space.lr.low: must be > 0 for loguniform, got 0".
  static Result<SearchSpace> Create(std::vector<ParamSpec> params);

  std::size_t size() const { return params_.size(); }
  bool empty() const { return params_.empty(); }
  const ParamSpec& param(std::size_t i) const { return params_[i]; }
  const std::vector<ParamSpec>& params() const { return params_; }
  std::optional<std::size_t> Find(const std::string& name) const;

  // Maps a point of the unit cube [0,1)^size() to a config. Each coordinate is used
  // by its own parameter only, so quasi-random sequences keep their uniformity.
  Config Decode(std::span<const double> unit) const;
  // The inverse of Decode up to the parameter's resolution (the centre of an int's
  // or choice's cell).
  std::vector<double> Encode(const Config& config) const;

  ParamValue Value(const Config& config, std::size_t i) const;
  std::string Format(const Config& config, std::size_t i) const { return FormatParamValue(Value(config, i)); }
  // The value as a double when numeric (choice of numbers/bools included), else nullopt.
  std::optional<double> Numeric(const Config& config, std::size_t i) const;

  // True when every value lies in its parameter's range (ints integral, indices valid).
  bool Contains(const Config& config) const;

  // PBT explore step: each parameter is resampled with resample_probability, else
  // multiplied by factor_down or factor_up (ints rounded, always moving by at least 1
  // where the range allows), clamped to its range; choices move to a neighbour.
  Config Perturb(const Config& config, Rng& rng, const PerturbOptions& options) const;

  // Stable 64-bit fingerprint of names, types, bounds and choices (FNV-1a); the
  // store uses it to refuse resuming a study whose space changed.
  std::uint64_t Hash() const;

 private:
  explicit SearchSpace(std::vector<ParamSpec> params) : params_(std::move(params)) {}
  std::vector<ParamSpec> params_;
};

}  // namespace mpitune
