// CUDA batch gradients for the `sgd` objective (see trial/sgd_device.h). Three small
// kernels per batch: hidden layer, output and error, then one thread per parameter
// summing over the batch in row order. Each thread repeats the CPU's arithmetic in
// the CPU's order, and the build passes --fmad=false, so ReLU models match the CPU
// bit for bit and tanh models to a few ulps. The batches are tiny (<= 64 x 64): this
// is about exercising the device path, not about speed.
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "trial/sgd_device.h"

namespace mpitune::sgd {
namespace {

constexpr int kThreads = 128;

int Blocks(std::size_t threads) { return static_cast<int>((threads + kThreads - 1) / kThreads); }

// Written as the CPU's std::max(pre, 0.0) so that NaN propagates the same way.
__device__ double Activate(bool use_tanh, double pre) {
  if (use_tanh) return tanh(pre);
  return pre < 0.0 ? 0.0 : pre;
}

__device__ double Slope(bool use_tanh, double pre, double out) {
  if (use_tanh) return 1.0 - out * out;
  return pre > 0.0 ? 1.0 : 0.0;
}

struct Layout {
  int dim;
  int width;
  int count;  // rows in the batch
  bool use_tanh;
  std::size_t b1;  // offsets into params, as MlpShape
  std::size_t w2;
  std::size_t b2;
};

__global__ void HiddenKernel(Layout l, const double* params, const double* x,
                             const std::uint32_t* rows, double* pre, double* hidden) {
  const std::size_t t = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (t >= static_cast<std::size_t>(l.count) * l.width) return;
  const int s = static_cast<int>(t / l.width);
  const int j = static_cast<int>(t % l.width);
  const double* xs = x + static_cast<std::size_t>(rows[s]) * l.dim;
  const double* w = params + static_cast<std::size_t>(j) * l.dim;
  double sum = params[l.b1 + j];
  for (int i = 0; i < l.dim; ++i) sum += w[i] * xs[i];
  pre[t] = sum;
  hidden[t] = Activate(l.use_tanh, sum);
}

__global__ void ErrorKernel(Layout l, const double* params, const double* y,
                            const std::uint32_t* rows, const double* hidden, double scale,
                            double* err) {
  const int s = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (s >= l.count) return;
  double out = params[l.b2];
  for (int j = 0; j < l.width; ++j) out += params[l.w2 + j] * hidden[static_cast<std::size_t>(s) * l.width + j];
  err[s] = scale * (out - y[rows[s]]);
}

__global__ void GradientKernel(Layout l, const double* params, const double* x,
                               const std::uint32_t* rows, const double* pre, const double* hidden,
                               const double* err, double* grad) {
  const std::size_t k = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (k > l.b2) return;
  double sum = 0.0;
  if (k == l.b2) {
    for (int s = 0; s < l.count; ++s) sum += err[s];
  } else if (k >= l.w2) {
    const std::size_t j = k - l.w2;
    for (int s = 0; s < l.count; ++s) sum += err[s] * hidden[s * l.width + j];
  } else {
    const bool is_bias = k >= l.b1;
    const std::size_t j = is_bias ? k - l.b1 : k / l.dim;
    const std::size_t i = is_bias ? 0 : k % l.dim;
    for (int s = 0; s < l.count; ++s) {
      const std::size_t h = s * l.width + j;
      const double delta = err[s] * params[l.w2 + j] * Slope(l.use_tanh, pre[h], hidden[h]);
      sum += is_bias ? delta : delta * x[static_cast<std::size_t>(rows[s]) * l.dim + i];
    }
  }
  grad[k] = sum;
}

// A device array that only grows, so steady-state batches allocate nothing.
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { cudaFree(data_); }

  cudaError_t Reserve(std::size_t count) {
    if (count <= capacity_) return cudaSuccess;
    cudaFree(data_);
    data_ = nullptr;
    capacity_ = 0;
    const cudaError_t status = cudaMalloc(&data_, count * sizeof(T));
    if (status == cudaSuccess) capacity_ = count;
    return status;
  }
  cudaError_t Upload(const T* host, std::size_t count) {
    const cudaError_t status = Reserve(count);
    if (status != cudaSuccess) return status;
    return cudaMemcpy(data_, host, count * sizeof(T), cudaMemcpyHostToDevice);
  }
  T* get() const { return data_; }

 private:
  T* data_ = nullptr;
  std::size_t capacity_ = 0;
};

class CudaGradient final : public DeviceGradient {
 public:
  // Returns the first failure's text, empty when the training set is on the device.
  std::string Init(const Dataset& data) {
    dim_ = data.dim;
    if (const cudaError_t s = x_.Upload(data.train_x.data(), data.train_x.size()); s != cudaSuccess) {
      return cudaGetErrorString(s);
    }
    if (const cudaError_t s = y_.Upload(data.train_y.data(), data.train_y.size()); s != cudaSuccess) {
      return cudaGetErrorString(s);
    }
    return {};
  }

  bool Compute(const MlpShape& shape, const std::vector<double>& params,
               const std::uint32_t* rows, std::size_t count, std::vector<double>* grad,
               std::string* error) override {
    grad->assign(shape.param_count(), 0.0);
    if (count == 0) return true;
    const Layout l{shape.dim, shape.width, static_cast<int>(count),
                   shape.activation == Activation::kTanh, shape.b1_offset(), shape.w2_offset(),
                   shape.b2_offset()};
    const std::size_t cells = count * static_cast<std::size_t>(shape.width);
    cudaError_t s = shape.dim == dim_ ? cudaSuccess : cudaErrorInvalidValue;
    if (s == cudaSuccess) s = params_.Upload(params.data(), params.size());
    if (s == cudaSuccess) s = rows_.Upload(rows, count);
    if (s == cudaSuccess) s = pre_.Reserve(cells);
    if (s == cudaSuccess) s = hidden_.Reserve(cells);
    if (s == cudaSuccess) s = err_.Reserve(count);
    if (s == cudaSuccess) s = grad_.Reserve(params.size());
    if (s == cudaSuccess) {
      HiddenKernel<<<Blocks(cells), kThreads>>>(l, params_.get(), x_.get(), rows_.get(), pre_.get(),
                                                 hidden_.get());
      ErrorKernel<<<Blocks(count), kThreads>>>(l, params_.get(), y_.get(), rows_.get(),
                                                      hidden_.get(), 2.0 / static_cast<double>(count),
                                                      err_.get());
      GradientKernel<<<Blocks(params.size()), kThreads>>>(l, params_.get(), x_.get(), rows_.get(),
                                                           pre_.get(), hidden_.get(), err_.get(),
                                                           grad_.get());
      s = cudaGetLastError();
    }
    // The copy back waits for the kernels and reports any fault they hit.
    if (s == cudaSuccess) {
      s = cudaMemcpy(grad->data(), grad_.get(), params.size() * sizeof(double), cudaMemcpyDeviceToHost);
    }
    if (s == cudaSuccess) return true;
    *error = cudaGetErrorString(s);
    return false;
  }

 private:
  int dim_ = 0;
  DeviceBuffer<double> x_, y_, params_, pre_, hidden_, err_, grad_;
  DeviceBuffer<std::uint32_t> rows_;
};

}  // namespace

std::unique_ptr<DeviceGradient> MakeDeviceGradient(const Dataset& data, std::string* why) {
  int count = 0;
  if (const cudaError_t s = cudaGetDeviceCount(&count); s != cudaSuccess || count == 0) {
    *why = s != cudaSuccess ? cudaGetErrorString(s) : "no CUDA device on this machine";
    return nullptr;
  }
  auto device = std::make_unique<CudaGradient>();
  if (std::string error = device->Init(data); !error.empty()) {
    *why = "uploading the training set: " + error;
    return nullptr;
  }
  return device;
}

}  // namespace mpitune::sgd
