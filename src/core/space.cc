#include "mpitune/space.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <unordered_map>
#include <set>

#include <fmt/format.h>

namespace mpitune {

namespace {

// Ints travel as doubles in a Config; beyond 2^53 neighbouring integers collapse.
constexpr double kMaxExactInt = 9007199254740992.0;  // 2^53

bool IsInteger(double x) { return std::isfinite(x) && std::floor(x) == x; }

std::string Num(double x) { return fmt::format("{}", x); }

// Numeric parameters map [0,1) onto [low, high]; clamping guards against the last
// ulp of rounding in exp/log so Contains() holds for every decoded config.
double Clamp(double x, double low, double high) { return std::min(std::max(x, low), high); }

// Largest double below 1: the unit cube is half-open.
constexpr double kBelowOne = 1.0 - 0x1.0p-53;

double ClampUnit(double u) { return Clamp(u, 0.0, kBelowOne); }

double DecodeOne(const ParamSpec& p, double u) {
  switch (p.type) {
    case ParamType::kUniform:
      return Clamp(p.low + u * (p.high - p.low), p.low, p.high);
    case ParamType::kLogUniform: {
      const double lo = std::log(p.low);
      const double hi = std::log(p.high);
      return Clamp(std::exp(lo + u * (hi - lo)), p.low, p.high);
    }
    case ParamType::kInt: {
      if (p.log) {
        // Each integer v owns [v, v+1) on the log axis, so the top value gets a
        // fair share instead of the zero-width point `high`.
        const double lo = std::log(p.low);
        const double hi = std::log(p.high + 1.0);
        return Clamp(std::floor(std::exp(lo + u * (hi - lo))), p.low, p.high);
      }
      const double cells = p.high - p.low + 1.0;
      return Clamp(p.low + std::floor(u * cells), p.low, p.high);
    }
    case ParamType::kChoice: {
      const auto k = static_cast<double>(p.choices.size());
      return Clamp(std::floor(u * k), 0.0, k - 1.0);
    }
    case ParamType::kConstant:
      return 0.0;
  }
  return 0.0;
}

double EncodeOne(const ParamSpec& p, double v) {
  switch (p.type) {
    case ParamType::kUniform:
      return ClampUnit((v - p.low) / (p.high - p.low));
    case ParamType::kLogUniform: {
      const double lo = std::log(p.low);
      const double hi = std::log(p.high);
      return ClampUnit((std::log(v) - lo) / (hi - lo));
    }
    case ParamType::kInt: {
      if (p.log) {
        const double lo = std::log(p.low);
        const double hi = std::log(p.high + 1.0);
        const double centre = 0.5 * (std::log(v) + std::log(v + 1.0));
        return ClampUnit((centre - lo) / (hi - lo));
      }
      const double cells = p.high - p.low + 1.0;
      return ClampUnit((v - p.low + 0.5) / cells);
    }
    case ParamType::kChoice:
      return ClampUnit((v + 0.5) / static_cast<double>(p.choices.size()));
    case ParamType::kConstant:
      return 0.5;
  }
  return 0.0;
}

std::size_t ChoiceIndex(const ParamSpec& p, double v) {
  const double last = static_cast<double>(p.choices.size()) - 1.0;
  return static_cast<std::size_t>(Clamp(std::isfinite(v) ? v : 0.0, 0.0, last));
}

// A value's identity as bytes: its type, then its bits (a double's bit pattern, so
// that NaN equals NaN and 0.0 differs from -0.0 as text does).
std::string IdentityOf(const ParamValue& value) {
  std::string key(1, static_cast<char>(value.index()));
  std::visit(
      [&key](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          key += v;
        } else {
          char bytes[sizeof(T)];
          std::memcpy(bytes, &v, sizeof(T));
          key.append(bytes, sizeof(T));
        }
      },
      value);
  return key;
}

Status CheckFinite(const ParamSpec& p) {
  if (!std::isfinite(p.low)) return Status::BadInput(fmt::format("space.{}.low: must be finite, got {}", p.name, Num(p.low)));
  if (!std::isfinite(p.high)) {
    return Status::BadInput(fmt::format("space.{}.high: must be finite, got {}", p.name, Num(p.high)));
  }
  return Status::Ok();
}

Status CheckOrdered(const ParamSpec& p) {
  if (!(p.low < p.high)) {
    return Status::BadInput(
        fmt::format("space.{}.high: must be > low ({}), got {}", p.name, Num(p.low), Num(p.high)));
  }
  return Status::Ok();
}

Status CheckNoChoices(const ParamSpec& p) {
  if (!p.choices.empty()) {
    return Status::BadInput(
        fmt::format("space.{}.values: only choice and constant take values, not {}", p.name, ParamTypeName(p.type)));
  }
  return Status::Ok();
}

Status CheckNoLog(const ParamSpec& p) {
  if (p.log) {
    return Status::BadInput(fmt::format("space.{}.log: only applies to int, not {}", p.name, ParamTypeName(p.type)));
  }
  return Status::Ok();
}

Status Validate(const ParamSpec& p) {
  switch (p.type) {
    case ParamType::kUniform:
      MPITUNE_RETURN_IF_ERROR(CheckFinite(p));
      MPITUNE_RETURN_IF_ERROR(CheckOrdered(p));
      MPITUNE_RETURN_IF_ERROR(CheckNoLog(p));
      return CheckNoChoices(p);
    case ParamType::kLogUniform:
      MPITUNE_RETURN_IF_ERROR(CheckFinite(p));
      if (!(p.low > 0.0)) {
        return Status::BadInput(fmt::format("space.{}.low: must be > 0 for loguniform, got {}", p.name, Num(p.low)));
      }
      MPITUNE_RETURN_IF_ERROR(CheckOrdered(p));
      // `log` is redundant here but harmless, so it is accepted.
      return CheckNoChoices(p);
    case ParamType::kInt:
      MPITUNE_RETURN_IF_ERROR(CheckFinite(p));
      if (!IsInteger(p.low)) {
        return Status::BadInput(fmt::format("space.{}.low: must be an integer for int, got {}", p.name, Num(p.low)));
      }
      if (!IsInteger(p.high)) {
        return Status::BadInput(fmt::format("space.{}.high: must be an integer for int, got {}", p.name, Num(p.high)));
      }
      if (std::fabs(p.low) > kMaxExactInt) {
        return Status::BadInput(fmt::format("space.{}.low: must be within +-2^53, got {}", p.name, Num(p.low)));
      }
      if (std::fabs(p.high) >= kMaxExactInt) {
        return Status::BadInput(fmt::format("space.{}.high: must be within +-2^53, got {}", p.name, Num(p.high)));
      }
      if (p.log && !(p.low >= 1.0)) {
        return Status::BadInput(fmt::format("space.{}.low: must be >= 1 for log int, got {}", p.name, Num(p.low)));
      }
      MPITUNE_RETURN_IF_ERROR(CheckOrdered(p));
      return CheckNoChoices(p);
    case ParamType::kChoice: {
      MPITUNE_RETURN_IF_ERROR(CheckNoLog(p));
      if (p.choices.empty()) return Status::BadInput(fmt::format("space.{}.values: must not be empty", p.name));
      if (const auto duplicate = FindDuplicateValue(p.choices)) {
        return Status::BadInput(fmt::format("space.{}.values: duplicate value '{}' at positions {} and {}", p.name,
                                            FormatParamValue(p.choices[duplicate->second]), duplicate->first,
                                            duplicate->second));
      }
      return Status::Ok();
    }
    case ParamType::kConstant:
      MPITUNE_RETURN_IF_ERROR(CheckNoLog(p));
      if (p.choices.size() != 1) {
        return Status::BadInput(
            fmt::format("space.{}.values: constant needs exactly one value, got {}", p.name, p.choices.size()));
      }
      return Status::Ok();
  }
  return Status::BadInput(fmt::format("space.{}.type: unknown type {}", p.name, static_cast<int>(p.type)));
}

// FNV-1a, 64-bit: simple, stable across platforms and releases, good enough to
// tell two spaces apart (this is a fingerprint, not a security measure).
class Fnv1a {
 public:
  void Bytes(const void* data, std::size_t n) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) {
      hash_ ^= bytes[i];
      hash_ *= 0x100000001b3ULL;
    }
  }
  void U64(std::uint64_t x) {
    // Fixed little-endian order so the fingerprint does not depend on the host.
    unsigned char bytes[8];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(x >> (8 * i));
    Bytes(bytes, 8);
  }
  void Double(double x) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &x, sizeof(bits));
    U64(bits);
  }
  // Length-prefixed so ("ab","c") and ("a","bc") differ.
  void String(const std::string& s) {
    U64(s.size());
    Bytes(s.data(), s.size());
  }
  std::uint64_t value() const { return hash_; }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace

std::optional<std::pair<std::size_t, std::size_t>> FindDuplicateValue(const std::vector<ParamValue>& values) {
  std::unordered_map<std::string, std::size_t> first;
  first.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto [it, inserted] = first.emplace(IdentityOf(values[i]), i);
    if (!inserted) return std::make_pair(it->second, i);
  }
  return std::nullopt;
}

const char* ParamTypeName(ParamType type) {
  switch (type) {
    case ParamType::kUniform: return "uniform";
    case ParamType::kLogUniform: return "loguniform";
    case ParamType::kInt: return "int";
    case ParamType::kChoice: return "choice";
    case ParamType::kConstant: return "constant";
  }
  return "unknown";
}

std::string FormatParamValue(const ParamValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else {
          // fmt's default float format is the shortest string that parses back to
          // the same double, so values survive a trip through a command line.
          return fmt::format("{}", v);
        }
      },
      value);
}

Result<SearchSpace> SearchSpace::Create(std::vector<ParamSpec> params) {
  if (params.empty()) return Status::BadInput("space: must define at least one parameter");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const ParamSpec& p = params[i];
    if (p.name.empty()) return Status::BadInput(fmt::format("space: parameter {} has an empty name", i + 1));
    if (!seen.insert(p.name).second) return Status::BadInput(fmt::format("space: duplicate parameter '{}'", p.name));
    MPITUNE_RETURN_IF_ERROR(Validate(p));
  }
  return SearchSpace(std::move(params));
}

std::optional<std::size_t> SearchSpace::Find(const std::string& name) const {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    if (params_[i].name == name) return i;
  }
  return std::nullopt;
}

Config SearchSpace::Decode(std::span<const double> unit) const {
  assert(unit.size() == params_.size());
  Config config;
  config.values.reserve(params_.size());
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const double u = i < unit.size() && std::isfinite(unit[i]) ? ClampUnit(unit[i]) : 0.0;
    config.values.push_back(DecodeOne(params_[i], u));
  }
  return config;
}

std::vector<double> SearchSpace::Encode(const Config& config) const {
  assert(config.values.size() == params_.size());
  std::vector<double> unit;
  unit.reserve(params_.size());
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const double v = i < config.values.size() ? config.values[i] : 0.0;
    const double u = EncodeOne(params_[i], v);
    unit.push_back(std::isfinite(u) ? u : 0.0);
  }
  return unit;
}

ParamValue SearchSpace::Value(const Config& config, std::size_t i) const {
  const ParamSpec& p = params_[i];
  const double v = config.values[i];
  switch (p.type) {
    case ParamType::kUniform:
    case ParamType::kLogUniform:
      return v;
    case ParamType::kInt:
      return static_cast<std::int64_t>(std::isfinite(v) ? v : 0.0);
    case ParamType::kChoice:
      return p.choices[ChoiceIndex(p, v)];
    case ParamType::kConstant:
      return p.choices[0];
  }
  return v;
}

std::optional<double> SearchSpace::Numeric(const Config& config, std::size_t i) const {
  const ParamSpec& p = params_[i];
  if (p.type != ParamType::kChoice && p.type != ParamType::kConstant) return config.values[i];
  const ParamValue value = Value(config, i);
  if (const bool* b = std::get_if<bool>(&value)) return *b ? 1.0 : 0.0;
  if (const auto* n = std::get_if<std::int64_t>(&value)) return static_cast<double>(*n);
  if (const double* d = std::get_if<double>(&value)) return *d;
  return std::nullopt;
}

bool SearchSpace::Contains(const Config& config) const {
  if (config.values.size() != params_.size()) return false;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const ParamSpec& p = params_[i];
    const double v = config.values[i];
    switch (p.type) {
      case ParamType::kUniform:
      case ParamType::kLogUniform:
        if (!(v >= p.low && v <= p.high)) return false;
        break;
      case ParamType::kInt:
        if (!IsInteger(v) || v < p.low || v > p.high) return false;
        break;
      case ParamType::kChoice:
        if (!IsInteger(v) || v < 0.0 || v >= static_cast<double>(p.choices.size())) return false;
        break;
      case ParamType::kConstant:
        if (v != 0.0) return false;
        break;
    }
  }
  return true;
}

Config SearchSpace::Perturb(const Config& config, Rng& rng, const PerturbOptions& options) const {
  assert(config.values.size() == params_.size());
  Config out = config;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const ParamSpec& p = params_[i];
    double& v = out.values[i];
    // Constants draw nothing, so adding one does not shift the other parameters' streams.
    if (p.type == ParamType::kConstant) {
      v = 0.0;
      continue;
    }
    if (rng.Uniform() < options.resample_probability) {
      v = DecodeOne(p, rng.Uniform());
      continue;
    }
    const bool up = rng.Uniform() < 0.5;
    switch (p.type) {
      case ParamType::kUniform:
      case ParamType::kLogUniform:
        v = Clamp(v * (up ? options.factor_up : options.factor_down), p.low, p.high);
        break;
      case ParamType::kInt: {
        const double scaled = v * (up ? options.factor_up : options.factor_down);
        const double target = Clamp(std::round(scaled), p.low, p.high);
        if (target != v) {
          v = target;
          break;
        }
        // Small ints would otherwise never move (round(3 * 1.2) == 3), nor would
        // one sitting at a bound: step by one in the factor's direction (by `up`
        // when v == 0), reflected at the ends like a choice.
        const double step = scaled > v ? 1.0 : scaled < v ? -1.0 : (up ? 1.0 : -1.0);
        if (v + step >= p.low && v + step <= p.high) {
          v += step;
        } else if (v - step >= p.low && v - step <= p.high) {
          v -= step;
        }
        break;
      }
      case ParamType::kChoice: {
        const auto k = static_cast<std::int64_t>(p.choices.size());
        const auto index = static_cast<std::int64_t>(ChoiceIndex(p, v));
        std::int64_t next = index + (up ? 1 : -1);
        if (next < 0 || next >= k) next = index - (up ? 1 : -1);  // reflect at the ends
        if (next < 0 || next >= k) next = index;                   // a single option
        v = static_cast<double>(next);
        break;
      }
      case ParamType::kConstant:
        break;
    }
  }
  return out;
}

std::uint64_t SearchSpace::Hash() const {
  Fnv1a h;
  h.U64(params_.size());
  for (const ParamSpec& p : params_) {
    h.String(p.name);
    h.U64(static_cast<std::uint64_t>(p.type));
    // Only the fields a type uses: a leftover default in an unused field must not
    // make an unchanged space look different.
    switch (p.type) {
      case ParamType::kUniform:
      case ParamType::kLogUniform:
        h.Double(p.low);
        h.Double(p.high);
        break;
      case ParamType::kInt:
        h.Double(p.low);
        h.Double(p.high);
        h.U64(p.log ? 1 : 0);
        break;
      case ParamType::kChoice:
      case ParamType::kConstant:
        h.U64(p.choices.size());
        for (const ParamValue& c : p.choices) {
          // The alternative too: the string "1" and the number 1 format alike.
          h.U64(c.index());
          h.String(FormatParamValue(c));
        }
        break;
    }
  }
  return h.value();
}

}  // namespace mpitune
