// mote trainer — optimizers and learning-rate schedules.
//
// Optimizers update parameters in place from their gradients (Param::grad, as Model::backward left
// them). L2 weight decay adds weight_decay * w to the gradient of parameters with Param::decay set
// (kernels; not biases or BatchNorm), before the momentum / moment estimates — PyTorch's
// `weight_decay` for both SGD and Adam.
//
//   SGD   v = momentum * v + g;  w -= lr * (nesterov ? g + momentum * v : v)   (v starts at 0;
//         momentum 0 is plain gradient descent)
//   Adam  t += 1;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//         w -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)     (PyTorch's form;
//         the bias corrections are computed in double, everything else in float)
//
// Schedules give the learning rate at a (fractional) epoch e = step / steps_per_epoch:
//   constant  base
//   step      base * gamma ^ floor(e / step_epochs)
//   cosine    min + (base - min) * (1 + cos(pi * min(e, total_epochs) / total_epochs)) / 2
//
//   Adam adam;                         // lr comes from the schedule
//   LrSchedule lr = LrSchedule::cosine(1e-3f, 10);
//   adam.step(model.params(), lr.at(epoch + batch / double(batches)));
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "host/train/layer.h"

namespace mote::train {

struct LrSchedule {
  enum class Kind { kConstant, kStep, kCosine };
  Kind kind = Kind::kConstant;
  float base = 1e-3f;
  int step_epochs = 1;   // step
  float gamma = 0.1f;    // step
  int total_epochs = 1;  // cosine
  float min_lr = 0.0f;   // cosine

  static LrSchedule constant(float base);
  static LrSchedule step(float base, int step_epochs, float gamma);
  static LrSchedule cosine(float base, int total_epochs, float min_lr = 0.0f);
  float at(double epoch) const;
};

class Optimizer {
 public:
  explicit Optimizer(float weight_decay) : weight_decay_(weight_decay) {}
  virtual ~Optimizer() = default;
  virtual const char* name() const = 0;
  // One update of every parameter with learning rate lr.
  void step(const std::vector<Param*>& params, float lr);
  int64_t steps() const { return steps_; }
  float weight_decay() const { return weight_decay_; }

 protected:
  // Updates p (gradient already including weight decay in g, n values). `state` holds the
  // optimizer's per-parameter buffers (created zero-filled, slots() * n floats).
  virtual void update(float* w, const float* g, float* state, size_t n, float lr) = 0;
  virtual int slots() const = 0;

 private:
  float weight_decay_;
  int64_t steps_ = 0;
  std::unordered_map<const Param*, std::vector<float>> state_;
  std::vector<float> g_;
};

class SGD : public Optimizer {
 public:
  explicit SGD(float momentum = 0.0f, bool nesterov = false, float weight_decay = 0.0f)
      : Optimizer(weight_decay), momentum_(momentum), nesterov_(nesterov) {}
  const char* name() const override { return "sgd"; }

 protected:
  void update(float* w, const float* g, float* state, size_t n, float lr) override;
  int slots() const override { return 1; }

 private:
  float momentum_;
  bool nesterov_;
};

class Adam : public Optimizer {
 public:
  explicit Adam(float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weight_decay = 0.0f)
      : Optimizer(weight_decay), b1_(beta1), b2_(beta2), eps_(epsilon) {}
  const char* name() const override { return "adam"; }

 protected:
  void update(float* w, const float* g, float* state, size_t n, float lr) override;
  int slots() const override { return 2; }

 private:
  float b1_, b2_, eps_;
};

}  // namespace mote::train
