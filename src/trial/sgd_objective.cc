#include "trial/sgd_objective.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "gpu/gpu.h"
#include "mpitune/rng.h"
#include "trial/objective_params.h"
#include "trial/sgd_data.h"
#include "trial/sgd_device.h"
#include "trial/sgd_mlp.h"
#include "trial/sgd_session.h"

namespace mpitune {
namespace {

using sgd::Activation;
using sgd::Hyperparams;

// Where each hyperparameter sits in the space; nullopt means "use the default".
struct ParamIndices {
  std::size_t lr = 0;
  std::optional<std::size_t> width, batch, momentum, weight_decay, activation;
};

// Limits that keep one trial's memory and time bounded whatever the space says.
constexpr int kMaxWidth = 4096;

bool IsActivationParam(const ParamSpec& spec) {
  if (spec.type != ParamType::kChoice && spec.type != ParamType::kConstant) return false;
  return std::all_of(spec.choices.begin(), spec.choices.end(), [](const ParamValue& value) {
    const auto* text = std::get_if<std::string>(&value);
    return text != nullptr && (*text == "relu" || *text == "tanh");
  });
}

Result<ParamIndices> FindParams(const SearchSpace& space) {
  ParamIndices indices;
  const std::optional<std::size_t> lr = space.Find("lr");
  if (!lr || !IsNumericParam(space.param(*lr))) {
    return Status::BadInput("trial.objective: sgd needs a numeric parameter 'lr' in space");
  }
  indices.lr = *lr;
  const std::array<std::pair<const char*, std::optional<std::size_t>*>, 4> numeric = {{
      {"width", &indices.width},
      {"batch", &indices.batch},
      {"momentum", &indices.momentum},
      {"weight_decay", &indices.weight_decay},
  }};
  for (const auto& [name, slot] : numeric) {
    *slot = space.Find(name);
    if (*slot && !IsNumericParam(space.param(**slot))) {
      return Status::BadInput(
          fmt::format("trial.objective: sgd parameter '{}' must be numeric", name));
    }
  }
  indices.activation = space.Find("activation");
  if (indices.activation && !IsActivationParam(space.param(*indices.activation))) {
    return Status::BadInput(
        "trial.objective: sgd parameter 'activation' must be a choice of relu and tanh");
  }
  return indices;
}

// A count from the config, rounded and clamped; NaN (which validation rules out)
// falls back to the default rather than reaching an undefined cast.
int ReadCount(const SearchSpace& space, const Config& config, std::optional<std::size_t> index,
              int fallback, int max) {
  if (!index) return fallback;
  const double value = space.Numeric(config, *index).value_or(fallback);
  if (!std::isfinite(value)) return fallback;
  return static_cast<int>(std::clamp(std::round(value), 1.0, static_cast<double>(max)));
}

double ReadReal(const SearchSpace& space, const Config& config, std::optional<std::size_t> index,
                double fallback) {
  if (!index) return fallback;
  return space.Numeric(config, *index).value_or(fallback);
}

class SgdObjective final : public Objective {
 public:
  SgdObjective(const SearchSpace& space, ParamIndices indices, std::uint64_t seed,
               std::shared_ptr<const sgd::Dataset> data, std::shared_ptr<sgd::DeviceGradient> device)
      : space_(space), indices_(std::move(indices)), seed_(seed), data_(std::move(data)),
        device_(std::move(device)) {}

  const std::string& name() const override { return name_; }

  // A resumed trial without a checkpoint to restore trains from scratch up to the
  // asked budget, so `resume_step` needs no handling here.
  std::unique_ptr<ObjectiveSession> Start(const Config& config, TrialId trial,
                                          double /*resume_step*/) const override {
    return std::make_unique<sgd::SgdSession>(
        data_, Read(config), Rng::Mix(seed_, static_cast<std::uint64_t>(trial)), device_);
  }

  // An epoch's work grows with width; small batches add per-step overhead on real
  // hardware. Normalised so the default model costs about 1.
  double CostPerBudget(const Config& config) const override {
    const Hyperparams hyper = Read(config);
    return (hyper.width / 32.0) * (0.5 + 16.0 / hyper.batch);
  }

 private:
  Hyperparams Read(const Config& config) const {
    Hyperparams hyper;
    hyper.lr = ReadReal(space_, config, indices_.lr, std::nan(""));
    hyper.width = ReadCount(space_, config, indices_.width, hyper.width, kMaxWidth);
    hyper.batch = ReadCount(space_, config, indices_.batch, hyper.batch, sgd::kTrainSize);
    hyper.momentum = ReadReal(space_, config, indices_.momentum, hyper.momentum);
    hyper.weight_decay = ReadReal(space_, config, indices_.weight_decay, hyper.weight_decay);
    if (indices_.activation) {
      const ParamValue value = space_.Value(config, *indices_.activation);
      const auto* text = std::get_if<std::string>(&value);
      if (text != nullptr && *text == "tanh") hyper.activation = Activation::kTanh;
    }
    return hyper;
  }

  std::string name_ = "sgd";
  SearchSpace space_;
  ParamIndices indices_;
  std::uint64_t seed_;
  std::shared_ptr<const sgd::Dataset> data_;
  std::shared_ptr<sgd::DeviceGradient> device_;  // null: the CPU computes gradients
};

// The device context for `choice`; null means the CPU.
Result<std::shared_ptr<sgd::DeviceGradient>> PickDevice(SgdDevice choice, const sgd::Dataset& data) {
  if (choice == SgdDevice::kCpu) return std::shared_ptr<sgd::DeviceGradient>();
  std::string why;
  std::shared_ptr<sgd::DeviceGradient> device;
  if (const GpuInfo gpus = QueryGpus(); gpus.count > 0) {
    device = sgd::MakeDeviceGradient(data, &why);
  } else {
    why = gpus.error.empty() ? "no CUDA device on this machine" : gpus.error;
  }
  if (!device && choice == SgdDevice::kCuda) {
    return Status::BadInput(fmt::format("trial.objective: sgd on CUDA: {}", why));
  }
  return device;
}

}  // namespace

Result<std::unique_ptr<Objective>> MakeSgdObjective(const SearchSpace& space, std::uint64_t seed,
                                                    SgdDevice device) {
  Result<ParamIndices> indices = FindParams(space);
  if (!indices.ok()) return indices.status();
  auto data = std::make_shared<const sgd::Dataset>(sgd::MakeDataset(seed));
  Result<std::shared_ptr<sgd::DeviceGradient>> gradient = PickDevice(device, *data);
  if (!gradient.ok()) return gradient.status();
  return std::unique_ptr<Objective>(std::make_unique<SgdObjective>(
      space, std::move(indices.value()), seed, std::move(data), std::move(gradient.value())));
}

}  // namespace mpitune
