#include "host/train/loss.h"

#include <algorithm>
#include <cmath>

#include "host/error.h"

namespace mote::train {

namespace {

// Class index of row n of a sparse target, checked.
int class_of(const Tensor& target, int n, int classes) {
  const float v = target.at(static_cast<size_t>(n));
  if (!(v >= 0.0f && v < static_cast<float>(classes)) || v != std::floor(v))
    throw host::HostError("label of sample " + std::to_string(n) + " is " + std::to_string(v) +
                          "; class indices must be integers in [0, " + std::to_string(classes) + ")");
  return static_cast<int>(v);
}

// True for targets [N] or [N, 1] (class indices), false for [N, C]; throws otherwise.
bool sparse_target(const Tensor& pred, const Tensor& target, const char* who) {
  const int N = pred.dim(0), C = pred.shape().back();
  if (target.shape() == pred.shape()) return false;
  if ((target.rank() == 1 && target.dim(0) == N) || (target.rank() == 2 && target.dim(0) == N && target.dim(1) == 1))
    return true;
  throw host::HostError(std::string(who) + ": target shape " + shape_str(target.shape()) +
                        " fits neither class indices [" + std::to_string(N) + "] nor [" +
                        std::to_string(N) + ", " + std::to_string(C) + "]");
}

void same_shape(const Tensor& pred, const Tensor& target, const char* who) {
  if (pred.shape() != target.shape())
    throw host::HostError(std::string(who) + ": target shape " + shape_str(target.shape()) +
                          " differs from the prediction shape " + shape_str(pred.shape()));
}

}  // namespace

double SoftmaxCrossEntropy::compute(const Tensor& pred, const Tensor& target, Tensor* grad) const {
  if (pred.rank() != 2) throw host::HostError("softmax cross-entropy: logits must be [batch, classes], got " + shape_str(pred.shape()));
  const int N = pred.dim(0), C = pred.dim(1);
  const bool sparse = sparse_target(pred, target, "softmax cross-entropy");
  if (grad) grad->resize(pred.shape());
  double total = 0.0;
  std::vector<double> p(static_cast<size_t>(C));
  for (int n = 0; n < N; ++n) {
    const float* z = pred.data() + static_cast<size_t>(n) * C;
    const double mx = *std::max_element(z, z + C);
    double sum = 0.0;
    for (int c = 0; c < C; ++c) sum += (p[c] = std::exp(z[c] - mx));
    const double lse = mx + std::log(sum);
    const int label = sparse ? class_of(target, n, C) : -1;
    for (int c = 0; c < C; ++c) {
      const double t = sparse ? (c == label ? 1.0 : 0.0) : target.at(static_cast<size_t>(n) * C + c);
      total += t * (lse - z[c]);
      if (grad) grad->at(static_cast<size_t>(n) * C + c) = static_cast<float>((p[c] / sum - t) / N);
    }
  }
  return N ? total / N : 0.0;
}

double BinaryCrossEntropy::compute(const Tensor& pred, const Tensor& target, Tensor* grad) const {
  same_shape(pred, target, "binary cross-entropy");
  if (grad) grad->resize(pred.shape());
  const size_t count = pred.size();
  double total = 0.0;
  for (size_t i = 0; i < count; ++i) {
    const double z = pred.at(i), t = target.at(i);
    if (!(t >= 0.0 && t <= 1.0))
      throw host::HostError("binary cross-entropy: target " + std::to_string(i) + " is " +
                            std::to_string(t) + ", must be in [0, 1]");
    double g;
    if (from_logits_) {
      total += std::max(z, 0.0) - z * t + std::log1p(std::exp(-std::fabs(z)));
      g = 1.0 / (1.0 + std::exp(-z)) - t;
    } else {
      const double eps = 1e-7, p = std::min(std::max(z, eps), 1.0 - eps);
      total += -(t * std::log(p) + (1.0 - t) * std::log(1.0 - p));
      g = (z > eps && z < 1.0 - eps) ? (p - t) / (p * (1.0 - p)) : 0.0;
    }
    if (grad) grad->at(i) = static_cast<float>(g / count);
  }
  return count ? total / count : 0.0;
}

double MeanSquaredError::compute(const Tensor& pred, const Tensor& target, Tensor* grad) const {
  same_shape(pred, target, "mean squared error");
  if (grad) grad->resize(pred.shape());
  const size_t count = pred.size();
  double total = 0.0;
  for (size_t i = 0; i < count; ++i) {
    const double d = static_cast<double>(pred.at(i)) - target.at(i);
    total += d * d;
    if (grad) grad->at(i) = static_cast<float>(2.0 * d / count);
  }
  return count ? total / count : 0.0;
}

double accuracy(const Tensor& pred, const Tensor& target) {
  if (pred.rank() != 2) throw host::HostError("accuracy: predictions must be [batch, classes], got " + shape_str(pred.shape()));
  const int N = pred.dim(0), C = pred.dim(1);
  const bool sparse = sparse_target(pred, target, "accuracy");
  int right = 0;
  for (int n = 0; n < N; ++n) {
    const float* z = pred.data() + static_cast<size_t>(n) * C;
    const int guess = static_cast<int>(std::max_element(z, z + C) - z);
    int truth;
    if (sparse) {
      truth = class_of(target, n, C);
    } else {
      const float* t = target.data() + static_cast<size_t>(n) * C;
      truth = static_cast<int>(std::max_element(t, t + C) - t);
    }
    right += guess == truth;
  }
  return N ? static_cast<double>(right) / N : 0.0;
}

}  // namespace mote::train
