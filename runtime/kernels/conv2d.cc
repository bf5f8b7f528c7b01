#include "runtime/kernels/conv2d.h"

#include "runtime/kernels/dot_s8.h"
#include "runtime/kernels/quant.h"

// Strategy
//
// Direct (every type, no scratch): the taps of an output pixel's window that lie inside the input
// form "runs" — per filter row, one stretch of input that is contiguous in memory and matches a
// contiguous stretch of the filter (the whole visible row, filter_width * filter_depth values,
// when dilation_width is 1 and the filter sees every input channel; otherwise filter_depth values
// per tap). An output channel is the sum over runs of contiguous dot products, which compilers
// vectorize, and padded taps are simply never visited. Runs come in the reference's order (row,
// column, channel), so float sums are bit-identical to it. Two horizontally adjacent output pixels
// whose windows cover the same columns are computed together, four output channels at a time:
// each filter value is loaded once for two pixels and each input value once for four channels.
//
// Patch (int8, when runs are shorter than a vector register, e.g. first layers with 1-3 input
// channels): each pixel's window is gathered into scratch laid out like one filter, holding
// (input + input_offset) as int16 with zeros for padded taps, so every channel is one long dot
// product, two pixels x two channels at a time. Scratch: two patches of filter_height *
// filter_width * filter_depth int16 (small, since such filters are short).

namespace mote {

namespace {

// Runs shorter than this take the patch path (int8 only).
constexpr int32_t kMinDirectRun = 16;

// Where one output pixel's window sits: its origin in the input and the taps inside the input.
struct Window {
  int32_t y0, x0;
  int32_t fy_lo, fy_hi, fx_lo, fx_hi;
};

inline int32_t patch_size(const Conv2DParams& p) {
  return p.geo.filter_height * p.geo.filter_width * p.filter_depth;
}

inline bool runs_are_rows(const Conv2DParams& p) {
  return p.geo.dilation_width == 1 && p.filter_depth == p.geo.input_depth;
}

inline bool uses_patch(const Conv2DParams& p) {
  const int32_t run = runs_are_rows(p) ? p.geo.filter_width * p.filter_depth : p.filter_depth;
  return run < kMinDirectRun;
}

// What the inner loops read, copied out of the params once per call: stores to int8 outputs may
// alias anything, so values read through the params reference would be reloaded after each one.
struct Shape {
  int32_t kk;         // filter_height * filter_width * filter_depth (one filter)
  int32_t fd;         // filter_depth
  int32_t depth;      // input_depth
  int32_t out_depth;  // output_depth
  int32_t fw;         // filter_width
  int32_t in_w;       // input_width
  int32_t dil_h, dil_w;
  int32_t step;  // input distance between horizontally adjacent windows
  bool rows;     // runs_are_rows
};

inline Shape shape_of(const Conv2DParams& p) {
  const ConvGeometry& g = p.geo;
  return Shape{patch_size(p),     p.filter_depth,   g.input_depth,
               g.output_depth,    g.filter_width,   g.input_width,
               g.dilation_height, g.dilation_width, g.stride_width * g.input_depth,
               runs_are_rows(p)};
}

// Calls f(filter_offset, input_offset, length) for every run of window w, in tap order. Offsets
// are relative to the filter row of one output channel and to the group's first input channel of
// the batch.
template <typename F>
inline void for_each_run(const Shape& s, const Window& w, F f) {
  if (s.rows) {
    const int32_t len = (w.fx_hi - w.fx_lo) * s.fd;
    for (int32_t fy = w.fy_lo; fy < w.fy_hi; ++fy) {
      const int32_t iy = w.y0 + fy * s.dil_h;
      f((fy * s.fw + w.fx_lo) * s.fd, (iy * s.in_w + w.x0 + w.fx_lo) * s.depth, len);
    }
    return;
  }
  for (int32_t fy = w.fy_lo; fy < w.fy_hi; ++fy) {
    const int32_t iy = w.y0 + fy * s.dil_h;
    for (int32_t fx = w.fx_lo; fx < w.fx_hi; ++fx) {
      const int32_t ix = w.x0 + fx * s.dil_w;
      f((fy * s.fw + fx) * s.fd, (iy * s.in_w + ix) * s.depth, s.fd);
    }
  }
}

// Visits the output pixels row by row: body(window, batch, pixel_index, count). With kPairs, two
// horizontally adjacent pixels whose windows cover the same columns come as one call with
// count == 2 (the second pixel's window is the first's shifted by stride_width columns).
template <bool kPairs, typename Body>
void for_each_pixel(const Conv2DParams& p, Body body) {
  const ConvGeometry& g = p.geo;
  int32_t pixel = 0;
  for (int32_t b = 0; b < g.batches; ++b) {
    for (int32_t oy = 0; oy < g.output_height; ++oy) {
      Window w;
      w.y0 = oy * g.stride_height - g.pad_top;
      conv_tap_range(w.y0, g.dilation_height, g.filter_height, g.input_height, &w.fy_lo, &w.fy_hi);
      for (int32_t ox = 0; ox < g.output_width;) {
        w.x0 = ox * g.stride_width - g.pad_left;
        conv_tap_range(w.x0, g.dilation_width, g.filter_width, g.input_width, &w.fx_lo, &w.fx_hi);
        int32_t count = 1;
        if (kPairs && ox + 1 < g.output_width) {
          int32_t lo = 0, hi = 0;
          conv_tap_range(w.x0 + g.stride_width, g.dilation_width, g.filter_width, g.input_width,
                         &lo, &hi);
          if (lo == w.fx_lo && hi == w.fx_hi) count = 2;
        }
        body(static_cast<const Window&>(w), b, pixel, count);
        pixel += count;
        ox += count;
      }
    }
  }
}

inline int32_t wrapping_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

// ---- per-type arithmetic for the direct path ------------------------------------------------
// dot<NP, NC>: acc[c * NP + j] += sum_i w_c[i] * x_j[i] for output channels c < NC (filter rows
// w + c * w_stride) and pixels j < NP (inputs x + j * x_stride); finish<NP>: bias, requantize,
// clamp and store one channel's outputs for NP pixels.

struct KernelS8 : ConvS8State {
  using In = int8_t;
  using Acc = int32_t;
  using Out = int8_t;
  static constexpr bool kBlocked = true;
  using ConvS8State::ConvS8State;

  // Pixels x channels per block: see kScalarTarget.
  template <int NP>
  static constexpr int kMaxChannels = kScalarTarget && NP > 1 ? 2 : 4;

  template <int NP, int NC>
  void dot(const int8_t* w, int32_t w_stride, const int8_t* x, int32_t x_stride, int32_t n,
           Acc* acc) const {
    if constexpr (kScalarTarget) {
      dot_scalar<NP, NC>(w, w_stride, x, x_stride, n, offset, acc);
    } else {
      // (x + offset) is formed in int16 so the products are int16 x int16 multiply-adds.
      int32_t a[NC][NP] = {};
      for (int32_t i = 0; i < n; ++i) {
        int32_t xv[NP];
        for (int j = 0; j < NP; ++j) xv[j] = static_cast<int16_t>(x[j * x_stride + i] + offset);
        for (int c = 0; c < NC; ++c) {
          const int32_t wv = w[c * w_stride + i];
          for (int j = 0; j < NP; ++j) a[c][j] += wv * xv[j];
        }
      }
      for (int c = 0; c < NC; ++c)
        for (int j = 0; j < NP; ++j) acc[c * NP + j] = wrapping_add(acc[c * NP + j], a[c][j]);
    }
  }
  // Outputs of channel c for NP pixels (acc[j] -> out[j * stride]); results are computed before
  // any int8 store so no per-channel value is reloaded.
  template <int NP>
  void finish(const Acc* acc, int32_t c, Out* out, int32_t stride) const {
    const ChannelRequant rq = ChannelRequant::of(multipliers[c], shifts[c]);
    const int32_t b = bias_at(c);
    Out r[NP];
    for (int j = 0; j < NP; ++j)
      r[j] = static_cast<int8_t>(
          clamp_s32(rq.apply(wrapping_add(acc[j], b)) + output_offset, act_min, act_max));
    for (int j = 0; j < NP; ++j) out[j * stride] = r[j];
  }
};

// int16 x int8 products reach 2^22, so int32 partial sums cover 256 products before widening.
template <int NP, int NC>
inline void dot_s16(const int8_t* w, int32_t w_stride, const int16_t* x, int32_t x_stride,
                    int32_t n, int64_t* acc) {
  for (int32_t i0 = 0; i0 < n; i0 += 256) {
    const int32_t end = n - i0 < 256 ? n : i0 + 256;
    int32_t a[NC][NP] = {};
    for (int32_t i = i0; i < end; ++i) {
      for (int c = 0; c < NC; ++c) {
        const int32_t wv = w[c * w_stride + i];
        for (int j = 0; j < NP; ++j) a[c][j] += wv * x[j * x_stride + i];
      }
    }
    for (int c = 0; c < NC; ++c)
      for (int j = 0; j < NP; ++j) acc[c * NP + j] += a[c][j];
  }
}

// Bias int64_t: 64-bit requantization of the exact sum (conv2d_s16). Bias int32_t: the reference
// accumulates in int32 (wrapping) and requantizes with the 32-bit multiply (conv2d_s16_acc32);
// truncating the exact int64 sum gives the same wrapped value.
template <typename Bias>
struct KernelS16 {
  using In = int16_t;
  using Acc = int64_t;
  using Out = int16_t;
  static constexpr bool kBlocked = true;
  template <int NP>
  static constexpr int kMaxChannels = 4;
  const int32_t* multipliers;
  const int32_t* shifts;
  const Bias* bias;
  int32_t act_min, act_max;

  template <int NP, int NC>
  void dot(const int8_t* w, int32_t w_stride, const int16_t* x, int32_t x_stride, int32_t n,
           Acc* acc) const {
    dot_s16<NP, NC>(w, w_stride, x, x_stride, n, acc);
  }
  template <int NP>
  void finish(const Acc* acc, int32_t c, Out* out, int32_t stride) const {
    if constexpr (sizeof(Bias) == sizeof(int64_t)) {
      const int64_t b = bias != nullptr ? load_bias_s64(bias + c) : 0;
      for (int j = 0; j < NP; ++j) {
        const int32_t v = multiply_by_quantized_multiplier(acc[j] + b, multipliers[c], shifts[c]);
        out[j * stride] = static_cast<int16_t>(clamp_s32(v, act_min, act_max));
      }
    } else {
      const int32_t b = bias != nullptr ? bias[c] : 0;
      for (int j = 0; j < NP; ++j) {
        const int32_t a =
            static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(acc[j])));
        const int32_t v = requantize(wrapping_add(a, b), multipliers[c], shifts[c]);
        out[j * stride] = static_cast<int16_t>(clamp_s32(v, act_min, act_max));
      }
    }
  }
};

// Float: every output is one sequential sum in the reference's order (runs in tap order, i
// ascending within a run), so results are bit-identical; blocking only interleaves independent
// sums.
struct KernelF32 {
  using In = float;
  using Acc = float;
  using Out = float;
  static constexpr bool kBlocked = true;
  template <int NP>
  static constexpr int kMaxChannels = 4;
  const float* bias;
  float act_min, act_max;

  template <int NP, int NC>
  void dot(const float* w, int32_t w_stride, const float* x, int32_t x_stride, int32_t n,
           Acc* acc) const {
    float a[NC][NP];
    for (int c = 0; c < NC; ++c)
      for (int j = 0; j < NP; ++j) a[c][j] = acc[c * NP + j];
    for (int32_t i = 0; i < n; ++i) {
      float xv[NP];
      for (int j = 0; j < NP; ++j) xv[j] = x[j * x_stride + i];
      for (int c = 0; c < NC; ++c) {
        const float wv = w[c * w_stride + i];
        for (int j = 0; j < NP; ++j) a[c][j] += xv[j] * wv;
      }
    }
    for (int c = 0; c < NC; ++c)
      for (int j = 0; j < NP; ++j) acc[c * NP + j] = a[c][j];
  }
  template <int NP>
  void finish(const Acc* acc, int32_t c, Out* out, int32_t stride) const {
    const float b = bias != nullptr ? bias[c] : 0.0f;
    for (int j = 0; j < NP; ++j) {
      float v = acc[j] + b;
      v = v < act_min ? act_min : v;
      out[j * stride] = act_max < v ? act_max : v;
    }
  }
};

// NC output channels from c for NP pixels of window w (x: the group's input; out: first pixel).
template <int NP, int NC, typename K, typename W>
inline void direct_block(const K& k, const Shape& s, const Window& w, const typename K::In* x,
                         const W* filter, int32_t c, typename K::Out* out) {
  const W* wc = filter + c * s.kk;
  typename K::Acc acc[NP * NC] = {};
  for_each_run(s, w, [&](int32_t fo, int32_t xo, int32_t len) {
    k.template dot<NP, NC>(wc + fo, s.kk, x + xo, s.step, len, acc);
  });
  for (int cc = 0; cc < NC; ++cc)
    k.template finish<NP>(acc + cc * NP, c + cc, out + c + cc, s.out_depth);
}

// Output channels [c, end) for NP pixels: blocks of 4 (up to K::kMaxChannels), then 2, then 1.
template <int NP, typename K, typename W>
inline void direct_channels(const K& k, const Shape& s, const Window& w, const typename K::In* x,
                            const W* filter, int32_t c, int32_t end, typename K::Out* out) {
  if constexpr (K::kBlocked) {
    if constexpr (K::template kMaxChannels<NP> >= 4) {
      for (; c + 4 <= end; c += 4) direct_block<NP, 4>(k, s, w, x, filter, c, out);
      if (c + 2 <= end) {
        direct_block<NP, 2>(k, s, w, x, filter, c, out);
        c += 2;
      }
    } else {
      for (; c + 2 <= end; c += 2) direct_block<NP, 2>(k, s, w, x, filter, c, out);
    }
  }
  for (; c < end; ++c) direct_block<NP, 1>(k, s, w, x, filter, c, out);
}

template <typename K, typename W>
void conv_direct(const Conv2DParams& p, const K& k, const typename K::In* input, const W* filter,
                 typename K::Out* output) {
  const ConvGeometry& g = p.geo;
  const Shape s = shape_of(p);
  const int32_t groups = g.input_depth / p.filter_depth;
  const int32_t per_group = g.output_depth / groups;
  const int32_t batch_size = g.input_height * g.input_width * g.input_depth;
  auto body = [&](const Window& w, int32_t b, int32_t pixel, int32_t count) {
    typename K::Out* out = output + pixel * s.out_depth;
    for (int32_t grp = 0; grp < groups; ++grp) {
      const typename K::In* x = input + b * batch_size + grp * s.fd;
      const int32_t c = grp * per_group, end = c + per_group;
      if constexpr (K::kBlocked) {
        if (count == 2) {
          direct_channels<2>(k, s, w, x, filter, c, end, out);
          continue;
        }
      }
      direct_channels<1>(k, s, w, x, filter, c, end, out);
    }
  };
  for_each_pixel<K::kBlocked>(p, body);
}

// ---- int8 patch path ------------------------------------------------------------------------

// Gathers the window of one output pixel into patch[filter_height * filter_width * filter_depth]
// as int16 (input + offset), zeros for padded taps. x: the group's input in the batch.
void gather_patch(const Shape& s, int16_t offset, const int8_t* x, const Window& w,
                  int16_t* patch) {
  for (int32_t i = 0; i < s.kk; ++i) patch[i] = 0;
  for_each_run(s, w, [&](int32_t fo, int32_t xo, int32_t len) {
    for (int32_t i = 0; i < len; ++i) patch[fo + i] = static_cast<int16_t>(x[xo + i] + offset);
  });
}

// Dot products of NC filter rows (n apart) with NP patches (n apart), into acc[c * NP + j].
template <int NP, int NC>
inline void dot_patch(const int8_t* w, const int16_t* x, int32_t n, int32_t* acc) {
  if constexpr (kScalarTarget) {
    for (int i = 0; i < NP * NC; ++i) acc[i] = 0;
    dot_scalar<NP, NC>(w, n, x, n, n, 0, acc);
    return;
  }
  int32_t a[NC][NP] = {};
  for (int32_t i = 0; i < n; ++i) {
    for (int c = 0; c < NC; ++c) {
      const int32_t wv = w[c * n + i];
      for (int j = 0; j < NP; ++j) a[c][j] += wv * x[j * n + i];
    }
  }
  for (int c = 0; c < NC; ++c)
    for (int j = 0; j < NP; ++j) acc[c * NP + j] = a[c][j];
}

template <int NP, int NC>
inline void patch_block(const KernelS8& k, const Shape& s, const int16_t* patches,
                        const int8_t* filter, int32_t c, int8_t* out) {
  int32_t acc[NP * NC];
  dot_patch<NP, NC>(filter + c * s.kk, patches, s.kk, acc);
  for (int cc = 0; cc < NC; ++cc)
    k.template finish<NP>(acc + cc * NP, c + cc, out + c + cc, s.out_depth);
}

template <int NP>
inline void patch_channels(const KernelS8& k, const Shape& s, const int16_t* patches,
                           const int8_t* filter, int32_t c, int32_t end, int8_t* out) {
  for (; c + 2 <= end; c += 2) patch_block<NP, 2>(k, s, patches, filter, c, out);
  if (c < end) patch_block<NP, 1>(k, s, patches, filter, c, out);
}

void conv_patch_s8(const Conv2DParams& p, const KernelS8& k, const int8_t* input,
                   const int8_t* filter, int8_t* output, int16_t* patches) {
  const ConvGeometry& g = p.geo;
  const Shape s = shape_of(p);
  const int32_t groups = g.input_depth / p.filter_depth;
  const int32_t per_group = g.output_depth / groups;
  const int32_t batch_size = g.input_height * g.input_width * g.input_depth;
  auto body = [&](const Window& w, int32_t b, int32_t pixel, int32_t count) {
    int8_t* out = output + pixel * s.out_depth;
    Window w2 = w;
    w2.x0 += g.stride_width;
    for (int32_t grp = 0; grp < groups; ++grp) {
      const int8_t* x = input + b * batch_size + grp * s.fd;
      const int32_t c = grp * per_group, end = c + per_group;
      gather_patch(s, k.offset, x, w, patches);
      if (count == 2) {
        gather_patch(s, k.offset, x, w2, patches + s.kk);
        patch_channels<2>(k, s, patches, filter, c, end, out);
      } else {
        patch_channels<1>(k, s, patches, filter, c, end, out);
      }
    }
  };
  for_each_pixel<true>(p, body);
}

}  // namespace

size_t conv2d_s8_scratch_bytes(const Conv2DParams& p) {
  return uses_patch(p) ? 2 * sizeof(int16_t) * static_cast<size_t>(patch_size(p)) : 0;
}

void conv2d_s8(const Conv2DParams& p, const int32_t* multipliers, const int32_t* shifts,
               const int8_t* input, const int8_t* filter, const int32_t* bias, int8_t* output,
               void* scratch) {
  const KernelS8 k(p, multipliers, shifts, bias);
  if (uses_patch(p)) {
    conv_patch_s8(p, k, input, filter, output, static_cast<int16_t*>(scratch));
  } else {
    conv_direct(p, k, input, filter, output);
  }
}

void conv2d_s16(const Conv2DParams& p, const int32_t* multipliers, const int32_t* shifts,
                const int16_t* input, const int8_t* filter, const int64_t* bias, int16_t* output) {
  conv_direct(p, KernelS16<int64_t>{multipliers, shifts, bias, p.act_min, p.act_max}, input, filter,
              output);
}

void conv2d_s16_acc32(const Conv2DParams& p, const int32_t* multipliers, const int32_t* shifts,
                      const int16_t* input, const int8_t* filter, const int32_t* bias,
                      int16_t* output) {
  conv_direct(p, KernelS16<int32_t>{multipliers, shifts, bias, p.act_min, p.act_max}, input, filter,
              output);
}

void conv2d_f32(const Conv2DParams& p, const float* input, const float* filter, const float* bias,
                float* output) {
  conv_direct(p, KernelF32{bias, p.act_min_f, p.act_max_f}, input, filter, output);
}

}  // namespace mote
