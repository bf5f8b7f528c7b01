#include "host/train/layer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "host/error.h"

namespace mote::train {

const char* padding_name(Padding p) { return p == Padding::kSame ? "same" : "valid"; }

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::kRelu: return "relu";
    case Activation::kRelu6: return "relu6";
    default: return "none";
  }
}

void RunContext::parallel(int tasks, const std::function<void(int)>& fn) const {
  if (pool) {
    pool->run(tasks, fn);
    return;
  }
  for (int t = 0; t < tasks; ++t) fn(t);
}

std::string Layer::label() const {
  return name_.empty() ? std::string(kind()) : std::string(kind()) + " '" + name_ + "'";
}

void Layer::fail(const std::string& message) const { throw host::HostError(label() + ": " + message); }

void Layer::expect_inputs(const std::vector<Shape>& inputs, size_t n, int rank,
                          const char* layout) const {
  if (inputs.size() != n)
    fail("takes " + std::to_string(n) + " input(s), got " + std::to_string(inputs.size()));
  for (const Shape& s : inputs)
    if (rank >= 0 && static_cast<int>(s.size()) != rank)
      fail("expects a rank-" + std::to_string(rank + 1) + " input " + layout +
           " (batch included), got per-sample shape " + shape_str(s));
}

void init_weights(Tensor& w, Init init, int fan_in, int fan_out, Rng& rng) {
  const double f_in = std::max(1, fan_in), f_out = std::max(1, fan_out);
  const double limit = init == Init::kHeUniform ? std::sqrt(6.0 / f_in) : std::sqrt(6.0 / (f_in + f_out));
  const float a = static_cast<float>(limit);
  for (float& v : w.vec()) v = rng.uniform(-a, a);
}

void apply_activation(Activation act, float* x, size_t n) {
  if (act == Activation::kRelu) {
    for (size_t i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
  } else if (act == Activation::kRelu6) {
    for (size_t i = 0; i < n; ++i) x[i] = std::min(std::max(x[i], 0.0f), 6.0f);
  }
}

void activation_grad(Activation act, const float* y, const float* dy, float* dz, size_t n) {
  if (act == Activation::kRelu) {
    for (size_t i = 0; i < n; ++i) dz[i] = keep_if(dy[i], y[i] > 0.0f);
  } else if (act == Activation::kRelu6) {
    for (size_t i = 0; i < n; ++i) dz[i] = keep_if(dy[i], (y[i] > 0.0f) & (y[i] < 6.0f));
  } else if (dz != dy) {
    std::copy(dy, dy + n, dz);
  }
}

int task_count(int items, double work_per_item, double target_work_per_task) {
  if (items <= 1) return 1;
  const double tasks = std::ceil(items * work_per_item / std::max(1.0, target_work_per_task));
  return static_cast<int>(std::min<double>(items, std::max(1.0, tasks)));
}

Axis make_axis(const std::string& who, const char* axis_name, int in, int filter, int stride,
               Padding padding) {
  Axis a;
  a.in = in;
  a.filter = filter;
  a.stride = stride;
  if (filter < 1 || stride < 1)
    throw host::HostError(who + ": " + axis_name + " filter " + std::to_string(filter) +
                          " and stride " + std::to_string(stride) + " must be at least 1");
  a.out = padding == Padding::kSame ? (in + stride - 1) / stride : (in - filter + stride) / stride;
  if (in < 1 || a.out < 1)
    throw host::HostError(who + ": " + axis_name + " input " + std::to_string(in) +
                          " is smaller than the filter " + std::to_string(filter) +
                          " (padding valid); the output would be empty");
  a.before = std::max(0, (a.out - 1) * stride + filter - in) / 2;
  return a;
}

void sum_partials(const std::vector<float>& partial, int tasks, size_t n, float* out) {
  std::fill(out, out + n, 0.0f);
  for (int t = 0; t < tasks; ++t) {
    const float* p = partial.data() + n * static_cast<size_t>(t);
    for (size_t i = 0; i < n; ++i) out[i] += p[i];
  }
}

}  // namespace mote::train
