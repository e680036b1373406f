#include "trial/sgd_mlp.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mpitune::sgd {
namespace {

double Activate(Activation activation, double pre) {
  return activation == Activation::kTanh ? std::tanh(pre) : std::max(pre, 0.0);
}

// The derivative from the activation's output, which the forward pass already has.
double ActivationSlope(Activation activation, double pre, double out) {
  if (activation == Activation::kTanh) return 1.0 - out * out;
  return pre > 0.0 ? 1.0 : 0.0;
}

// Hidden pre-activations and outputs of one row; returns the network's output.
double Forward(const MlpShape& shape, const std::vector<double>& params, const double* x,
               double* pre, double* hidden) {
  const double* w1 = params.data();
  const double* b1 = params.data() + shape.b1_offset();
  const double* w2 = params.data() + shape.w2_offset();
  double y = params[shape.b2_offset()];
  for (int j = 0; j < shape.width; ++j) {
    const double* w = w1 + static_cast<std::size_t>(j) * shape.dim;
    double sum = b1[j];
    for (int i = 0; i < shape.dim; ++i) sum += w[i] * x[i];
    pre[j] = sum;
    hidden[j] = Activate(shape.activation, sum);
    y += w2[j] * hidden[j];
  }
  return y;
}

}  // namespace

void BatchGradient(const MlpShape& shape, const std::vector<double>& params, const Dataset& data,
                   const std::uint32_t* rows, std::size_t count, std::vector<double>* grad) {
  grad->assign(shape.param_count(), 0.0);
  if (count == 0) return;
  double* g_w1 = grad->data();
  double* g_b1 = grad->data() + shape.b1_offset();
  double* g_w2 = grad->data() + shape.w2_offset();
  double& g_b2 = (*grad)[shape.b2_offset()];
  const double* w2 = params.data() + shape.w2_offset();
  std::vector<double> pre(static_cast<std::size_t>(shape.width));
  std::vector<double> hidden(static_cast<std::size_t>(shape.width));
  const double scale = 2.0 / static_cast<double>(count);
  for (std::size_t n = 0; n < count; ++n) {
    const std::uint32_t row = rows[n];
    const double* x = data.train_x.data() + static_cast<std::size_t>(row) * shape.dim;
    const double err = scale * (Forward(shape, params, x, pre.data(), hidden.data()) - data.train_y[row]);
    g_b2 += err;
    for (int j = 0; j < shape.width; ++j) {
      g_w2[j] += err * hidden[j];
      const double delta = err * w2[j] * ActivationSlope(shape.activation, pre[j], hidden[j]);
      g_b1[j] += delta;
      double* g = g_w1 + static_cast<std::size_t>(j) * shape.dim;
      for (int i = 0; i < shape.dim; ++i) g[i] += delta * x[i];
    }
  }
}

double MeanSquaredError(const MlpShape& shape, const std::vector<double>& params,
                        const std::vector<double>& x, const std::vector<double>& y, int count) {
  std::vector<double> pre(static_cast<std::size_t>(shape.width));
  std::vector<double> hidden(static_cast<std::size_t>(shape.width));
  double sum = 0.0;
  for (int n = 0; n < count; ++n) {
    const double* row = x.data() + static_cast<std::size_t>(n) * shape.dim;
    const double err = Forward(shape, params, row, pre.data(), hidden.data()) - y[n];
    sum += err * err;
  }
  return count > 0 ? sum / count : 0.0;
}

}  // namespace mpitune::sgd
