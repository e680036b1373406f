#include "mpitune/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/sampler_index.h"
#include "core/tpe_sampler.h"

namespace mpitune {

namespace {

class RandomSampler final : public Sampler {
 public:
  explicit RandomSampler(const SearchSpace& space) : space_(space) {}

  std::optional<Config> Next(Rng& rng) override {
    std::vector<double> unit(space_.size());
    for (double& u : unit) u = rng.Uniform();
    ++drawn_;
    return space_.Decode(unit);
  }

  // The randomness lives in the study's Rng, saved by its owner; the count is kept
  // for inspection and for symmetry with the other samplers.
  void Save(SavedState& state, const std::string& prefix) const override {
    SaveSamplerIndex(state, prefix, SamplerKind::kRandom, drawn_);
  }
  Status Load(const SavedState& state, const std::string& prefix) override {
    return LoadSamplerIndex(state, prefix, SamplerKind::kRandom, 0, std::nullopt, drawn_);
  }

 private:
  SearchSpace space_;
  std::int64_t drawn_ = 0;
};

std::vector<std::uint64_t> FirstPrimes(std::size_t count) {
  std::vector<std::uint64_t> primes;
  for (std::uint64_t n = 2; primes.size() < count; ++n) {
    bool prime = true;
    for (std::uint64_t p : primes) {
      if (p * p > n) break;
      if (n % p == 0) {
        prime = false;
        break;
      }
    }
    if (prime) primes.push_back(n);
  }
  return primes;
}

// Scrambled Halton: plain Halton points in neighbouring large prime bases are
// strongly correlated (they line up along diagonals), a random digit permutation
// per dimension breaks that while keeping each dimension's stratification.
class QuasiRandomSampler final : public Sampler {
 public:
  QuasiRandomSampler(const SearchSpace& space, std::uint64_t seed) : space_(space) {
    const std::vector<std::uint64_t> primes = FirstPrimes(space.size());
    bases_ = primes;
    perms_.resize(primes.size());
    for (std::size_t d = 0; d < primes.size(); ++d) {
      Rng rng(Rng::Mix(seed, d));
      std::vector<std::uint64_t>& perm = perms_[d];
      perm.resize(primes[d]);
      for (std::uint64_t i = 0; i < perm.size(); ++i) perm[i] = i;
      // Digit 0 stays 0: the infinitely many leading zeros of every index must
      // contribute nothing, or the radical inverse would not stay below 1.
      for (std::uint64_t i = perm.size() - 1; i > 1; --i) {
        const std::uint64_t j = 1 + rng.Below(i);  // uniform in [1, i]
        std::swap(perm[i], perm[j]);
      }
    }
  }

  std::optional<Config> Next(Rng& /*rng*/) override {
    std::vector<double> unit(space_.size());
    for (std::size_t d = 0; d < unit.size(); ++d) unit[d] = RadicalInverse(d, static_cast<std::uint64_t>(index_));
    ++index_;
    return space_.Decode(unit);
  }

  void Save(SavedState& state, const std::string& prefix) const override {
    SaveSamplerIndex(state, prefix, SamplerKind::kQuasiRandom, index_);
  }
  Status Load(const SavedState& state, const std::string& prefix) override {
    return LoadSamplerIndex(state, prefix, SamplerKind::kQuasiRandom, 1, std::nullopt, index_);
  }

 private:
  double RadicalInverse(std::size_t d, std::uint64_t n) const {
    const std::uint64_t base = bases_[d];
    const std::vector<std::uint64_t>& perm = perms_[d];
    const double inv_base = 1.0 / static_cast<double>(base);
    double scale = inv_base;
    double value = 0.0;
    while (n > 0) {
      value += static_cast<double>(perm[n % base]) * scale;
      n /= base;
      scale *= inv_base;
    }
    return std::min(value, 1.0 - 0x1.0p-53);
  }

  SearchSpace space_;
  std::vector<std::uint64_t> bases_;
  std::vector<std::vector<std::uint64_t>> perms_;
  // Index 0 maps to the origin in every dimension, a corner rather than a useful
  // first guess, so the sequence starts at 1.
  std::int64_t index_ = 1;
};

// The grid values of one parameter, in native encoding, ascending.
std::vector<double> GridAxis(const ParamSpec& p, int points) {
  std::vector<double> axis;
  const auto fraction = [points](int j) {
    // A single point sits in the middle of the range rather than at its low end.
    return points == 1 ? 0.5 : static_cast<double>(j) / static_cast<double>(points - 1);
  };
  switch (p.type) {
    case ParamType::kUniform:
      for (int j = 0; j < points; ++j) axis.push_back(p.low + fraction(j) * (p.high - p.low));
      if (points > 1) axis.back() = p.high;
      break;
    case ParamType::kLogUniform: {
      const double lo = std::log(p.low);
      const double hi = std::log(p.high);
      for (int j = 0; j < points; ++j) axis.push_back(std::exp(lo + fraction(j) * (hi - lo)));
      // exp(log(x)) need not give back x exactly; the ends are the user's numbers.
      if (points > 1) {
        axis.front() = p.low;
        axis.back() = p.high;
      }
      for (double& v : axis) v = std::min(std::max(v, p.low), p.high);
      break;
    }
    case ParamType::kInt: {
      const double count = p.high - p.low + 1.0;
      if (count <= static_cast<double>(points)) {
        for (double v = p.low; v <= p.high; v += 1.0) axis.push_back(v);
        break;
      }
      const double lo = p.log ? std::log(p.low) : p.low;
      const double hi = p.log ? std::log(p.high) : p.high;
      for (int j = 0; j < points; ++j) {
        const double x = lo + fraction(j) * (hi - lo);
        const double v = std::round(p.log ? std::exp(x) : x);
        axis.push_back(std::min(std::max(v, p.low), p.high));
      }
      // Log spacing crowds the low end, where several points can round to one integer.
      axis.erase(std::unique(axis.begin(), axis.end()), axis.end());
      break;
    }
    case ParamType::kChoice:
      for (std::size_t i = 0; i < p.choices.size(); ++i) axis.push_back(static_cast<double>(i));
      break;
    case ParamType::kConstant:
      axis.push_back(0.0);
      break;
  }
  return axis;
}

class GridSampler final : public Sampler {
 public:
  GridSampler(const SearchSpace& space, int grid_points) {
    const int points = std::max(grid_points, 1);
    for (std::size_t i = 0; i < space.size(); ++i) axes_.push_back(GridAxis(space.param(i), points));
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    for (const std::vector<double>& axis : axes_) {
      const auto n = static_cast<std::int64_t>(axis.size());
      // Saturate: a grid this large cannot be finished anyway, and the count must
      // not wrap around to something small.
      capacity_ = n == 0 ? 0 : capacity_ > kMax / n ? kMax : capacity_ * n;
    }
  }

  std::optional<Config> Next(Rng& /*rng*/) override {
    if (index_ >= capacity_) return std::nullopt;
    Config config;
    config.values.resize(axes_.size());
    // Mixed-radix digits of the index, least significant on the last parameter so
    // the last parameter varies fastest.
    std::int64_t rest = index_;
    for (std::size_t d = axes_.size(); d-- > 0;) {
      const auto n = static_cast<std::int64_t>(axes_[d].size());
      config.values[d] = axes_[d][static_cast<std::size_t>(rest % n)];
      rest /= n;
    }
    ++index_;
    return config;
  }

  std::optional<std::int64_t> Capacity() const override { return capacity_; }

  void Save(SavedState& state, const std::string& prefix) const override {
    SaveSamplerIndex(state, prefix, SamplerKind::kGrid, index_);
  }
  Status Load(const SavedState& state, const std::string& prefix) override {
    return LoadSamplerIndex(state, prefix, SamplerKind::kGrid, 0, capacity_, index_);
  }

 private:
  std::vector<std::vector<double>> axes_;
  std::int64_t capacity_ = 1;
  std::int64_t index_ = 0;
};

}  // namespace

Status LoadSamplerIndex(const SavedState& state, const std::string& prefix, SamplerKind kind, std::int64_t min_index,
                 std::optional<std::int64_t> max_index, std::int64_t& index) {
  const Result<std::string> saved_kind = state.GetString(prefix + "kind");
  if (!saved_kind.ok()) return saved_kind.status();
  if (*saved_kind != SamplerKindName(kind)) {
    return Status::BadInput(fmt::format("scheduler state: '{}kind' is '{}', expected '{}'", prefix, *saved_kind,
                                        SamplerKindName(kind)));
  }
  const Result<std::int64_t> saved_index = state.GetInt(prefix + "index");
  if (!saved_index.ok()) return saved_index.status();
  if (*saved_index < min_index || (max_index && *saved_index > *max_index)) {
    return Status::BadInput(fmt::format("scheduler state: '{}index' is out of range, got {}", prefix, *saved_index));
  }
  index = *saved_index;
  return Status::Ok();
}

void SaveSamplerIndex(SavedState& state, const std::string& prefix, SamplerKind kind, std::int64_t index) {
  state.PutString(prefix + "kind", SamplerKindName(kind));
  state.PutInt(prefix + "index", index);
}

const char* SamplerKindName(SamplerKind kind) {
  switch (kind) {
    case SamplerKind::kRandom: return "random";
    case SamplerKind::kQuasiRandom: return "quasi";
    case SamplerKind::kGrid: return "grid";
    case SamplerKind::kTpe: return "tpe";
  }
  return "unknown";
}

std::unique_ptr<Sampler> MakeSampler(const SearchSpace& space, const SamplerOptions& options, std::uint64_t seed) {
  switch (options.kind) {
    case SamplerKind::kRandom: return std::make_unique<RandomSampler>(space);
    case SamplerKind::kQuasiRandom: return std::make_unique<QuasiRandomSampler>(space, seed);
    case SamplerKind::kGrid: return std::make_unique<GridSampler>(space, options.grid_points);
    case SamplerKind::kTpe: return MakeTpeSampler(space);
  }
  return std::make_unique<RandomSampler>(space);
}

}  // namespace mpitune
