// mote trainer — the training loop: mini-batches, shuffling, schedule, evaluation.
//
// fit() runs `epochs` passes over (x, y): x is [samples, input shape...], y is the loss's target
// with samples first ([samples] class indices, [samples, k] values). Each epoch draws a permutation
// from Rng(seed + epoch) (when shuffling), cuts it into batches (the last one may be smaller),
// and for each batch runs forward (training), the loss, backward and one optimizer step with the
// schedule's rate at the fractional epoch. Same model seed, same options -> same weights, bit for
// bit, with any thread count.
//
//   FitOptions fo;
//   fo.epochs = 10; fo.batch_size = 64; fo.lr = LrSchedule::constant(1e-3f);
//   fo.on_epoch = [](const EpochStats& s) { std::printf("%d %.4f\n", s.epoch, s.loss); };
//   fit(model, SoftmaxCrossEntropy(), adam, x_train, y_train, fo);
//   EvalResult r = evaluate(model, SoftmaxCrossEntropy(), x_test, y_test, 256);
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "host/train/loss.h"
#include "host/train/model.h"
#include "host/train/optim.h"

namespace mote::train {

struct EpochStats {
  int epoch = 0;          // 0-based
  double loss = 0;        // mean training loss over the epoch's batches (weighted by batch size)
  double accuracy = -1;   // training accuracy for SoftmaxCrossEntropy, else -1
  double seconds = 0;     // wall time of the epoch
  float lr = 0;           // rate at the epoch's last batch
};

struct FitOptions {
  int epochs = 1;
  int batch_size = 32;
  bool shuffle = true;
  uint64_t seed = 0;
  LrSchedule lr = LrSchedule::constant(1e-3f);
  std::function<void(int batch, int batches, double loss)> on_batch;  // optional, after each step
  std::function<void(const EpochStats&)> on_epoch;                      // optional
};

struct EvalResult {
  double loss = 0;
  double accuracy = -1;  // for SoftmaxCrossEntropy, else -1
};

// Rows idx[0..count) of t (samples first) as a new batch tensor.
Tensor gather_rows(const Tensor& t, const int* idx, int count);

std::vector<EpochStats> fit(Model& model, const Loss& loss, Optimizer& opt, const Tensor& x,
                            const Tensor& y, const FitOptions& options);

// Inference-mode pass over all samples in batches; the mean loss and accuracy.
EvalResult evaluate(Model& model, const Loss& loss, const Tensor& x, const Tensor& y, int batch_size);

}  // namespace mote::train
