#include "trial/pbt_toy_objective.h"

#include <cmath>
#include <cstring>
#include <string>

#include <fmt/format.h>

namespace mpitune {
namespace {

struct ToyState {
  double theta0 = 0.9;
  double theta1 = 0.9;
  double budget = 0.0;  // budget units trained
};

class PbtToySession final : public ObjectiveSession {
 public:
  PbtToySession(double h0, double h1, double resume_step) : h0_(h0), h1_(h1) { state_.budget = resume_step; }

  double Advance(double budget) override {
    const auto steps = std::llround((budget - state_.budget) * kPbtToyStepsPerBudget);
    for (long long i = 0; i < steps; ++i) {
      // d/dtheta_i of the surrogate is -2 h_i theta_i; ascend it.
      state_.theta0 -= kPbtToyLearningRate * 2.0 * h0_ * state_.theta0;
      state_.theta1 -= kPbtToyLearningRate * 2.0 * h1_ * state_.theta1;
    }
    state_.budget = std::max(state_.budget, budget);
    return state_.theta0 * state_.theta0 + state_.theta1 * state_.theta1;
  }

  std::vector<std::uint8_t> Checkpoint() const override {
    std::vector<std::uint8_t> bytes(sizeof(ToyState));
    std::memcpy(bytes.data(), &state_, sizeof(ToyState));
    return bytes;
  }

  Status Restore(const std::vector<std::uint8_t>& bytes) override {
    if (bytes.size() != sizeof(ToyState)) {
      return Status::BadInput(fmt::format("pbt_toy: a checkpoint of {} bytes, expected {}", bytes.size(),
                                          sizeof(ToyState)));
    }
    std::memcpy(&state_, bytes.data(), sizeof(ToyState));
    return Status::Ok();
  }

 private:
  double h0_;
  double h1_;
  ToyState state_;
};

class PbtToyObjective final : public Objective {
 public:
  PbtToyObjective(const SearchSpace& space, std::size_t h0, std::size_t h1) : space_(space), h0_(h0), h1_(h1) {}

  const std::string& name() const override { return name_; }
  std::unique_ptr<ObjectiveSession> Start(const Config& config, TrialId /*trial*/, double resume_step) const override {
    return std::make_unique<PbtToySession>(space_.Numeric(config, h0_).value_or(NAN),
                                           space_.Numeric(config, h1_).value_or(NAN), resume_step);
  }
  double CostPerBudget(const Config& /*config*/) const override { return 1.0; }

 private:
  std::string name_ = "pbt_toy";
  SearchSpace space_;
  std::size_t h0_;
  std::size_t h1_;
};

}  // namespace

Result<std::unique_ptr<Objective>> MakePbtToyObjective(const SearchSpace& space) {
  std::size_t index[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    const std::string name = fmt::format("h{}", i);
    const std::optional<std::size_t> found = space.Find(name);
    if (!found || !space.Numeric(Config{std::vector<double>(space.size(), 0.0)}, *found) ||
        space.param(*found).type == ParamType::kChoice || space.param(*found).type == ParamType::kConstant) {
      return Status::BadInput(fmt::format("trial.objective: pbt_toy needs a numeric parameter '{}' in space", name));
    }
    index[i] = *found;
  }
  return std::unique_ptr<Objective>(std::make_unique<PbtToyObjective>(space, index[0], index[1]));
}

}  // namespace mpitune
