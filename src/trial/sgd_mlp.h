// The student model of the `sgd` objective: input -> `width` hidden units (ReLU or
// tanh) -> one output. All parameters live in one flat vector so that the optimiser,
// the checkpoint and a device copy each handle a single array:
//   [ w1 (width x dim, row-major) | b1 (width) | w2 (width) | b2 (1) ]
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "trial/sgd_data.h"

namespace mpitune::sgd {

enum class Activation : std::uint8_t { kRelu, kTanh };

struct MlpShape {
  int dim = kInputDim;
  int width = 32;
  Activation activation = Activation::kRelu;

  std::size_t b1_offset() const { return static_cast<std::size_t>(width) * dim; }
  std::size_t w2_offset() const { return b1_offset() + width; }
  std::size_t b2_offset() const { return w2_offset() + width; }
  std::size_t param_count() const { return b2_offset() + 1; }
};

// The gradient of the batch's mean squared error over rows[0..count) of the training set,
// written into `grad` (resized to param_count). The CPU reference every other
// implementation is checked against.
void BatchGradient(const MlpShape& shape, const std::vector<double>& params, const Dataset& data,
                   const std::uint32_t* rows, std::size_t count, std::vector<double>* grad);

// Mean squared error over `count` rows of `x` / `y`.
double MeanSquaredError(const MlpShape& shape, const std::vector<double>& params,
                        const std::vector<double>& x, const std::vector<double>& y, int count);

}  // namespace mpitune::sgd
