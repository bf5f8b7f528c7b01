// Conv2D and Conv1D: im2col + GEMM against the OHWI kernel, over chunks of samples.
//
// The column matrix cols [rows, kh*kw*in] (row = output pixel, column = (ky, kx, c), the kernel's
// per-filter order) is not written out: the chunk's input is copied once into a zero-padded image
// and the GEMM reads cols(p, t) = padded[pixel_offset[p] + tap_offset[t]] (gemm_gather).
// Forward, per chunk:
//   out [rows, filters] = cols * kernel^T, then bias and activation
// Backward, per chunk:
//   dz = dout * act'(out);  dkernel^T += cols^T * dz;  dbias += column sums of dz
//   din = full convolution of dz with the kernel (stride 1, a gathered GEMM), or else
//   dcols = dz * kernel scattered back (col2im) into din
// A 1x1 stride-1 convolution uses its input as cols directly. Each backward task accumulates its
// chunks in order and the task sums are added in task order.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "host/train/gemm.h"
#include "host/train/layers.h"

namespace mote::train {

namespace {

// Chunk size: floats of (virtual) column matrix per chunk, 128 KiB — a chunk's padded input,
// output and gradients stay in the L2 cache.
constexpr double kColsPerTask = 32768;
// At most this many partial weight gradients (tasks) in backward.
constexpr int kMaxReductionTasks = 8;

// y[r, o] = act(y[r, o] + bias[o]) (bias may be null), in one pass.
void add_bias_activate(float* __restrict y, const float* __restrict bias, int rows, int O, Activation act) {
  const float lo = act == Activation::kNone ? -INFINITY : 0.0f;
  const float hi = act == Activation::kRelu6 ? 6.0f : INFINITY;
  for (int r = 0; r < rows; ++r, y += O)
    for (int o = 0; o < O; ++o) {
      const float v = y[o] + (bias ? bias[o] : 0.0f);
      y[o] = std::min(std::max(v, lo), hi);
    }
}

// db[o] += sum over rows of dz[r, o].
void add_column_sums(const float* __restrict dz, int rows, int O, float* __restrict db) {
  for (int r = 0; r < rows; ++r)
    for (int o = 0; o < O; ++o) db[o] += dz[static_cast<size_t>(r) * O + o];
}

struct Geometry {
  int h, w, c;        // input
  int kh, kw;
  Axis y, x;
  int filters;
  int k() const { return kh * kw * c; }
  int pixels() const { return y.out * x.out; }
  // 1x1, stride 1, no padding: the input already is the column matrix.
  bool direct() const { return kh == 1 && kw == 1 && y.stride == 1 && x.stride == 1; }
};

// The chunk input padded so that every tap of every output pixel lies inside it.
struct Padded {
  int hp, wp, top, left;
};

Padded padding_of(const Geometry& g) {
  Padded p;
  p.top = g.y.before;
  p.left = g.x.before;
  p.hp = std::max(g.h + p.top, (g.y.out - 1) * g.y.stride + g.kh);
  p.wp = std::max(g.w + p.left, (g.x.out - 1) * g.x.stride + g.kw);
  return p;
}

bool needs_padding(const Geometry& g, const Padded& p) { return p.hp != g.h || p.wp != g.w; }

// out [samples, p.hp, p.wp, c] = x [samples, h, w, c] placed at (p.top, p.left), zeros around.
void pad_image(const float* x, int samples, int h, int w, int c, const Padded& p, float* out) {
  const size_t row = static_cast<size_t>(w) * c, prow = static_cast<size_t>(p.wp) * c;
  const size_t left = static_cast<size_t>(p.left) * c;
  for (int n = 0; n < samples; ++n) {
    const float* xs = x + static_cast<size_t>(n) * h * row;
    float* os = out + static_cast<size_t>(n) * p.hp * prow;
    std::fill(os, os + static_cast<size_t>(p.top) * prow, 0.0f);
    for (int y = 0; y < h; ++y) {
      float* o = os + (static_cast<size_t>(p.top) + y) * prow;
      std::fill(o, o + left, 0.0f);
      std::memcpy(o + left, xs + y * row, sizeof(float) * row);
      std::fill(o + left + row, o + prow, 0.0f);
    }
    std::fill(os + (static_cast<size_t>(p.top) + h) * prow, os + static_cast<size_t>(p.hp) * prow, 0.0f);
  }
}

// Offset of output pixel (n, oy, ox)'s first tap in the padded chunk, for every pixel in order.
void pixel_offsets(const Geometry& g, const Padded& p, int samples, ptrdiff_t* off) {
  for (int n = 0; n < samples; ++n)
    for (int oy = 0; oy < g.y.out; ++oy)
      for (int ox = 0; ox < g.x.out; ++ox)
        *off++ = ((static_cast<ptrdiff_t>(n) * p.hp + oy * g.y.stride) * p.wp + ox * g.x.stride) * g.c;
}

// Offset of tap (ky, kx, c) from a pixel's first tap, in the kernel's order.
void tap_offsets(const Geometry& g, const Padded& p, ptrdiff_t* off) {
  for (int ky = 0; ky < g.kh; ++ky)
    for (int kx = 0; kx < g.kw; ++kx)
      for (int c = 0; c < g.c; ++c) *off++ = (static_cast<ptrdiff_t>(ky) * p.wp + kx) * g.c + c;
}

// The column matrix of samples [n0, n1) as a gather: padded image (or x itself) and offsets.
struct Columns {
  const float* image;
  const ptrdiff_t* pixels;
};
Columns columns_of(const Geometry& g, const Padded& p, const float* x, int samples,
                   std::vector<float>* pad_buf, std::vector<ptrdiff_t>* pix_buf) {
  const float* image = x;
  if (needs_padding(g, p)) {
    pad_buf->resize(static_cast<size_t>(samples) * p.hp * p.wp * g.c);
    pad_image(x, samples, g.h, g.w, g.c, p, pad_buf->data());
    image = pad_buf->data();
  }
  pix_buf->resize(static_cast<size_t>(samples) * g.pixels());
  pixel_offsets(g, p, samples, pix_buf->data());
  return {image, pix_buf->data()};
}

// The input gradient of a stride-1 convolution is a full convolution of dz with the kernel:
//   dx(n, iy, ix, c) = sum over (ky, kx, o) of dz(n, iy + before_y - ky, ix + before_x - kx, o) *
//                      kernel(o, ky, kx, c)
// — a gathered GEMM over dz zero-padded by kh - 1 - before_y rows above (kw - 1 - before_x
// columns left) to [h + kh - 1, w + kw - 1], against the kernel rearranged to [(ky, kx, o), c].
// Every dx element is written once: no column matrix, no scatter.
Padded full_padding(const Geometry& g) {
  return {g.h + g.kh - 1, g.w + g.kw - 1, g.kh - 1 - g.y.before, g.kw - 1 - g.x.before};
}

// taps [(ky, kx, o)] = offsets from an input pixel's anchor; kernel_t [(ky, kx, o), c].
void full_conv_tables(const Geometry& g, const Padded& p, const float* kernel, ptrdiff_t* taps,
                      float* kernel_t) {
  const int O = g.filters;
  for (int ky = 0; ky < g.kh; ++ky)
    for (int kx = 0; kx < g.kw; ++kx)
      for (int o = 0; o < O; ++o) {
        const size_t t = (static_cast<size_t>(ky) * g.kw + kx) * O + o;
        taps[t] = -(static_cast<ptrdiff_t>(ky) * p.wp + kx) * O + o;
        const float* src = kernel + ((static_cast<size_t>(o) * g.kh + ky) * g.kw + kx) * g.c;
        std::copy(src, src + g.c, kernel_t + t * g.c);
      }
}

// dx [samples, h, w, c] of a chunk from its dz [samples, oh, ow, O].
void full_conv_input_grad(const Geometry& g, const Padded& p, const ptrdiff_t* taps,
                          const float* kernel_t, const float* dz, int samples, float* dx) {
  thread_local std::vector<float> dz_pad;
  thread_local std::vector<ptrdiff_t> anchors;
  const int O = g.filters;
  dz_pad.resize(static_cast<size_t>(samples) * p.hp * p.wp * O);
  pad_image(dz, samples, g.y.out, g.x.out, O, p, dz_pad.data());
  anchors.resize(static_cast<size_t>(samples) * g.h * g.w);
  ptrdiff_t* a = anchors.data();
  for (int n = 0; n < samples; ++n)
    for (int iy = 0; iy < g.h; ++iy)
      for (int ix = 0; ix < g.w; ++ix)
        *a++ = ((static_cast<ptrdiff_t>(n) * p.hp + iy + g.kh - 1) * p.wp + ix + g.kw - 1) * O;
  gemm_gather(samples * g.h * g.w, g.c, g.kh * g.kw * O, dz_pad.data(), anchors.data(), taps,
              kernel_t, g.c, 1, dx, g.c, false);
}

// dx (zeroed here) += scatter of dcols: the adjoint of im2col.
void col2im(const Geometry& g, const float* dcols, int samples, float* dx) {
  const int K = g.k();
  std::fill(dx, dx + static_cast<size_t>(samples) * g.h * g.w * g.c, 0.0f);
  for (int n = 0; n < samples; ++n) {
    float* xs = dx + static_cast<size_t>(n) * g.h * g.w * g.c;
    for (int oy = 0; oy < g.y.out; ++oy) {
      for (int ox = 0; ox < g.x.out; ++ox, dcols += K) {
        const int iy0 = oy * g.y.stride - g.y.before, ix0 = ox * g.x.stride - g.x.before;
        for (int ky = 0; ky < g.kh; ++ky) {
          const int iy = iy0 + ky;
          if (iy < 0 || iy >= g.h) continue;
          const int kx0 = std::max(0, -ix0), kx1 = std::min(g.kw, g.w - ix0);
          if (kx0 >= kx1) continue;
          const float* src = dcols + (static_cast<size_t>(ky) * g.kw + kx0) * g.c;
          float* dst = xs + (static_cast<size_t>(iy) * g.w + ix0 + kx0) * g.c;
          const size_t run = static_cast<size_t>(kx1 - kx0) * g.c;
          for (size_t i = 0; i < run; ++i) dst[i] += src[i];
        }
      }
    }
  }
}

}  // namespace

Shape ConvBase::build_2d(int h, int w, int c, Rng& rng) {
  if (o_.filters < 1) fail("filters must be at least 1, got " + std::to_string(o_.filters));
  if (c < 1) fail("input has " + std::to_string(c) + " channels");
  ay_ = make_axis(label(), "height", h, o_.kernel_h, o_.stride_h, o_.padding);
  ax_ = make_axis(label(), "width", w, o_.kernel_w, o_.stride_w, o_.padding);
  in_c_ = c;
  const int taps = o_.kernel_h * o_.kernel_w;
  kernel_.value = Tensor({o_.filters, o_.kernel_h, o_.kernel_w, c});
  kernel_.grad = Tensor(kernel_.value.shape());
  init_weights(kernel_.value, o_.init, taps * c, taps * o_.filters, rng);
  if (o_.use_bias) {
    bias_.value = Tensor({o_.filters});
    bias_.grad = Tensor({o_.filters});
  }
  return {ay_.out, ax_.out, o_.filters};
}

Shape Conv2D::build(const std::vector<Shape>& inputs, Rng& rng) {
  expect_inputs(inputs, 1, 3, "[batch, height, width, channels]");
  return build_2d(inputs[0][0], inputs[0][1], inputs[0][2], rng);
}

Shape Conv1D::build(const std::vector<Shape>& inputs, Rng& rng) {
  expect_inputs(inputs, 1, 2, "[batch, length, channels]");
  if (o_.kernel_h != 1 || o_.stride_h != 1)
    fail("kernel_h and stride_h must be 1 for a 1-D convolution, got " +
         std::to_string(o_.kernel_h) + " and " + std::to_string(o_.stride_h));
  const Shape s = build_2d(1, inputs[0][0], inputs[0][1], rng);
  return {s[1], s[2]};
}

std::vector<Param*> ConvBase::params() {
  if (o_.use_bias) return {&kernel_, &bias_};
  return {&kernel_};
}

void ConvBase::forward(const std::vector<const Tensor*>& in, Tensor& out, const RunContext& ctx) {
  const Tensor& x = *in[0];
  const Geometry g{ay_.in, ax_.in, in_c_, o_.kernel_h, o_.kernel_w, ay_, ax_, o_.filters};
  const int batch = x.dim(0), P = g.pixels(), K = g.k(), O = g.filters;
  Shape os = x.shape();
  if (os.size() == 4) os = {batch, g.y.out, g.x.out, O};
  else os = {batch, g.x.out, O};
  out.resize(os);
  const int tasks = task_count(batch, static_cast<double>(P) * K, kColsPerTask);
  const float* w = kernel_.value.data();
  const Padded pd = padding_of(g);
  taps_.resize(static_cast<size_t>(K));
  tap_offsets(g, pd, taps_.data());
  ctx.parallel(tasks, [&](int t) {
    int n0, n1;
    split_range(batch, tasks, t, &n0, &n1);
    const int rows = (n1 - n0) * P;
    const float* xs = x.data() + static_cast<size_t>(n0) * g.h * g.w * g.c;
    float* y = out.data() + static_cast<size_t>(n0) * P * O;
    if (g.direct()) {
      gemm_nt(rows, O, K, xs, K, w, K, y, O, false);
    } else {
      thread_local std::vector<float> pad_buf;
      thread_local std::vector<ptrdiff_t> pix_buf;
      const Columns cols = columns_of(g, pd, xs, n1 - n0, &pad_buf, &pix_buf);
      gemm_gather(rows, O, K, cols.image, cols.pixels, taps_.data(), w, 1, K, y, O, false);
    }
    add_bias_activate(y, o_.use_bias ? bias_.value.data() : nullptr, rows, O, o_.activation);
  });
}

void ConvBase::backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dout,
                        const std::vector<Tensor*>& din, const RunContext& ctx) {
  const Tensor& x = *in[0];
  const Geometry g{ay_.in, ax_.in, in_c_, o_.kernel_h, o_.kernel_w, ay_, ax_, o_.filters};
  const int batch = x.dim(0), P = g.pixels(), K = g.k(), O = g.filters;
  // Chunks keep a chunk's columns in cache; each task runs a fixed run of chunks in order and
  // accumulates one partial gradient, so the sums do not depend on the threads.
  // Chunks are a multiple of the tasks, so the tasks get (nearly) the same number of samples.
  const int wanted = task_count(batch, static_cast<double>(P) * K, kColsPerTask);
  const int tasks = std::min(wanted, kMaxReductionTasks);
  const int chunks = std::min(batch, (wanted + tasks - 1) / tasks * tasks);
  const size_t wsize = static_cast<size_t>(O) * K;
  dw_partial_.resize(wsize * tasks);
  db_partial_.assign(static_cast<size_t>(O) * tasks, 0.0f);
  Tensor* dx = din.empty() ? nullptr : din[0];
  const float* w = kernel_.value.data();
  const Padded pd = padding_of(g);
  taps_.resize(static_cast<size_t>(K));
  tap_offsets(g, pd, taps_.data());
  const bool full = dx && !g.direct() && g.y.stride == 1 && g.x.stride == 1;
  const Padded fp = full_padding(g);
  if (full) {
    full_taps_.resize(static_cast<size_t>(g.kh) * g.kw * O);
    kernel_t_.resize(kernel_.value.size());
    full_conv_tables(g, fp, w, full_taps_.data(), kernel_t_.data());
  }
  ctx.parallel(tasks, [&](int t) {
    int c0, c1;
    split_range(chunks, tasks, t, &c0, &c1);
    for (int c = c0; c < c1; ++c) {
      int n0, n1;
      split_range(batch, chunks, c, &n0, &n1);
      const int rows = (n1 - n0) * P;
      const size_t off = static_cast<size_t>(n0) * P * O;
      thread_local std::vector<float> dzbuf, pad_buf, dcolbuf;
      thread_local std::vector<ptrdiff_t> pix_buf;
      const float* dz = dout.data() + off;
      if (o_.activation != Activation::kNone) {
        dzbuf.resize(static_cast<size_t>(rows) * O);
        activation_grad(o_.activation, out.data() + off, dz, dzbuf.data(), dzbuf.size());
        dz = dzbuf.data();
      }
      add_column_sums(dz, rows, O, db_partial_.data() + static_cast<size_t>(t) * O);
      const size_t xoff = static_cast<size_t>(n0) * g.h * g.w * g.c;
      // kernel gradient, transposed: [K, O] = cols^T * dz (O, a multiple of 16 in typical nets,
      // is the GEMM's column count, and dz needs no packing).
      float* dwt = dw_partial_.data() + wsize * t;
      if (g.direct()) {
        gemm_tn(K, O, rows, x.data() + xoff, K, dz, O, dwt, O, c > c0);
      } else {
        const Columns cols = columns_of(g, pd, x.data() + xoff, n1 - n0, &pad_buf, &pix_buf);
        gemm_gather(K, O, rows, cols.image, taps_.data(), cols.pixels, dz, O, 1, dwt, O, c > c0);
      }
      if (!dx) continue;
      if (full) {
        full_conv_input_grad(g, fp, full_taps_.data(), kernel_t_.data(), dz, n1 - n0, dx->data() + xoff);
        continue;
      }
      if (g.direct()) {
        gemm_nn(rows, K, O, dz, O, w, K, dx->data() + xoff, K, false);
        continue;
      }
      dcolbuf.resize(static_cast<size_t>(rows) * K);
      gemm_nn(rows, K, O, dz, O, w, K, dcolbuf.data(), K, false);
      col2im(g, dcolbuf.data(), n1 - n0, dx->data() + xoff);
    }
  });
  // Task sums in task order, transposed to [O, K]; split over output channels (each element is
  // still summed in the same order).
  float* gw = kernel_.grad.data();
  const int blocks = task_count(O, static_cast<double>(K) * tasks, kColsPerTask);
  ctx.parallel(blocks, [&](int b) {
    int o0, o1;
    split_range(O, blocks, b, &o0, &o1);
    for (int o = o0; o < o1; ++o)
      for (int k = 0; k < K; ++k) {
        float sum = 0.0f;
        for (int t = 0; t < tasks; ++t) sum += dw_partial_[wsize * t + static_cast<size_t>(k) * O + o];
        gw[static_cast<size_t>(o) * K + k] = sum;
      }
  });
  if (o_.use_bias) sum_partials(db_partial_, tasks, static_cast<size_t>(O), bias_.grad.data());
}

}  // namespace mote::train
