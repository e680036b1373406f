#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <numbers>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "trial/pbt_toy_objective.h"
#include <fmt/ranges.h>

#include "mpitune/objective.h"
#include "mpitune/rng.h"
#include "trial/objective_params.h"
#include "trial/sgd_objective.h"

namespace mpitune {
namespace {

constexpr double kPi = std::numbers::pi;

// Fidelity in [0, 1]: budgets past max_budget are as good as max_budget.
double Fidelity(double budget, double max_budget) {
  return std::clamp(budget / max_budget, 0.0, 1.0);
}

// Indices of the named numeric parameters, or an error naming the first missing one.
Result<std::vector<std::size_t>> FindNumericParams(const std::string& objective,
                                                   const SearchSpace& space, int count) {
  std::vector<std::size_t> indices;
  for (int i = 1; i <= count; ++i) {
    const std::string name = fmt::format("x{}", i);
    const std::optional<std::size_t> index = space.Find(name);
    if (!index || !IsNumericParam(space.param(*index))) {
      return Status::BadInput(fmt::format(
          "trial.objective: {} needs a numeric parameter '{}' in space", objective, name));
    }
    indices.push_back(*index);
  }
  return indices;
}

// Reads the parameters an analytic objective needs; NaN stands for a value that is
// not numeric (which validation should have ruled out).
template <std::size_t N>
std::array<double, N> ReadParams(const SearchSpace& space, const Config& config,
                                 const std::vector<std::size_t>& indices) {
  std::array<double, N> x{};
  for (std::size_t i = 0; i < N; ++i) {
    x[i] = space.Numeric(config, indices[i]).value_or(std::nan(""));
  }
  return x;
}

// ---------------------------------------------------------------------------
// Multi-fidelity Branin (Kandasamy et al. 2017).

double BraninValue(double x1, double x2, double z) {
  const double b = 5.1 / (4.0 * kPi * kPi) - 0.01 * (1.0 - z);
  const double c = 5.0 / kPi - 0.1 * (1.0 - z);
  const double t = 1.0 / (8.0 * kPi) + 0.05 * (1.0 - z);
  const double inner = x2 - b * x1 * x1 + c * x1 - 6.0;
  return inner * inner + 10.0 * (1.0 - t) * std::cos(x1) + 10.0;
}

// ---------------------------------------------------------------------------
// Hartmann-6 with fidelity-dependent alpha.

constexpr double kHartmannA[4][6] = {
    {10.0, 3.0, 17.0, 3.5, 1.7, 8.0},
    {0.05, 10.0, 17.0, 0.1, 8.0, 14.0},
    {3.0, 3.5, 1.7, 10.0, 17.0, 8.0},
    {17.0, 8.0, 0.05, 10.0, 0.1, 14.0},
};
constexpr double kHartmannP[4][6] = {
    {0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
    {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
    {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
    {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381},
};
constexpr double kHartmannAlpha[4] = {1.0, 1.2, 3.0, 3.2};

double Hartmann6Value(const std::array<double, 6>& x, double z) {
  double sum = 0.0;
  for (int i = 0; i < 4; ++i) {
    double exponent = 0.0;
    for (int j = 0; j < 6; ++j) {
      const double d = x[j] - kHartmannP[i][j];
      exponent += kHartmannA[i][j] * d * d;
    }
    sum += (kHartmannAlpha[i] - 0.1 * (1.0 - z)) * std::exp(-exponent);
  }
  return -sum;
}

// ---------------------------------------------------------------------------
// The analytic objectives share everything but the function and its arity.

template <std::size_t N>
using AnalyticFn = double (*)(const std::array<double, N>&, double);

template <std::size_t N>
class AnalyticSession final : public ObjectiveSession {
 public:
  AnalyticSession(std::array<double, N> x, double max_budget, AnalyticFn<N> fn)
      : x_(x), max_budget_(max_budget), fn_(fn) {}
  double Advance(double budget) override { return fn_(x_, Fidelity(budget, max_budget_)); }

 private:
  std::array<double, N> x_;
  double max_budget_;
  AnalyticFn<N> fn_;
};

template <std::size_t N>
class AnalyticObjective final : public Objective {
 public:
  AnalyticObjective(std::string name, const SearchSpace& space, std::vector<std::size_t> indices,
                    double max_budget, AnalyticFn<N> fn)
      : name_(std::move(name)), space_(space), indices_(std::move(indices)),
        max_budget_(max_budget), fn_(fn) {}

  const std::string& name() const override { return name_; }
  std::unique_ptr<ObjectiveSession> Start(const Config& config, TrialId /*trial*/,
                                          double /*resume_step*/) const override {
    return std::make_unique<AnalyticSession<N>>(ReadParams<N>(space_, config, indices_),
                                                max_budget_, fn_);
  }
  // Analytic functions have no notion of model size: every config costs the same.
  double CostPerBudget(const Config& /*config*/) const override { return 1.0; }

 private:
  std::string name_;
  SearchSpace space_;
  std::vector<std::size_t> indices_;
  double max_budget_;
  AnalyticFn<N> fn_;
};

double BraninFn(const std::array<double, 2>& x, double z) { return BraninValue(x[0], x[1], z); }

// ---------------------------------------------------------------------------
// Surrogate learning curves.

// Uniform in [-1, 1] from a hash: the same (seed, trial, budget) always gets the
// same noise, whatever order the simulator evaluates things in.
double HashToSigned(std::uint64_t hash) {
  return static_cast<double>(hash >> 11) * 0x1.0p-53 * 2.0 - 1.0;
}

// Per-dimension shape of the surrogate, drawn once from the objective seed.
struct CurveDim {
  double weight;       // of the squared distance to the centre in `final`
  double centre;       // where this dimension is best at full budget
  double scale_freq;   // the smooth bumps that make scale and rate vary
  double scale_phase;
  double rate_freq;
  double rate_phase;
};

// The per-config constants of one learning curve.
struct CurveShape {
  double final_loss;
  double scale;
  double rate;
};

// A smooth map of the unit cube onto (0, 1): a sum of one sine bump per dimension,
// squashed so that many dimensions still spread over the whole range.
double SmoothUnit(const std::vector<double>& u, const std::vector<CurveDim>& dims, bool for_rate) {
  if (u.empty()) return 0.5;
  double sum = 0.0;
  for (std::size_t i = 0; i < u.size(); ++i) {
    const CurveDim& dim = dims[i];
    const double freq = for_rate ? dim.rate_freq : dim.scale_freq;
    const double phase = for_rate ? dim.rate_phase : dim.scale_phase;
    sum += std::sin(2.0 * kPi * freq * u[i] + phase);
  }
  return 0.5 + 0.5 * std::tanh(1.5 * sum / std::sqrt(static_cast<double>(u.size())));
}

class CurveSession final : public ObjectiveSession {
 public:
  CurveSession(CurveShape shape, std::uint64_t trial_seed) : shape_(shape), trial_seed_(trial_seed) {}

  double Advance(double budget) override {
    // Budgets below a tiny floor would blow b^-rate up to infinity.
    const double b = std::max(budget, 1e-3);
    const double noise =
        0.01 * HashToSigned(Rng::Mix(trial_seed_, std::bit_cast<std::uint64_t>(budget)));
    return shape_.final_loss + shape_.scale * std::pow(b, -shape_.rate) + noise;
  }

 private:
  CurveShape shape_;
  std::uint64_t trial_seed_;
};

class CurveObjective final : public Objective {
 public:
  CurveObjective(const SearchSpace& space, std::uint64_t seed)
      : name_("curve"), space_(space), seed_(seed) {
    Rng rng(Rng::Mix(seed, 0x637572766555ULL));
    const double n = std::max<double>(1.0, static_cast<double>(space.size()));
    for (std::size_t i = 0; i < space.size(); ++i) {
      CurveDim dim{};
      // Weights sum to about 1 so `final` stays in [0.1, ~0.6] whatever the arity.
      dim.weight = (0.5 + rng.Uniform()) / n;
      dim.centre = 0.2 + 0.6 * rng.Uniform();
      dim.scale_freq = 0.5 + rng.Uniform();
      dim.scale_phase = 2.0 * kPi * rng.Uniform();
      dim.rate_freq = 0.5 + rng.Uniform();
      dim.rate_phase = 2.0 * kPi * rng.Uniform();
      dims_.push_back(dim);
    }
  }

  const std::string& name() const override { return name_; }

  std::unique_ptr<ObjectiveSession> Start(const Config& config, TrialId trial,
                                          double /*resume_step*/) const override {
    const std::vector<double> u = space_.Encode(config);
    return std::make_unique<CurveSession>(Shape(u),
                                          Rng::Mix(seed_, static_cast<std::uint64_t>(trial)));
  }

  // Bigger models (higher first coordinate) are slower: [0.5, 2.0] s per unit.
  double CostPerBudget(const Config& config) const override {
    if (space_.empty()) return 1.0;
    const std::vector<double> u = space_.Encode(config);
    return 0.5 + 1.5 * std::clamp(u[0], 0.0, 1.0);
  }

 private:
  // scale and rate use bumps unrelated to final's bowl, so some configs that look
  // good early (small scale, fast rate) end worse than slow starters: curves cross.
  CurveShape Shape(const std::vector<double>& u) const {
    CurveShape shape{0.1, 0.0, 0.0};
    for (std::size_t i = 0; i < u.size(); ++i) {
      const double d = u[i] - dims_[i].centre;
      shape.final_loss += dims_[i].weight * d * d;
    }
    shape.scale = 0.2 + 1.3 * SmoothUnit(u, dims_, /*for_rate=*/false);
    shape.rate = 0.3 + 0.9 * SmoothUnit(u, dims_, /*for_rate=*/true);
    return shape;
  }

  std::string name_;
  SearchSpace space_;
  std::uint64_t seed_;
  std::vector<CurveDim> dims_;
};

}  // namespace


Result<std::unique_ptr<Objective>> MakeObjective(const std::string& name, const SearchSpace& space,
                                                 double max_budget, std::uint64_t seed) {
  if (!(max_budget > 0.0) || !std::isfinite(max_budget)) {
    return Status::BadInput(
        fmt::format("trial.objective: max_budget must be a positive number, got {}", max_budget));
  }
  if (name == "branin") {
    auto indices = FindNumericParams(name, space, 2);
    if (!indices.ok()) return indices.status();
    return std::unique_ptr<Objective>(std::make_unique<AnalyticObjective<2>>(
        name, space, std::move(indices.value()), max_budget, &BraninFn));
  }
  if (name == "hartmann6") {
    auto indices = FindNumericParams(name, space, 6);
    if (!indices.ok()) return indices.status();
    return std::unique_ptr<Objective>(std::make_unique<AnalyticObjective<6>>(
        name, space, std::move(indices.value()), max_budget, &Hartmann6Value));
  }
  if (name == "curve") {
    return std::unique_ptr<Objective>(std::make_unique<CurveObjective>(space, seed));
  }
  if (name == "sgd") return MakeSgdObjective(space, seed);
  if (name == "pbt_toy") return MakePbtToyObjective(space);
  return Status::BadInput(fmt::format("trial.objective: unknown objective '{}' (expected one of {})",
                                      name, fmt::join(BuiltinObjectiveNames(), ", ")));
}

}  // namespace mpitune
