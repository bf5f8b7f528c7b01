// mote trainer — the layer interface and what layers share.
//
// A Layer is one operation with its parameters. It is built once from the per-sample shapes of its
// inputs (checking them, creating and initializing its parameters, returning its per-sample output
// shape), then run any number of times on batches:
//
//   forward(in, out, ctx)                 out = f(in), resized by the layer
//   backward(in, out, dout, din, ctx)     din[i] = dL/d in[i] (skipped where din[i] is null; the
//                                         caller has sized it like in[i]), and every parameter's
//                                         grad = dL/d param (overwritten, not accumulated)
//
// backward() must follow the forward() of the same batch: layers keep what they need from it
// (argmax positions, batch statistics). Every layer maps to one .tflite operator (see layers.h), with
// parameters in .tflite layouts.
//
// Threads: layers split the batch (or the channels) into tasks whose number depends only on the
// shapes, give each task its own output or partial sum, and add partial sums in task order — so a
// run is bit-identical whatever the number of threads.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "host/train/parallel.h"
#include "host/train/rng.h"
#include "host/train/tensor.h"

namespace mote::train {

enum class Padding { kSame, kValid };
// A fused activation, as .tflite's fused_activation_function (NONE, RELU, RELU6).
enum class Activation { kNone, kRelu, kRelu6 };
// Weight initializers (biases and BatchNorm start at 0 / 1).
//   kGlorotUniform  U(-a, a), a = sqrt(6 / (fan_in + fan_out))   (Keras' default)
//   kHeUniform      U(-a, a), a = sqrt(6 / fan_in)
enum class Init { kGlorotUniform, kHeUniform };

const char* padding_name(Padding p);        // "same", "valid"
const char* activation_name(Activation a);  // "none", "relu", "relu6"

// A trainable tensor and its gradient (same shape).
struct Param {
  std::string name;  // "kernel", "bias", "gamma", "beta"
  Tensor value, grad;
  bool decay = true;  // L2 weight decay applies (kernels: yes; biases and BatchNorm: no)
};

// What a run needs besides the tensors.
struct RunContext {
  ThreadPool* pool = nullptr;  // null: run on the calling thread
  bool training = false;       // BatchNorm uses batch statistics, Dropout drops
  uint64_t step = 0;           // training step, so every batch draws a new dropout mask
  void parallel(int tasks, const std::function<void(int)>& fn) const;
};

class Layer {
 public:
  virtual ~Layer() = default;
  virtual const char* kind() const = 0;  // "Conv2D", "Dense", ...
  // How many inputs the layer takes; Add returns -1 (two or more).
  virtual int arity() const { return 1; }
  // Checks the per-sample input shapes, creates the parameters from `rng`, returns the per-sample
  // output shape. Throws HostError naming the layer, the rule and the numbers.
  virtual Shape build(const std::vector<Shape>& inputs, Rng& rng) = 0;
  virtual void forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext& ctx) = 0;
  virtual void backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dout,
                        const std::vector<Tensor*>& din, const RunContext& ctx) = 0;
  virtual std::vector<Param*> params() { return {}; }
  // State that is saved with the model but not trained (BatchNorm's moving statistics).
  virtual std::vector<std::pair<std::string, Tensor*>> buffers() { return {}; }

  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }

 protected:
  // "Conv2D 'conv1'" or "Conv2D" for messages.
  std::string label() const;
  // Throws HostError "<label>: <message>".
  [[noreturn]] void fail(const std::string& message) const;
  // Throws unless inputs.size() == n and every input has the given rank (rank < 0: any).
  void expect_inputs(const std::vector<Shape>& inputs, size_t n, int rank, const char* layout) const;

 private:
  std::string name_;
};

// Fills a weight tensor from `rng` with the initializer.
void init_weights(Tensor& w, Init init, int fan_in, int fan_out, Rng& rng);

// v if keep, else +0: a bit mask rather than a select, because a select on a float compare does
// not vectorize without -ffast-math.
inline __attribute__((always_inline)) float keep_if(float v, bool keep) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  bits &= static_cast<uint32_t>(-static_cast<int32_t>(keep));
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

// In place: x = act(x) for n values.
void apply_activation(Activation act, float* x, size_t n);
// dz = dy * act'(y) where y = act(z) is the activation's output (ReLU: y > 0; ReLU6: 0 < y < 6).
void activation_grad(Activation act, const float* y, const float* dy, float* dz, size_t n);

// How many tasks to cut `items` (samples, rows) into when each costs `work` units: about
// total / target units per task, at least 1 and at most `items`. Depends only on its arguments.
int task_count(int items, double work_per_item, double target_work_per_task);

// One axis of a convolution or pooling window (.tflite rules):
//   SAME  out = ceil(in / stride), VALID out = (in - filter + stride) / stride,
//   before = max(0, (out - 1) * stride + filter - in) / 2.
struct Axis {
  int in = 0, filter = 1, stride = 1, out = 0, before = 0;
};
// Throws HostError (via the layer's message prefix `who`) when the output would be empty.
Axis make_axis(const std::string& who, const char* axis_name, int in, int filter, int stride,
               Padding padding);

// The taps of output pixel (oy, ox) that fall inside the input: rows ky in [ky0, ky1) read input
// row iy0 + ky, columns kx in [kx0, kx1) read input column ix0 + kx.
struct Window {
  int iy0, ix0, ky0, ky1, kx0, kx1;
};
inline __attribute__((always_inline)) Window window_at(const Axis& y, const Axis& x, int oy, int ox) {
  Window w;
  w.iy0 = oy * y.stride - y.before;
  w.ix0 = ox * x.stride - x.before;
  w.ky0 = w.iy0 < 0 ? -w.iy0 : 0;
  w.ky1 = y.filter < y.in - w.iy0 ? y.filter : y.in - w.iy0;
  w.kx0 = w.ix0 < 0 ? -w.ix0 : 0;
  w.kx1 = x.filter < x.in - w.ix0 ? x.filter : x.in - w.ix0;
  return w;
}

// out[i] = sum over tasks t (in order) of partial[t * n + i], i < n.
void sum_partials(const std::vector<float>& partial, int tasks, size_t n, float* out);

}  // namespace mote::train
