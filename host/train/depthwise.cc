// DepthwiseConv2D: output channel c * multiplier + m filters input channel c with its own
// [kh, kw] taps; kernel [1, kh, kw, channels * multiplier] as .tflite stores it. Direct loops over
// the channels (the innermost, contiguous axis, which the compiler vectorizes).
#include <algorithm>

#include "host/train/layers.h"

namespace mote::train {

namespace {

constexpr double kWorkPerTask = 65536;

struct DwGeometry {
  int h, w, c, m;
  int kh, kw;
  Axis y, x;
  int oc() const { return c * m; }
};

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
  const int batch = x.dim(0), OC = g.oc(), M = g.m;
  out.resize({batch, g.y.out, g.x.out, OC});
  const size_t in_sample = static_cast<size_t>(g.h) * g.w * g.c;
  const size_t out_sample = static_cast<size_t>(g.y.out) * g.x.out * OC;
  const int tasks = task_count(batch, static_cast<double>(out_sample) * g.kh * g.kw, kWorkPerTask);
  const float* w = kernel_.value.data();
  const float* b = o_.use_bias ? bias_.value.data() : nullptr;
  ctx.parallel(tasks, [&](int t) {
    int n0, n1;
    split_range(batch, tasks, t, &n0, &n1);
    for (int n = n0; n < n1; ++n) {
      const float* xs = x.data() + in_sample * n;
      float* o = out.data() + out_sample * n;
      for (int oy = 0; oy < g.y.out; ++oy) {
        for (int ox = 0; ox < g.x.out; ++ox, o += OC) {
          if (b) std::copy(b, b + OC, o);
          else std::fill(o, o + OC, 0.0f);
          const Window wd = window_at(g.y, g.x, oy, ox);
          for (int ky = wd.ky0; ky < wd.ky1; ++ky) {
            for (int kx = wd.kx0; kx < wd.kx1; ++kx) {
              const float* xi = xs + (static_cast<size_t>(wd.iy0 + ky) * g.w + wd.ix0 + kx) * g.c;
              const float* wk = w + (static_cast<size_t>(ky) * g.kw + kx) * OC;
              if (M == 1) {
                for (int c = 0; c < g.c; ++c) o[c] += xi[c] * wk[c];
              } else {
                for (int c = 0; c < g.c; ++c)
                  for (int m = 0; m < M; ++m) o[c * M + m] += xi[c] * wk[c * M + m];
              }
            }
          }
          apply_activation(o_.activation, o, OC);
        }
      }
    }
  });
}

void DepthwiseConv2D::backward(const std::vector<const Tensor*>& in, const Tensor& out,
                               const Tensor& dout, const std::vector<Tensor*>& din,
                               const RunContext& ctx) {
  const Tensor& x = *in[0];
  const DwGeometry g{ay_.in, ax_.in, in_c_, o_.depth_multiplier, o_.kernel_h, o_.kernel_w, ay_, ax_};
  const int batch = x.dim(0), OC = g.oc(), M = g.m;
  const size_t in_sample = static_cast<size_t>(g.h) * g.w * g.c;
  const size_t out_sample = static_cast<size_t>(g.y.out) * g.x.out * OC;
  const int tasks = task_count(batch, static_cast<double>(out_sample) * g.kh * g.kw, kWorkPerTask);
  const size_t wsize = kernel_.value.size();
  dw_partial_.assign(wsize * tasks, 0.0f);
  db_partial_.assign(static_cast<size_t>(OC) * tasks, 0.0f);
  Tensor* dx = din.empty() ? nullptr : din[0];
  const float* w = kernel_.value.data();
  ctx.parallel(tasks, [&](int t) {
    int n0, n1;
    split_range(batch, tasks, t, &n0, &n1);
    float* dw = dw_partial_.data() + wsize * t;
    float* db = db_partial_.data() + static_cast<size_t>(OC) * t;
    thread_local std::vector<float> dzrow;
    dzrow.resize(static_cast<size_t>(OC));
    float* dz = dzrow.data();
    for (int n = n0; n < n1; ++n) {
      const float* xs = x.data() + in_sample * n;
      float* dxs = dx ? dx->data() + in_sample * n : nullptr;
      if (dxs) std::fill(dxs, dxs + in_sample, 0.0f);
      const size_t base = out_sample * n;
      for (int oy = 0; oy < g.y.out; ++oy) {
        for (int ox = 0; ox < g.x.out; ++ox) {
          const size_t off = base + (static_cast<size_t>(oy) * g.x.out + ox) * OC;
          activation_grad(o_.activation, out.data() + off, dout.data() + off, dz, OC);
          for (int k = 0; k < OC; ++k) db[k] += dz[k];
          const Window wd = window_at(g.y, g.x, oy, ox);
          for (int ky = wd.ky0; ky < wd.ky1; ++ky) {
            for (int kx = wd.kx0; kx < wd.kx1; ++kx) {
              const size_t pix = (static_cast<size_t>(wd.iy0 + ky) * g.w + wd.ix0 + kx) * g.c;
              const size_t tap = (static_cast<size_t>(ky) * g.kw + kx) * OC;
              const float* xi = xs + pix;
              float* dwk = dw + tap;
              for (int c = 0; c < g.c; ++c)
                for (int m = 0; m < M; ++m) dwk[c * M + m] += xi[c] * dz[c * M + m];
              if (!dxs) continue;
              const float* wk = w + tap;
              float* dxi = dxs + pix;
              for (int c = 0; c < g.c; ++c) {
                float s = 0.0f;
                for (int m = 0; m < M; ++m) s += wk[c * M + m] * dz[c * M + m];
                dxi[c] += s;
              }
            }
          }
        }
      }
    }
  });
  sum_partials(dw_partial_, tasks, wsize, kernel_.grad.data());
  if (o_.use_bias) sum_partials(db_partial_, tasks, static_cast<size_t>(OC), bias_.grad.data());
}

}  // namespace mote::train
