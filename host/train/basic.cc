// Dense, ReLU/ReLU6, Dropout, Reshape/Flatten, Softmax, Add.
#include <algorithm>
#include <cmath>

#include "host/train/gemm.h"
#include "host/train/layers.h"

namespace mote::train {

namespace {
constexpr double kMacsPerTask = 1 << 18;

void copy_tensor(const Tensor& from, Tensor& to) {
  std::copy(from.vec().begin(), from.vec().end(), to.vec().begin());
}
}  // namespace

// ---- Dense ---------------------------------------------------------------------------------------

Shape Dense::build(const std::vector<Shape>& inputs, Rng& rng) {
  expect_inputs(inputs, 1, 1, "[batch, features] (put a Flatten before it)");
  if (o_.units < 1) fail("units must be at least 1, got " + std::to_string(o_.units));
  in_ = inputs[0][0];
  if (in_ < 1) fail("input has " + std::to_string(in_) + " features");
  kernel_.value = Tensor({o_.units, in_});
  kernel_.grad = Tensor(kernel_.value.shape());
  init_weights(kernel_.value, o_.init, in_, o_.units, rng);
  if (o_.use_bias) {
    bias_.value = Tensor({o_.units});
    bias_.grad = Tensor({o_.units});
  }
  return {o_.units};
}

std::vector<Param*> Dense::params() {
  if (o_.use_bias) return {&kernel_, &bias_};
  return {&kernel_};
}

void Dense::forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext& ctx) {
  const Tensor& x = *in[0];
  const int batch = x.dim(0), I = in_, O = o_.units;
  out.resize({batch, O});
  const int tasks = task_count(batch, static_cast<double>(I) * O, kMacsPerTask);
  ctx.parallel(tasks, [&](int t) {
    int n0, n1;
    split_range(batch, tasks, t, &n0, &n1);
    float* y = out.data() + static_cast<size_t>(n0) * O;
    gemm_nt(n1 - n0, O, I, x.data() + static_cast<size_t>(n0) * I, I, kernel_.value.data(), I, y, O, false);
    for (int n = 0; n < n1 - n0; ++n) {
      float* yn = y + static_cast<size_t>(n) * O;
      if (o_.use_bias)
        for (int o = 0; o < O; ++o) yn[o] += bias_.value.at(o);
      apply_activation(o_.activation, yn, O);
    }
  });
}

void Dense::backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dout,
                     const std::vector<Tensor*>& din, const RunContext& ctx) {
  const Tensor& x = *in[0];
  const int batch = x.dim(0), I = in_, O = o_.units;
  dz_.resize(out.shape());
  activation_grad(o_.activation, out.data(), dout.data(), dz_.data(), dz_.size());
  const float* dz = dz_.data();
  // Kernel gradient by blocks of output units: each task owns whole rows of it.
  const int wtasks = task_count(O, static_cast<double>(batch) * I, kMacsPerTask);
  ctx.parallel(wtasks, [&](int t) {
    int o0, o1;
    split_range(O, wtasks, t, &o0, &o1);
    gemm_tn(o1 - o0, I, batch, dz + o0, O, x.data(), I, kernel_.grad.data() + static_cast<size_t>(o0) * I, I, false);
  });
  if (o_.use_bias) {
    float* gb = bias_.grad.data();
    std::fill(gb, gb + O, 0.0f);
    for (int n = 0; n < batch; ++n)
      for (int o = 0; o < O; ++o) gb[o] += dz[static_cast<size_t>(n) * O + o];
  }
  if (din.empty() || !din[0]) return;
  const int tasks = task_count(batch, static_cast<double>(I) * O, kMacsPerTask);
  ctx.parallel(tasks, [&](int t) {
    int n0, n1;
    split_range(batch, tasks, t, &n0, &n1);
    gemm_nn(n1 - n0, I, O, dz + static_cast<size_t>(n0) * O, O, kernel_.value.data(), I,
            din[0]->data() + static_cast<size_t>(n0) * I, I, false);
  });
}

// ---- ReLU / ReLU6 --------------------------------------------------------------------------------

Shape ReLU::build(const std::vector<Shape>& inputs, Rng&) {
  expect_inputs(inputs, 1, -1, "");
  return inputs[0];
}

void ReLU::forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext&) {
  out.resize(in[0]->shape());
  copy_tensor(*in[0], out);
  apply_activation(six_ ? Activation::kRelu6 : Activation::kRelu, out.data(), out.size());
}

void ReLU::backward(const std::vector<const Tensor*>&, const Tensor& out, const Tensor& dout,
                    const std::vector<Tensor*>& din, const RunContext&) {
  if (din.empty() || !din[0]) return;
  activation_grad(six_ ? Activation::kRelu6 : Activation::kRelu, out.data(), dout.data(),
                  din[0]->data(), out.size());
}

// ---- Dropout -------------------------------------------------------------------------------------

Shape Dropout::build(const std::vector<Shape>& inputs, Rng& rng) {
  expect_inputs(inputs, 1, -1, "");
  if (!(rate_ >= 0.0f && rate_ < 1.0f)) fail("rate must be in [0, 1), got " + std::to_string(rate_));
  seed_ = (static_cast<uint64_t>(rng.next()) << 32) | rng.next();
  return inputs[0];
}

void Dropout::forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext& ctx) {
  out.resize(in[0]->shape());
  dropped_ = ctx.training && rate_ > 0.0f;
  if (!dropped_) {
    copy_tensor(*in[0], out);
    return;
  }
  const float keep = 1.0f / (1.0f - rate_);
  scale_.resize(out.size());
  const float* x = in[0]->data();
  float* y = out.data();
  for (size_t i = 0; i < out.size(); ++i) {
    scale_[i] = hash_uniform(seed_, ctx.step, i) < rate_ ? 0.0f : keep;
    y[i] = x[i] * scale_[i];
  }
}

void Dropout::backward(const std::vector<const Tensor*>&, const Tensor&, const Tensor& dout,
                       const std::vector<Tensor*>& din, const RunContext&) {
  if (din.empty() || !din[0]) return;
  if (!dropped_) {
    copy_tensor(dout, *din[0]);
    return;
  }
  float* dx = din[0]->data();
  for (size_t i = 0; i < dout.size(); ++i) dx[i] = dout.at(i) * scale_[i];
}

// ---- Reshape / Flatten ---------------------------------------------------------------------------

Shape Reshape::build(const std::vector<Shape>& inputs, Rng&) {
  expect_inputs(inputs, 1, -1, "");
  const size_t total = shape_elements(inputs[0]);
  size_t known = 1;
  int infer = -1;
  for (size_t i = 0; i < target_.size(); ++i) {
    if (target_[i] == -1 && infer < 0) {
      infer = static_cast<int>(i);
    } else if (target_[i] < 1) {
      fail("target shape " + shape_str(target_) + " may hold one -1, other dimensions must be >= 1");
    } else {
      known *= static_cast<size_t>(target_[i]);
    }
  }
  out_ = target_;
  if (infer >= 0) {
    if (known == 0 || total % known != 0)
      fail("cannot reshape per-sample shape " + shape_str(inputs[0]) + " (" + std::to_string(total) +
           " values) to " + shape_str(target_));
    out_[static_cast<size_t>(infer)] = static_cast<int>(total / known);
  } else if (known != total) {
    fail("per-sample shape " + shape_str(inputs[0]) + " has " + std::to_string(total) +
         " values, target " + shape_str(target_) + " has " + std::to_string(known));
  }
  return out_;
}

void Reshape::forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext&) {
  out.resize(batch_shape(in[0]->dim(0), out_));
  copy_tensor(*in[0], out);
}

void Reshape::backward(const std::vector<const Tensor*>&, const Tensor&, const Tensor& dout,
                       const std::vector<Tensor*>& din, const RunContext&) {
  if (!din.empty() && din[0]) copy_tensor(dout, *din[0]);
}

// ---- Softmax -------------------------------------------------------------------------------------

Shape Softmax::build(const std::vector<Shape>& inputs, Rng&) {
  expect_inputs(inputs, 1, -1, "");
  if (inputs[0].empty() || inputs[0].back() < 1) fail("needs a non-empty last axis");
  return inputs[0];
}

void Softmax::forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext&) {
  const Tensor& x = *in[0];
  out.resize(x.shape());
  const int C = x.shape().back();
  const size_t rows = x.size() / static_cast<size_t>(C);
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x.data() + r * C;
    float* yr = out.data() + r * C;
    const float mx = *std::max_element(xr, xr + C);
    float sum = 0.0f;
    for (int c = 0; c < C; ++c) sum += (yr[c] = std::exp(xr[c] - mx));
    const float inv = 1.0f / sum;
    for (int c = 0; c < C; ++c) yr[c] *= inv;
  }
}

void Softmax::backward(const std::vector<const Tensor*>&, const Tensor& out, const Tensor& dout,
                       const std::vector<Tensor*>& din, const RunContext&) {
  if (din.empty() || !din[0]) return;
  const int C = out.shape().back();
  const size_t rows = out.size() / static_cast<size_t>(C);
  for (size_t r = 0; r < rows; ++r) {
    const float* y = out.data() + r * C;
    const float* dy = dout.data() + r * C;
    float* dx = din[0]->data() + r * C;
    float dot = 0.0f;
    for (int c = 0; c < C; ++c) dot += dy[c] * y[c];
    for (int c = 0; c < C; ++c) dx[c] = y[c] * (dy[c] - dot);
  }
}

// ---- Add -----------------------------------------------------------------------------------------

Shape Add::build(const std::vector<Shape>& inputs, Rng&) {
  if (inputs.size() < 2) fail("takes two or more inputs, got " + std::to_string(inputs.size()));
  for (size_t i = 1; i < inputs.size(); ++i)
    if (inputs[i] != inputs[0])
      fail("input " + std::to_string(i) + " has per-sample shape " + shape_str(inputs[i]) +
           ", input 0 has " + shape_str(inputs[0]) + "; they must be equal");
  return inputs[0];
}

void Add::forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext&) {
  out.resize(in[0]->shape());
  copy_tensor(*in[0], out);
  float* y = out.data();
  for (size_t k = 1; k < in.size(); ++k) {
    const float* x = in[k]->data();
    for (size_t i = 0; i < out.size(); ++i) y[i] += x[i];
  }
  apply_activation(act_, y, out.size());
}

void Add::backward(const std::vector<const Tensor*>&, const Tensor& out, const Tensor& dout,
                   const std::vector<Tensor*>& din, const RunContext&) {
  for (Tensor* d : din)
    if (d) activation_grad(act_, out.data(), dout.data(), d->data(), out.size());
}

}  // namespace mote::train
