#include "trial/sgd_session.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/byte_codec.h"

namespace mpitune::sgd {
namespace {

// Bumped whenever the checkpoint layout changes, so old bytes are refused, not misread.
constexpr std::uint8_t kCheckpointVersion = 1;

// Budgets past this many epochs are treated as this many: keeps the batch arithmetic
// far from integer overflow whatever the scheduler asks for.
constexpr double kMaxEpochs = 1e6;

}  // namespace

SgdSession::SgdSession(std::shared_ptr<const Dataset> data, const Hyperparams& hyper,
                       std::uint64_t seed, std::shared_ptr<DeviceGradient> device)
    : data_(std::move(data)), device_(std::move(device)), hyper_(hyper), rng_(seed) {
  shape_.dim = data_->dim;
  shape_.width = hyper_.width;
  shape_.activation = hyper_.activation;
  params_.assign(shape_.param_count(), 0.0);
  velocity_.assign(shape_.param_count(), 0.0);
  order_.resize(static_cast<std::size_t>(data_->train_size));
  std::iota(order_.begin(), order_.end(), 0U);
  // He initialisation for ReLU, Glorot-like for tanh: the usual starting points, so
  // the sensible learning rates are the ones users expect. Biases start at zero.
  const double in_gain = hyper_.activation == Activation::kRelu ? 2.0 : 1.0;
  const double in_scale = std::sqrt(in_gain / shape_.dim);
  for (std::size_t k = 0; k < shape_.b1_offset(); ++k) params_[k] = in_scale * StandardNormal(rng_);
  const double out_scale = std::sqrt(1.0 / shape_.width);
  for (std::size_t k = shape_.w2_offset(); k < shape_.b2_offset(); ++k) {
    params_[k] = out_scale * StandardNormal(rng_);
  }
}

double SgdSession::Advance(double budget) {
  const double clamped = std::isfinite(budget) ? std::clamp(budget, 0.0, kMaxEpochs) : 0.0;
  const auto target_epoch = static_cast<std::int64_t>(std::floor(clamped));
  const int batches_per_epoch = (data_->train_size + hyper_.batch - 1) / hyper_.batch;
  // The epsilon keeps 1/3 * 3-style rounding from losing the last batch.
  const auto target_batches = static_cast<std::int64_t>(
      std::floor((clamped - static_cast<double>(target_epoch)) * batches_per_epoch + 1e-9));
  const auto target_row = static_cast<std::uint32_t>(
      std::min<std::int64_t>(target_batches * hyper_.batch, data_->train_size));
  const auto before_target = [&] {
    return epoch_ < target_epoch || (epoch_ == target_epoch && next_row_ < target_row);
  };
  while (before_target()) {
    if (next_row_ == 0) {
      // Diverged weights stay NaN whatever follows: skip the arithmetic, keep the position.
      if (!ParamsFinite()) {
        epoch_ = target_epoch;
        next_row_ = target_row;
        break;
      }
      // Fisher-Yates on our Rng: std::shuffle's output is not portable.
      for (std::size_t i = order_.size() - 1; i > 0; --i) {
        std::swap(order_[i], order_[rng_.Below(i + 1)]);
      }
    }
    TrainBatch();
    if (next_row_ == order_.size()) {
      ++epoch_;
      next_row_ = 0;
    }
  }
  return MeanSquaredError(shape_, params_, data_->val_x, data_->val_y, data_->val_size);
}

void SgdSession::TrainBatch() {
  const std::size_t end = std::min<std::size_t>(next_row_ + static_cast<std::size_t>(hyper_.batch),
                                                order_.size());
  const std::uint32_t* rows = order_.data() + next_row_;
  const std::size_t count = end - next_row_;
  std::string device_error;
  if (!device_ || !device_->Compute(shape_, params_, rows, count, &grad_, &device_error)) {
    // A failed device (lost, out of memory) is not worth retrying every batch; the
    // CPU gives the same gradients.
    device_.reset();
    BatchGradient(shape_, params_, *data_, rows, count, &grad_);
  }
  for (std::size_t k = 0; k < params_.size(); ++k) {
    const bool is_weight =
        k < shape_.b1_offset() || (k >= shape_.w2_offset() && k < shape_.b2_offset());
    const double g = grad_[k] + (is_weight ? hyper_.weight_decay * params_[k] : 0.0);
    velocity_[k] = hyper_.momentum * velocity_[k] + g;
    params_[k] -= hyper_.lr * velocity_[k];
  }
  next_row_ = static_cast<std::uint32_t>(end);
}

bool SgdSession::ParamsFinite() const {
  return std::all_of(params_.begin(), params_.end(), [](double p) { return std::isfinite(p); });
}

std::vector<std::uint8_t> SgdSession::Checkpoint() const {
  ByteWriter w;
  w.U8(kCheckpointVersion);
  w.U32(static_cast<std::uint32_t>(shape_.width));
  w.I64(epoch_);
  w.U32(next_row_);
  for (const std::uint64_t word : rng_.state()) w.I64(static_cast<std::int64_t>(word));
  w.U32(static_cast<std::uint32_t>(order_.size()));
  for (const std::uint32_t row : order_) w.U32(row);
  w.F64Array(params_);
  w.F64Array(velocity_);
  return w.Take();
}

Status SgdSession::Restore(const std::vector<std::uint8_t>& bytes) {
  ByteReader r(bytes);
  if (const std::uint8_t version = r.U8("version"); r.ok() && version != kCheckpointVersion) {
    r.Fail(fmt::format("version: {} is not the supported {}", version, kCheckpointVersion));
  }
  if (const std::uint32_t width = r.U32("width"); r.ok() && width != static_cast<std::uint32_t>(shape_.width)) {
    r.Fail(fmt::format("width: checkpoint has {}, this trial {}", width, shape_.width));
  }
  const std::int64_t epoch = r.I64("epoch");
  const std::uint32_t next_row = r.U32("next_row");
  Rng::State state{};
  for (std::uint64_t& word : state) word = static_cast<std::uint64_t>(r.I64("rng"));
  const std::uint32_t rows = r.U32("order");
  if (r.ok() && rows != order_.size()) r.Fail(fmt::format("order: {} rows, expected {}", rows, order_.size()));
  std::vector<std::uint32_t> order;
  std::vector<bool> seen(order_.size(), false);
  for (std::uint32_t i = 0; r.ok() && i < rows; ++i) {
    const std::uint32_t row = r.U32("order");
    if (r.ok() && (row >= rows || seen[row])) r.Fail("order: not a permutation of the rows");
    if (r.ok()) seen[row] = true;
    order.push_back(row);
  }
  std::vector<double> params = r.F64Array("params", shape_.param_count());
  std::vector<double> velocity = r.F64Array("velocity", shape_.param_count());
  if (r.ok() && (params.size() != shape_.param_count() || velocity.size() != shape_.param_count())) {
    r.Fail(fmt::format("params: expected {} values", shape_.param_count()));
  }
  if (r.ok() && (epoch < 0 || next_row > rows)) r.Fail("position: out of range");
  if (r.ok() && r.remaining() != 0) r.Fail(fmt::format("{} trailing bytes", r.remaining()));
  if (!r.ok()) return Status::BadInput(fmt::format("sgd checkpoint: {}", r.error()));
  // Nothing changes until every field has checked out: a refused checkpoint leaves
  // the session as it was.
  epoch_ = epoch;
  next_row_ = next_row;
  rng_.set_state(state);
  order_ = std::move(order);
  params_ = std::move(params);
  velocity_ = std::move(velocity);
  return Status::Ok();
}

}  // namespace mpitune::sgd
