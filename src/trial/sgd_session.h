// One trial of the `sgd` objective: the student's weights, momentum buffers, the
// shuffled row order, the position inside the current epoch and the shuffling RNG.
// That is all the state there is, so Checkpoint() + Restore() continue a run exactly
// where it paused, bit for bit.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mpitune/objective.h"
#include "mpitune/rng.h"
#include "mpitune/status.h"
#include "trial/sgd_data.h"
#include "trial/sgd_device.h"
#include "trial/sgd_mlp.h"

namespace mpitune::sgd {

struct Hyperparams {
  double lr = 0.0;
  int width = 32;
  int batch = 32;
  double momentum = 0.0;
  double weight_decay = 0.0;  // L2 on w1 and w2; biases are not decayed
  Activation activation = Activation::kRelu;
};

class SgdSession final : public ObjectiveSession {
 public:
  // `device` (may be null) computes the batch gradients instead of the CPU; the
  // session drops it after its first failure and carries on on the CPU.
  SgdSession(std::shared_ptr<const Dataset> data, const Hyperparams& hyper, std::uint64_t seed,
             std::shared_ptr<DeviceGradient> device = nullptr);

  // Trains up to `budget` epochs (a fraction trains that share of an epoch's
  // batches) and returns the validation MSE: NaN or Inf once training diverged.
  double Advance(double budget) override;
  std::vector<std::uint8_t> Checkpoint() const override;
  Status Restore(const std::vector<std::uint8_t>& bytes) override;

 private:
  void TrainBatch();
  bool ParamsFinite() const;

  std::shared_ptr<const Dataset> data_;
  std::shared_ptr<DeviceGradient> device_;
  Hyperparams hyper_;
  MlpShape shape_;
  Rng rng_;
  std::vector<double> params_;
  std::vector<double> velocity_;
  std::vector<double> grad_;  // scratch, not state
  std::vector<std::uint32_t> order_;  // this epoch's row order
  std::int64_t epoch_ = 0;            // whole epochs done
  std::uint32_t next_row_ = 0;        // position in order_ inside epoch_
};

}  // namespace mpitune::sgd
