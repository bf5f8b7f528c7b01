#include "host/train/optim.h"

#include <cmath>

namespace mote::train {

LrSchedule LrSchedule::constant(float base) {
  LrSchedule s;
  s.base = base;
  return s;
}

LrSchedule LrSchedule::step(float base, int step_epochs, float gamma) {
  LrSchedule s;
  s.kind = Kind::kStep;
  s.base = base;
  s.step_epochs = step_epochs;
  s.gamma = gamma;
  return s;
}

LrSchedule LrSchedule::cosine(float base, int total_epochs, float min_lr) {
  LrSchedule s;
  s.kind = Kind::kCosine;
  s.base = base;
  s.total_epochs = total_epochs;
  s.min_lr = min_lr;
  return s;
}

float LrSchedule::at(double epoch) const {
  switch (kind) {
    case Kind::kStep: {
      const int k = step_epochs > 0 ? static_cast<int>(std::floor(epoch / step_epochs)) : 0;
      return static_cast<float>(base * std::pow(static_cast<double>(gamma), k));
    }
    case Kind::kCosine: {
      if (total_epochs <= 0) return base;
      const double e = std::min(std::max(epoch, 0.0), static_cast<double>(total_epochs));
      const double pi = 3.141592653589793;
      return static_cast<float>(min_lr + (base - min_lr) * 0.5 * (1.0 + std::cos(pi * e / total_epochs)));
    }
    default: return base;
  }
}

void Optimizer::step(const std::vector<Param*>& params, float lr) {
  ++steps_;
  for (Param* p : params) {
    const size_t n = p->value.size();
    std::vector<float>& st = state_[p];
    if (st.size() != n * static_cast<size_t>(slots())) st.assign(n * static_cast<size_t>(slots()), 0.0f);
    const float* g = p->grad.data();
    if (weight_decay_ != 0.0f && p->decay) {
      g_.resize(n);
      for (size_t i = 0; i < n; ++i) g_[i] = p->grad.at(i) + weight_decay_ * p->value.at(i);
      g = g_.data();
    }
    update(p->value.data(), g, st.data(), n, lr);
  }
}

void SGD::update(float* w, const float* g, float* v, size_t n, float lr) {
  if (momentum_ == 0.0f) {
    for (size_t i = 0; i < n; ++i) w[i] -= lr * g[i];
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    v[i] = momentum_ * v[i] + g[i];
    w[i] -= lr * (nesterov_ ? g[i] + momentum_ * v[i] : v[i]);
  }
}

void Adam::update(float* w, const float* g, float* state, size_t n, float lr) {
  float* m = state;
  float* v = state + n;
  const double bc1 = 1.0 - std::pow(static_cast<double>(b1_), static_cast<double>(steps()));
  const double bc2 = 1.0 - std::pow(static_cast<double>(b2_), static_cast<double>(steps()));
  const float step_size = static_cast<float>(lr / bc1);
  const float inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(bc2));
  for (size_t i = 0; i < n; ++i) {
    m[i] = b1_ * m[i] + (1.0f - b1_) * g[i];
    v[i] = b2_ * v[i] + (1.0f - b2_) * g[i] * g[i];
    w[i] -= step_size * m[i] / (std::sqrt(v[i]) * inv_sqrt_bc2 + eps_);
  }
}

}  // namespace mote::train
