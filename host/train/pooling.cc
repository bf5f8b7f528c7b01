// MaxPool2D, AveragePool2D and GlobalAveragePool. Pools skip padded positions: the maximum is over
// the taps inside the input and the average divides by their count (.tflite semantics).
#include <algorithm>

#include "host/train/layers.h"
#include "host/train/simd.h"

namespace mote::train {

namespace {
constexpr double kWorkPerTask = 65536;


// o[c] = the largest tap of the window, a[c] = its offset in the sample (the first one in row-major
// tap order on ties). Branch-free selects, so the channel loop vectorizes.
MOTE_TRAIN_INLINE void max_window(const float* __restrict xs, int W, int C, const Window& wd,
                                 float* __restrict o, int32_t* __restrict a) {
  const int32_t first = ((wd.iy0 + wd.ky0) * W + wd.ix0 + wd.kx0) * C;
  for (int c = 0; c < C; ++c) {
    o[c] = xs[first + c];
    a[c] = first + c;
  }
  for (int ky = wd.ky0; ky < wd.ky1; ++ky)
    for (int kx = wd.kx0; kx < wd.kx1; ++kx) {
      const int32_t off = ((wd.iy0 + ky) * W + wd.ix0 + kx) * C;
      if (off == first) continue;
      const float* xi = xs + off;
      for (int c = 0; c < C; ++c) {  // written with a mask: a select on a float compare
        const float v = xi[c], cur = o[c];  // would not vectorize without -ffast-math
        const int32_t gt = -static_cast<int32_t>(v > cur);
        o[c] = v > cur ? v : cur;
        a[c] = (a[c] & ~gt) | ((off + c) & gt);
      }
    }
}

// o[c] = the mean of the window's taps inside the input.
MOTE_TRAIN_INLINE void average_window(const float* xs, int W, int C, const Window& wd, float* o) {
  std::fill(o, o + C, 0.0f);
  for (int ky = wd.ky0; ky < wd.ky1; ++ky)
    for (int kx = wd.kx0; kx < wd.kx1; ++kx) {
      const float* xi = xs + ((wd.iy0 + ky) * W + wd.ix0 + kx) * C;
      for (int c = 0; c < C; ++c) o[c] += xi[c];
    }
  const float inv = 1.0f / static_cast<float>((wd.ky1 - wd.ky0) * (wd.kx1 - wd.kx0));
  for (int c = 0; c < C; ++c) o[c] *= inv;
}

// One sample: o [oh, ow, C] from xs [h, w, C]; am (max only) receives the arg-max offsets.
MOTE_TRAIN_CLONES
void pool_sample(bool is_max, const Axis& ay, const Axis& ax, int C, const float* xs, float* o,
                 int32_t* am) {
  for (int oy = 0; oy < ay.out; ++oy)
    for (int ox = 0; ox < ax.out; ++ox, o += C) {
      const Window wd = window_at(ay, ax, oy, ox);
      if (is_max) {
        max_window(xs, ax.in, C, wd, o, am);
        am += C;
      } else {
        average_window(xs, ax.in, C, wd, o);
      }
    }
}

// One sample of a max pool whose windows do not overlap: dx[tap] = dy where the tap was the
// arg-max, 0 at the window's other taps (positions outside every window are left alone).
MOTE_TRAIN_CLONES
void max_pool_grad_disjoint(const Axis& ay, const Axis& ax, int C, const float* dy,
                            const int32_t* am, float* dx) {
  for (int oy = 0; oy < ay.out; ++oy)
    for (int ox = 0; ox < ax.out; ++ox, dy += C, am += C) {
      const Window wd = window_at(ay, ax, oy, ox);
      for (int ky = wd.ky0; ky < wd.ky1; ++ky)
        for (int kx = wd.kx0; kx < wd.kx1; ++kx) {
          const int32_t off = ((wd.iy0 + ky) * ax.in + wd.ix0 + kx) * C;
          for (int c = 0; c < C; ++c) dx[off + c] = keep_if(dy[c], am[c] == off + c);
        }
    }
}
}  // namespace

Shape Pool2D::build(const std::vector<Shape>& inputs, Rng&) {
  expect_inputs(inputs, 1, 3, "[batch, height, width, channels]");
  const Shape& s = inputs[0];
  ay_ = make_axis(label(), "height", s[0], o_.pool_h, o_.stride_h, o_.padding);
  ax_ = make_axis(label(), "width", s[1], o_.pool_w, o_.stride_w, o_.padding);
  c_ = s[2];
  return {ay_.out, ax_.out, c_};
}

void Pool2D::forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext& ctx) {
  const Tensor& x = *in[0];
  const int batch = x.dim(0), C = c_;
  out.resize({batch, ay_.out, ax_.out, C});
  const size_t in_sample = static_cast<size_t>(ay_.in) * ax_.in * C;
  const size_t out_sample = static_cast<size_t>(ay_.out) * ax_.out * C;
  if (max_) argmax_.resize(out_sample * batch);
  const int tasks = task_count(batch, static_cast<double>(out_sample) * o_.pool_h * o_.pool_w, kWorkPerTask);
  ctx.parallel(tasks, [&](int t) {
    int n0, n1;
    split_range(batch, tasks, t, &n0, &n1);
    for (int n = n0; n < n1; ++n)
      pool_sample(max_, ay_, ax_, C, x.data() + in_sample * n, out.data() + out_sample * n,
                  max_ ? argmax_.data() + out_sample * n : nullptr);
  });
}

void Pool2D::backward(const std::vector<const Tensor*>& in, const Tensor&, const Tensor& dout,
                      const std::vector<Tensor*>& din, const RunContext& ctx) {
  if (din.empty() || !din[0]) return;
  const int batch = in[0]->dim(0), C = c_, W = ax_.in;
  const size_t in_sample = static_cast<size_t>(ay_.in) * W * C;
  const size_t out_sample = static_cast<size_t>(ay_.out) * ax_.out * C;
  const int tasks = task_count(batch, static_cast<double>(out_sample) * o_.pool_h * o_.pool_w, kWorkPerTask);
  // Windows that never overlap; tiled: they also cover the whole input.
  const bool disjoint = ay_.stride >= ay_.filter && ax_.stride >= ax_.filter;
  const bool tiled = disjoint && ay_.stride == ay_.filter && ax_.stride == ax_.filter &&
                     ay_.before == 0 && ax_.before == 0 && ay_.out * ay_.stride == ay_.in &&
                     ax_.out * ax_.stride == ax_.in;
  ctx.parallel(tasks, [&](int t) {
    int n0, n1;
    split_range(batch, tasks, t, &n0, &n1);
    for (int n = n0; n < n1; ++n) {
      float* dx = din[0]->data() + in_sample * n;
      const float* dy = dout.data() + out_sample * n;
      const int32_t* am = max_ ? argmax_.data() + out_sample * n : nullptr;
      if (max_ && disjoint) {  // each input position lies in at most one window
        if (!tiled) std::fill(dx, dx + in_sample, 0.0f);
        max_pool_grad_disjoint(ay_, ax_, C, dy, am, dx);
        continue;
      }
      std::fill(dx, dx + in_sample, 0.0f);
      if (max_) {
        for (size_t i = 0; i < out_sample; ++i) dx[am[i]] += dy[i];
        continue;
      }
      for (int oy = 0; oy < ay_.out; ++oy) {
        for (int ox = 0; ox < ax_.out; ++ox, dy += C) {
          const Window wd = window_at(ay_, ax_, oy, ox);
          const int iy0 = wd.iy0, ix0 = wd.ix0, ky0 = wd.ky0, ky1 = wd.ky1, kx0 = wd.kx0, kx1 = wd.kx1;
          const float inv = 1.0f / static_cast<float>((ky1 - ky0) * (kx1 - kx0));
          for (int ky = ky0; ky < ky1; ++ky)
            for (int kx = kx0; kx < kx1; ++kx) {
              float* dxi = dx + ((iy0 + ky) * W + ix0 + kx) * C;
              for (int c = 0; c < C; ++c) dxi[c] += dy[c] * inv;
            }
        }
      }
    }
  });
}

Shape GlobalAveragePool::build(const std::vector<Shape>& inputs, Rng&) {
  if (inputs.size() != 1 || inputs[0].size() < 2)
    fail("expects one input [batch, ..., channels] with at least one spatial axis, got per-sample shape " +
         (inputs.empty() ? std::string("none") : shape_str(inputs[0])));
  c_ = inputs[0].back();
  spatial_ = static_cast<int>(shape_elements(inputs[0]) / std::max(1, c_));
  if (spatial_ < 1 || c_ < 1) fail("input " + shape_str(inputs[0]) + " is empty");
  return {c_};
}

void GlobalAveragePool::forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext&) {
  const Tensor& x = *in[0];
  const int batch = x.dim(0);
  out.resize({batch, c_});
  const float inv = 1.0f / static_cast<float>(spatial_);
  for (int n = 0; n < batch; ++n) {
    float* o = out.data() + static_cast<size_t>(n) * c_;
    const float* xs = x.data() + static_cast<size_t>(n) * spatial_ * c_;
    std::fill(o, o + c_, 0.0f);
    for (int p = 0; p < spatial_; ++p)
      for (int c = 0; c < c_; ++c) o[c] += xs[static_cast<size_t>(p) * c_ + c];
    for (int c = 0; c < c_; ++c) o[c] *= inv;
  }
}

void GlobalAveragePool::backward(const std::vector<const Tensor*>& in, const Tensor&,
                                 const Tensor& dout, const std::vector<Tensor*>& din,
                                 const RunContext&) {
  if (din.empty() || !din[0]) return;
  const int batch = in[0]->dim(0);
  const float inv = 1.0f / static_cast<float>(spatial_);
  for (int n = 0; n < batch; ++n) {
    const float* dy = dout.data() + static_cast<size_t>(n) * c_;
    float* dx = din[0]->data() + static_cast<size_t>(n) * spatial_ * c_;
    for (int p = 0; p < spatial_; ++p)
      for (int c = 0; c < c_; ++c) dx[static_cast<size_t>(p) * c_ + c] = dy[c] * inv;
  }
}

}  // namespace mote::train
