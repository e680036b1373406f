// Samplers propose new configurations for trials started at the lowest budget.
//
// All samplers are deterministic functions of the study seed and of what they were
// told (configs drawn so far, and for the model-based one the results); their state
// round-trips through SavedState so a resumed study draws the very same sequence.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "mpitune/trial.h"
#include "mpitune/rng.h"
#include "mpitune/saved_state.h"
#include "mpitune/space.h"
#include "mpitune/status.h"

namespace mpitune {

enum class SamplerKind {
  kRandom,       // independent uniform draws on the unit cube
  kQuasiRandom,  // scrambled Halton sequence (one prime base per parameter)
  kGrid,         // the cartesian product of each parameter's grid, in order
  kTpe,          // tree-structured Parzen estimator fitted to the results so far
};

const char* SamplerKindName(SamplerKind kind);  // "random", "quasi", "grid", "tpe"

struct SamplerOptions {
  SamplerKind kind = SamplerKind::kRandom;
  // Grid: points per continuous parameter (ints with fewer values use them all).
  int grid_points = 5;
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  // The next configuration, or nullopt once the sampler is exhausted (grid only).
  // `rng` is the study's generator (the random sampler draws from it).
  virtual std::optional<Config> Next(Rng& rng) = 0;
  // How many configs this sampler can produce at most (nullopt = unlimited).
  virtual std::optional<std::int64_t> Capacity() const { return std::nullopt; }
  virtual void Save(SavedState& state, const std::string& prefix) const = 0;
  virtual Status Load(const SavedState& state, const std::string& prefix) = 0;

  // What a model-based sampler learns from; the others ignore it. The scheduler
  // calls Started right after Next gave `config` to new trial `trial`, Observed
  // when the trial has a result at `rung` (0 = the lowest budget; `key` is
  // normalised, lower is better, +Inf for a failed trial), and Ended once the
  // trial will report nothing more.
  virtual void Started(TrialId /*trial*/, const Config& /*config*/) {}
  virtual void Observed(TrialId /*trial*/, const Config& /*config*/, int /*rung*/, double /*key*/) {}
  virtual void Ended(TrialId /*trial*/) {}
};

// `seed` fixes the scramble of the quasi-random sampler.
std::unique_ptr<Sampler> MakeSampler(const SearchSpace& space, const SamplerOptions& options,
                                     std::uint64_t seed);

}  // namespace mpitune
