// mote trainer — losses. Each returns the mean loss of a batch and, when `grad` is given, writes
// dLoss/dpred (shaped like pred) into it. Sums run in double.
//
//   SoftmaxCrossEntropy  pred: logits [N, C]. target: class indices [N] (or [N, 1]) stored as
//                        floats, or probabilities [N, C]. loss = mean_n(logsumexp(z_n) - sum_c t_nc z_nc);
//                        grad = (softmax(z) - t) / N.
//   BinaryCrossEntropy   pred: logits (from_logits, the default) or probabilities, any shape;
//                        target: same shape, values in [0, 1]. Mean over all elements.
//                        Logits: loss = max(z, 0) - z t + log(1 + e^-|z|), grad = (sigmoid(z) - t) / count.
//                        Probabilities are clamped to [1e-7, 1 - 1e-7] (gradient 0 where clamped).
//   MeanSquaredError     mean over all elements of (pred - target)^2; grad = 2 (pred - target) / count.
//
// Targets that do not fit (wrong shape, class index out of range or not an integer) throw
// HostError naming the sample and the value.
//
//   SoftmaxCrossEntropy ce;
//   double loss = ce.compute(logits, labels, &dlogits);
#pragma once

#include <string>

#include "host/train/tensor.h"

namespace mote::train {

class Loss {
 public:
  virtual ~Loss() = default;
  virtual const char* name() const = 0;
  virtual double compute(const Tensor& pred, const Tensor& target, Tensor* grad) const = 0;
};

class SoftmaxCrossEntropy : public Loss {
 public:
  const char* name() const override { return "softmax_cross_entropy"; }
  double compute(const Tensor& pred, const Tensor& target, Tensor* grad) const override;
};

class BinaryCrossEntropy : public Loss {
 public:
  explicit BinaryCrossEntropy(bool from_logits = true) : from_logits_(from_logits) {}
  const char* name() const override { return "binary_cross_entropy"; }
  double compute(const Tensor& pred, const Tensor& target, Tensor* grad) const override;

 private:
  bool from_logits_;
};

class MeanSquaredError : public Loss {
 public:
  const char* name() const override { return "mse"; }
  double compute(const Tensor& pred, const Tensor& target, Tensor* grad) const override;
};

// Fraction of rows of pred [N, C] whose arg-max equals the target (indices [N] or one-hot [N, C]).
double accuracy(const Tensor& pred, const Tensor& target);

}  // namespace mote::train
