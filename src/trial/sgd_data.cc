#include "trial/sgd_data.h"

#include <cmath>
#include <numbers>
#include <vector>

#include "mpitune/rng.h"

namespace mpitune::sgd {
namespace {

// Narrower than the students (8 tanh units) so that every student width can fit it;
// the noise keeps a floor under the validation loss, as real data has.
constexpr int kTeacherWidth = 8;
constexpr double kNoise = 0.1;

struct Teacher {
  std::vector<double> w1;  // kTeacherWidth x kInputDim
  std::vector<double> b1;
  std::vector<double> w2;

  double operator()(const double* x) const {
    double y = 0.0;
    for (int j = 0; j < kTeacherWidth; ++j) {
      double pre = b1[j];
      for (int i = 0; i < kInputDim; ++i) pre += w1[j * kInputDim + i] * x[i];
      y += w2[j] * std::tanh(pre);
    }
    return y;
  }
};

Teacher MakeTeacher(Rng& rng) {
  Teacher teacher;
  // Unit-variance pre-activations: the tanh units neither saturate nor stay linear.
  const double in_scale = 1.0 / std::sqrt(static_cast<double>(kInputDim));
  for (int k = 0; k < kTeacherWidth * kInputDim; ++k) teacher.w1.push_back(in_scale * StandardNormal(rng));
  for (int j = 0; j < kTeacherWidth; ++j) teacher.b1.push_back(0.5 * StandardNormal(rng));
  for (int j = 0; j < kTeacherWidth; ++j) teacher.w2.push_back(StandardNormal(rng) / std::sqrt(kTeacherWidth));
  return teacher;
}

void Fill(const Teacher& teacher, Rng& rng, int count, std::vector<double>* x,
          std::vector<double>* y) {
  x->resize(static_cast<std::size_t>(count) * kInputDim);
  y->resize(static_cast<std::size_t>(count));
  for (int n = 0; n < count; ++n) {
    double* row = x->data() + static_cast<std::size_t>(n) * kInputDim;
    for (int i = 0; i < kInputDim; ++i) row[i] = StandardNormal(rng);
    (*y)[n] = teacher(row) + kNoise * StandardNormal(rng);
  }
}

}  // namespace

double StandardNormal(Rng& rng) {
  const double u1 = 1.0 - rng.Uniform();  // (0, 1]: the log stays finite
  const double u2 = rng.Uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

Dataset MakeDataset(std::uint64_t seed) {
  Rng rng(Rng::Mix(seed, 0x736764646174ULL));
  const Teacher teacher = MakeTeacher(rng);
  Dataset data;
  data.dim = kInputDim;
  data.train_size = kTrainSize;
  data.val_size = kValSize;
  Fill(teacher, rng, kTrainSize, &data.train_x, &data.train_y);
  Fill(teacher, rng, kValSize, &data.val_x, &data.val_y);
  return data;
}

}  // namespace mpitune::sgd
