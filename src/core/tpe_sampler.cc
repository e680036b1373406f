#include "core/tpe_sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>
#include <span>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/parzen_estimator.h"
#include "core/sampler_index.h"

namespace mpitune {

namespace {

// The model is fitted on at most this many of a rung's most recent results (and as
// many pending trials), so a new trial costs the same at 10^3 or 10^6 trials.
constexpr std::size_t kWindow = 256;
// Share of new trials drawn at random once the model is fitted, so a wrong model
// cannot keep the search away from a region forever (BOHB keeps a share too).
constexpr double kRandomFraction = 0.1;
// Share of a rung's results that form the "good" density l(x).
constexpr double kGoodFraction = 0.15;
// A pending trial's kernel width, relative to the good density's.
constexpr double kLiarWidth = 0.25;
// Points drawn from l(x); the one with the highest l(x)/g(x) is proposed.
constexpr int kCandidates = 64;

// The most recent kWindow results at one rung, in a ring.
struct RungWindow {
  std::vector<double> points;  // unit-cube rows
  std::vector<double> keys;    // normalised, lower is better, +Inf for failed
  std::int64_t total = 0;      // results ever seen; the next one overwrites row total % kWindow

  void Add(std::span<const double> point, double key) {
    const std::size_t dims = point.size();
    if (keys.size() < kWindow) {
      points.insert(points.end(), point.begin(), point.end());
      keys.push_back(key);
    } else {
      const auto row = static_cast<std::size_t>(total % static_cast<std::int64_t>(kWindow));
      std::copy(point.begin(), point.end(), points.begin() + static_cast<std::ptrdiff_t>(row * dims));
      keys[row] = key;
    }
    ++total;
  }
};

class TpeSampler final : public Sampler {
 public:
  explicit TpeSampler(const SearchSpace& space) : space_(space), axes_(ParzenAxes(space)) {}

  std::optional<Config> Next(Rng& rng) override {
    ++drawn_;
    const bool explore = rng.Uniform() < kRandomFraction;
    const RungWindow* fitted = ModelRung();
    if (explore || fitted == nullptr) return space_.Decode(RandomPoint(rng));

    // Good and bad by rank; ties broken by row so the split is deterministic.
    std::vector<std::size_t> order(fitted->keys.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const double ka = fitted->keys[a];
      const double kb = fitted->keys[b];
      return ka < kb || (!(kb < ka) && a < b);
    });
    const auto good_count = static_cast<std::size_t>(
        std::max(1.0, std::ceil(kGoodFraction * static_cast<double>(order.size()))));
    const std::size_t dims = space_.size();
    std::vector<double> good, bad;
    for (std::size_t rank = 0; rank < order.size(); ++rank) {
      const auto row = fitted->points.begin() + static_cast<std::ptrdiff_t>(order[rank] * dims);
      std::vector<double>& group = rank < good_count ? good : bad;
      group.insert(group.end(), row, row + static_cast<std::ptrdiff_t>(dims));
    }
    const ParzenEstimator l(axes_, std::move(good));
    const ParzenEstimator g(axes_, std::move(bad));
    // Constant liar: a trial still running counts as a bad result, so parallel
    // workers asking at once are sent to different places. Its kernel is a fraction
    // of the good density's width: kernels as wide as the bad results' (or even as
    // the good ones') raise g evenly over the whole good region and repel nothing.
    std::vector<double> pending;
    std::size_t liars = 0;
    for (auto it = pending_.rbegin(); it != pending_.rend() && liars < kWindow; ++it, ++liars) {
      pending.insert(pending.end(), it->second.begin(), it->second.end());
    }
    std::vector<double> liar_width = l.bandwidth();
    for (double& w : liar_width) w *= kLiarWidth;
    const ParzenEstimator running(axes_, std::move(pending), std::move(liar_width));
    const double bad_weight = static_cast<double>(order.size() - good_count);
    const double liar_weight = static_cast<double>(liars);

    std::vector<double> best, candidate(dims);
    double best_score = -std::numeric_limits<double>::infinity();
    for (int c = 0; c < kCandidates; ++c) {
      l.Sample(rng, candidate);
      double log_g = g.LogDensity(candidate);
      if (liars > 0) {
        const double a = log_g + std::log(bad_weight);
        const double b = running.LogDensity(candidate) + std::log(liar_weight);
        const double top = std::max(a, b);
        log_g = top + std::log(std::exp(a - top) + std::exp(b - top)) - std::log(bad_weight + liar_weight);
      }
      const double score = l.LogDensity(candidate) - log_g;
      if (best.empty() || score > best_score) {
        best = candidate;
        best_score = score;
      }
    }
    return space_.Decode(best);
  }

  void Started(TrialId trial, const Config& config) override { pending_[trial] = space_.Encode(config); }

  void Observed(TrialId trial, const Config& config, int rung, double key) override {
    pending_.erase(trial);
    if (rung < 0) return;
    if (static_cast<std::size_t>(rung) >= rungs_.size()) rungs_.resize(static_cast<std::size_t>(rung) + 1);
    // NaN ranks like a failure: worst, never better than a real result.
    rungs_[static_cast<std::size_t>(rung)].Add(space_.Encode(config), std::isnan(key) ? HUGE_VAL : key);
  }

  void Ended(TrialId trial) override { pending_.erase(trial); }

  void Save(SavedState& state, const std::string& prefix) const override {
    SaveSamplerIndex(state, prefix, SamplerKind::kTpe, drawn_);
    state.PutInt(prefix + "tpe/rungs", static_cast<std::int64_t>(rungs_.size()));
    for (std::size_t k = 0; k < rungs_.size(); ++k) {
      const std::string rung = fmt::format("{}tpe/rung{}/", prefix, k);
      state.Put(rung + "points", rungs_[k].points);
      state.Put(rung + "keys", rungs_[k].keys);
      state.PutInt(rung + "total", rungs_[k].total);
    }
    SavedState::Ints trials;
    SavedState::Doubles points;
    for (const auto& [trial, point] : pending_) {
      trials.push_back(trial);
      points.insert(points.end(), point.begin(), point.end());
    }
    state.Put(prefix + "tpe/pending/trial", std::move(trials));
    state.Put(prefix + "tpe/pending/points", std::move(points));
  }

  Status Load(const SavedState& state, const std::string& prefix) override {
    std::int64_t drawn = 0;
    MPITUNE_RETURN_IF_ERROR(LoadSamplerIndex(state, prefix, SamplerKind::kTpe, 0, std::nullopt, drawn));
    const Result<std::int64_t> rung_count = state.GetInt(prefix + "tpe/rungs");
    if (!rung_count.ok()) return rung_count.status();
    if (*rung_count < 0 || *rung_count > 1024) {
      return Status::BadInput(fmt::format("scheduler state: '{}tpe/rungs' is out of range, got {}", prefix, *rung_count));
    }
    const std::size_t dims = space_.size();
    std::vector<RungWindow> rungs(static_cast<std::size_t>(*rung_count));
    for (std::size_t k = 0; k < rungs.size(); ++k) {
      const std::string rung = fmt::format("{}tpe/rung{}/", prefix, k);
      Result<SavedState::Doubles> points = state.GetDoubles(rung + "points");
      Result<SavedState::Doubles> keys = state.GetDoubles(rung + "keys");
      Result<std::int64_t> total = state.GetInt(rung + "total");
      if (!points.ok()) return points.status();
      if (!keys.ok()) return keys.status();
      if (!total.ok()) return total.status();
      if (keys->size() > kWindow || points->size() != keys->size() * dims ||
          *total < static_cast<std::int64_t>(keys->size()) ||
          (keys->size() < kWindow && *total != static_cast<std::int64_t>(keys->size())) || !InUnitCube(*points)) {
        return Status::BadInput(fmt::format("scheduler state: '{}' is inconsistent", rung));
      }
      rungs[k] = RungWindow{std::move(*points), std::move(*keys), *total};
    }
    Result<SavedState::Ints> trials = state.GetInts(prefix + "tpe/pending/trial");
    Result<SavedState::Doubles> points = state.GetDoubles(prefix + "tpe/pending/points");
    if (!trials.ok()) return trials.status();
    if (!points.ok()) return points.status();
    if (points->size() != trials->size() * dims || !InUnitCube(*points)) {
      return Status::BadInput(fmt::format("scheduler state: '{}tpe/pending' is inconsistent", prefix));
    }
    std::map<TrialId, std::vector<double>> pending;
    for (std::size_t i = 0; i < trials->size(); ++i) {
      const auto row = points->begin() + static_cast<std::ptrdiff_t>(i * dims);
      pending[(*trials)[i]].assign(row, row + static_cast<std::ptrdiff_t>(dims));
    }
    drawn_ = drawn;
    rungs_ = std::move(rungs);
    pending_ = std::move(pending);
    return Status::Ok();
  }

 private:
  static bool InUnitCube(const std::vector<double>& values) {
    return std::all_of(values.begin(), values.end(), [](double v) { return v >= 0.0 && v <= 1.0; });
  }

  // BOHB's rule: the highest rung with enough results to fit a density in every
  // dimension; nullptr while no rung has (the first trials are random).
  const RungWindow* ModelRung() const {
    const std::size_t needed = space_.size() + 3;
    for (std::size_t k = rungs_.size(); k-- > 0;) {
      if (rungs_[k].keys.size() >= needed) return &rungs_[k];
    }
    return nullptr;
  }

  std::vector<double> RandomPoint(Rng& rng) const {
    std::vector<double> unit(space_.size());
    for (double& u : unit) u = rng.Uniform();
    return unit;
  }

  SearchSpace space_;
  std::vector<ParzenAxis> axes_;
  std::int64_t drawn_ = 0;
  std::vector<RungWindow> rungs_;
  // Trials started by this sampler without a result yet, by id (ordered, so the
  // liars are the most recent and Save is deterministic).
  std::map<TrialId, std::vector<double>> pending_;
};

}  // namespace

std::unique_ptr<Sampler> MakeTpeSampler(const SearchSpace& space) { return std::make_unique<TpeSampler>(space); }

}  // namespace mpitune
