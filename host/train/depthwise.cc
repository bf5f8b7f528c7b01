// DepthwiseConv2D: output channel c * multiplier + m filters input channel c with its own
// [kh, kw] taps; kernel [1, kh, kw, channels * multiplier] as .tflite stores it. Direct loops over
// the channels (the innermost, contiguous axis, which the compiler vectorizes).
#include <algorithm>

#include "host/train/layers.h"
#include "host/train/simd.h"

namespace mote::train {

namespace {

constexpr double kWorkPerTask = 65536;

struct DwGeometry {
  int h, w, c, m;
  int kh, kw;
  Axis y, x;
  int oc() const { return c * m; }
};

// o[c*M + m] += xi[c] * wk[c*M + m]: one tap for every output channel.
MOTE_TRAIN_INLINE void tap_forward(const float* __restrict xi, const float* __restrict wk, int C, int M,
                                   float* __restrict o) {
  if (M == 1) {
    for (int c = 0; c < C; ++c) o[c] += xi[c] * wk[c];
    return;
  }
  for (int c = 0; c < C; ++c)
    for (int m = 0; m < M; ++m) o[c * M + m] += xi[c] * wk[c * M + m];
}

// One tap's share of the gradients: dwk += xi * dz (per output channel) and, when dxi is not
// null, dxi[c] += sum over m of wk[c*M + m] * dz[c*M + m].
MOTE_TRAIN_INLINE void tap_backward(const float* __restrict xi, const float* __restrict wk,
                                    const float* __restrict dz, int C, int M, float* __restrict dwk,
                                    float* __restrict dxi) {
  if (M == 1) {
    for (int c = 0; c < C; ++c) dwk[c] += xi[c] * dz[c];
    if (dxi)
      for (int c = 0; c < C; ++c) dxi[c] += wk[c] * dz[c];
    return;
  }
  for (int c = 0; c < C; ++c)
    for (int m = 0; m < M; ++m) dwk[c * M + m] += xi[c] * dz[c * M + m];
  if (!dxi) return;
  for (int c = 0; c < C; ++c) {
    float s = 0.0f;
    for (int m = 0; m < M; ++m) s += wk[c * M + m] * dz[c * M + m];
    dxi[c] += s;
  }
}

// One sample: o [oh, ow, C*M] = bias + taps (activation applied by the caller).
MOTE_TRAIN_CLONES
void forward_sample(const DwGeometry& g, const float* xs, const float* w, const float* bias, float* o) {
  const int OC = g.oc();
  for (int oy = 0; oy < g.y.out; ++oy)
    for (int ox = 0; ox < g.x.out; ++ox, o += OC) {
      for (int k = 0; k < OC; ++k) o[k] = bias ? bias[k] : 0.0f;
      const Window wd = window_at(g.y, g.x, oy, ox);
      for (int ky = wd.ky0; ky < wd.ky1; ++ky)
        for (int kx = wd.kx0; kx < wd.kx1; ++kx)
          tap_forward(xs + (static_cast<size_t>(wd.iy0 + ky) * g.w + wd.ix0 + kx) * g.c,
                      w + (static_cast<size_t>(ky) * g.kw + kx) * OC, g.c, g.m, o);
    }
}

// One sample's gradients from dz [oh, ow, C*M] (after the activation): accumulates into dw and db,
// writes dxs (zeroed here) when it is not null.
MOTE_TRAIN_CLONES
void backward_sample(const DwGeometry& g, const float* xs, const float* w, const float* dz, float* dw,
                     float* db, float* dxs) {
  const int OC = g.oc();
  if (dxs) std::fill(dxs, dxs + static_cast<size_t>(g.h) * g.w * g.c, 0.0f);
  for (int oy = 0; oy < g.y.out; ++oy)
    for (int ox = 0; ox < g.x.out; ++ox, dz += OC) {
      for (int k = 0; k < OC; ++k) db[k] += dz[k];
      const Window wd = window_at(g.y, g.x, oy, ox);
      for (int ky = wd.ky0; ky < wd.ky1; ++ky)
        for (int kx = wd.kx0; kx < wd.kx1; ++kx) {
          const size_t pix = (static_cast<size_t>(wd.iy0 + ky) * g.w + wd.ix0 + kx) * g.c;
          const size_t tap = (static_cast<size_t>(ky) * g.kw + kx) * OC;
          tap_backward(xs + pix, w + tap, dz, g.c, g.m, dw + tap, dxs ? dxs + pix : nullptr);
        }
    }
}

}  // namespace

Shape DepthwiseConv2D::build(const std::vector<Shape>& inputs, Rng& rng) {
  expect_inputs(inputs, 1, 3, "[batch, height, width, channels]");
  if (o_.depth_multiplier < 1)
    fail("depth_multiplier must be at least 1, got " + std::to_string(o_.depth_multiplier));
  const Shape& s = inputs[0];
  ay_ = make_axis(label(), "height", s[0], o_.kernel_h, o_.stride_h, o_.padding);
  ax_ = make_axis(label(), "width", s[1], o_.kernel_w, o_.stride_w, o_.padding);
  in_c_ = s[2];
  if (in_c_ < 1) fail("input has " + std::to_string(in_c_) + " channels");
  const int oc = in_c_ * o_.depth_multiplier, taps = o_.kernel_h * o_.kernel_w;
  kernel_.value = Tensor({1, o_.kernel_h, o_.kernel_w, oc});
  kernel_.grad = Tensor(kernel_.value.shape());
  // Fans per input channel: it reaches kh*kw weights in and kh*kw*multiplier out. (Keras counts
  // fan_in = kh*kw*channels, shrinking the weights as channels grow although none are mixed.)
  init_weights(kernel_.value, o_.init, taps, taps * o_.depth_multiplier, rng);
  if (o_.use_bias) {
    bias_.value = Tensor({oc});
    bias_.grad = Tensor({oc});
  }
  return {ay_.out, ax_.out, oc};
}

std::vector<Param*> DepthwiseConv2D::params() {
  if (o_.use_bias) return {&kernel_, &bias_};
  return {&kernel_};
}

void DepthwiseConv2D::forward(const std::vector<const Tensor*>& in, Tensor& out,
                              const RunContext& ctx) {
  const Tensor& x = *in[0];
  const DwGeometry g{ay_.in, ax_.in, in_c_, o_.depth_multiplier, o_.kernel_h, o_.kernel_w, ay_, ax_};
  const int batch = x.dim(0), OC = g.oc();
  out.resize({batch, g.y.out, g.x.out, OC});
  const size_t in_sample = static_cast<size_t>(g.h) * g.w * g.c;
  const size_t out_sample = static_cast<size_t>(g.y.out) * g.x.out * OC;
  const int tasks = task_count(batch, static_cast<double>(out_sample) * g.kh * g.kw, kWorkPerTask);
  const float* b = o_.use_bias ? bias_.value.data() : nullptr;
  ctx.parallel(tasks, [&](int t) {
    int n0, n1;
    split_range(batch, tasks, t, &n0, &n1);
    for (int n = n0; n < n1; ++n) {
      float* o = out.data() + out_sample * n;
      forward_sample(g, x.data() + in_sample * n, kernel_.value.data(), b, o);
      apply_activation(o_.activation, o, out_sample);
    }
  });
}

void DepthwiseConv2D::backward(const std::vector<const Tensor*>& in, const Tensor& out,
                               const Tensor& dout, const std::vector<Tensor*>& din,
                               const RunContext& ctx) {
  const Tensor& x = *in[0];
  const DwGeometry g{ay_.in, ax_.in, in_c_, o_.depth_multiplier, o_.kernel_h, o_.kernel_w, ay_, ax_};
  const int batch = x.dim(0), OC = g.oc();
  const size_t in_sample = static_cast<size_t>(g.h) * g.w * g.c;
  const size_t out_sample = static_cast<size_t>(g.y.out) * g.x.out * OC;
  const int tasks = task_count(batch, static_cast<double>(out_sample) * g.kh * g.kw, kWorkPerTask);
  const size_t wsize = kernel_.value.size();
  dw_partial_.assign(wsize * tasks, 0.0f);
  db_partial_.assign(static_cast<size_t>(OC) * tasks, 0.0f);
  Tensor* dx = din.empty() ? nullptr : din[0];
  ctx.parallel(tasks, [&](int t) {
    int n0, n1;
    split_range(batch, tasks, t, &n0, &n1);
    thread_local std::vector<float> dz;
    dz.resize(out_sample);
    for (int n = n0; n < n1; ++n) {
      activation_grad(o_.activation, out.data() + out_sample * n, dout.data() + out_sample * n,
                      dz.data(), out_sample);
      backward_sample(g, x.data() + in_sample * n, kernel_.value.data(), dz.data(),
                      dw_partial_.data() + wsize * t, db_partial_.data() + static_cast<size_t>(OC) * t,
                      dx ? dx->data() + in_sample * n : nullptr);
    }
  });
  sum_partials(dw_partial_, tasks, wsize, kernel_.grad.data());
  if (o_.use_bias) sum_partials(db_partial_, tasks, static_cast<size_t>(OC), bias_.grad.data());
}

}  // namespace mote::train
