#include "host/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "host/error.h"

namespace mote::train {

namespace {

void check_data(const Tensor& x, const Tensor& y, int batch_size) {
  if (x.rank() < 1 || y.rank() < 1 || x.dim(0) != y.dim(0))
    throw host::HostError("data: inputs " + shape_str(x.shape()) + " and targets " +
                          shape_str(y.shape()) + " must have the same number of samples");
  if (batch_size < 1) throw host::HostError("batch size must be at least 1, got " + std::to_string(batch_size));
}

bool is_classifier(const Loss& loss) { return dynamic_cast<const SoftmaxCrossEntropy*>(&loss) != nullptr; }

}  // namespace

Tensor gather_rows(const Tensor& t, const int* idx, int count) {
  Shape s = t.shape();
  s[0] = count;
  Tensor out(s);
  const size_t row = t.dim(0) ? t.size() / static_cast<size_t>(t.dim(0)) : 0;
  for (int i = 0; i < count; ++i)
    std::memcpy(out.data() + row * i, t.data() + row * static_cast<size_t>(idx[i]), sizeof(float) * row);
  return out;
}

std::vector<EpochStats> fit(Model& model, const Loss& loss, Optimizer& opt, const Tensor& x,
                            const Tensor& y, const FitOptions& o) {
  check_data(x, y, o.batch_size);
  const int samples = x.dim(0);
  const int batches = (samples + o.batch_size - 1) / o.batch_size;
  const bool classifier = is_classifier(loss);
  std::vector<EpochStats> history;
  Tensor grad;
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<int> order(static_cast<size_t>(samples));
    for (int i = 0; i < samples; ++i) order[static_cast<size_t>(i)] = i;
    if (o.shuffle) order = Rng(o.seed + static_cast<uint64_t>(epoch), 0x5eed).permutation(samples);
    EpochStats st;
    st.epoch = epoch;
    double loss_sum = 0, right = 0;
    for (int b = 0; b < batches; ++b) {
      const int first = b * o.batch_size, count = std::min(o.batch_size, samples - first);
      const Tensor bx = gather_rows(x, order.data() + first, count);
      const Tensor by = gather_rows(y, order.data() + first, count);
      const Tensor& pred = model.forward(bx, true);
      const double l = loss.compute(pred, by, &grad);
      if (classifier) right += accuracy(pred, by) * count;
      model.backward(grad);
      st.lr = o.lr.at(epoch + static_cast<double>(b) / batches);
      opt.step(model.params(), st.lr);
      loss_sum += l * count;
      if (o.on_batch) o.on_batch(b, batches, l);
    }
    st.loss = samples ? loss_sum / samples : 0;
    st.accuracy = classifier && samples ? right / samples : -1;
    st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    history.push_back(st);
    if (o.on_epoch) o.on_epoch(st);
  }
  return history;
}

EvalResult evaluate(Model& model, const Loss& loss, const Tensor& x, const Tensor& y, int batch_size) {
  check_data(x, y, batch_size);
  const int samples = x.dim(0);
  const bool classifier = is_classifier(loss);
  std::vector<int> idx(static_cast<size_t>(samples));
  for (int i = 0; i < samples; ++i) idx[static_cast<size_t>(i)] = i;
  EvalResult r;
  double loss_sum = 0, right = 0;
  for (int first = 0; first < samples; first += batch_size) {
    const int count = std::min(batch_size, samples - first);
    const Tensor bx = gather_rows(x, idx.data() + first, count);
    const Tensor by = gather_rows(y, idx.data() + first, count);
    const Tensor& pred = model.forward(bx, false);
    loss_sum += loss.compute(pred, by, nullptr) * count;
    if (classifier) right += accuracy(pred, by) * count;
  }
  r.loss = samples ? loss_sum / samples : 0;
  r.accuracy = classifier && samples ? right / samples : -1;
  return r;
}

}  // namespace mote::train
