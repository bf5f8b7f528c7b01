#include "runtime/kernels/depthwise_conv2d.h"

#include "runtime/kernels/quant.h"

// Strategy: for each output pixel, output channels are processed in blocks of up to kBlock
// accumulators. For every tap of the window that lies inside the input (the tap range is computed
// once per pixel, so no bounds test runs per channel), the block does acc[i] += w[i] * x[i] over
// contiguous channels — an elementwise loop compilers vectorize. Then the block is requantized.
// With depth_multiplier > 1 a block covers the multiplier outputs of one input channel and the
// input value is broadcast.

namespace mote {

namespace {

constexpr int32_t kBlock = 32;

inline int32_t clamp(int32_t v, int32_t lo, int32_t hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

// Per-type arithmetic. mac: acc[i] += w[i] * x[i] (x with the input offset applied);
// mac_broadcast: the same with one input value; finish: bias, requantize, clamp, store.
struct KernelS8 {
  using In = int8_t;
  using Filter = int8_t;
  using Acc = int32_t;
  using Out = int8_t;
  const DepthwiseConv2DParams& p;
  const int32_t* multipliers;
  const int32_t* shifts;
  const int32_t* bias;

  // (x + offset) is in [-255, 255] and w in [-128, 127], so every product fits in int16.
  void mac(Acc* acc, const Filter* w, const In* x, int32_t n) const {
    const int16_t off = static_cast<int16_t>(p.input_offset);
    for (int32_t i = 0; i < n; ++i)
      acc[i] += static_cast<int16_t>(w[i] * static_cast<int16_t>(x[i] + off));
  }
  void mac_broadcast(Acc* acc, const Filter* w, In x, int32_t n) const {
    const int16_t xv = static_cast<int16_t>(x + p.input_offset);
    for (int32_t i = 0; i < n; ++i) acc[i] += static_cast<int16_t>(w[i] * xv);
  }
  void finish(const Acc* acc, int32_t oc0, int32_t n, Out* out) const {
    for (int32_t i = 0; i < n; ++i) {
      const int32_t c = oc0 + i;
      int32_t a = acc[i];
      if (bias != nullptr)
        a = static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(bias[c]));
      const int32_t v = requantize(a, multipliers[c], shifts[c]);
      out[c] = static_cast<int8_t>(clamp(v + p.output_offset, p.act_min, p.act_max));
    }
  }
};

struct KernelS16 {
  using In = int16_t;
  using Filter = int8_t;
  using Acc = int64_t;
  using Out = int16_t;
  const DepthwiseConv2DParams& p;
  const int32_t* multipliers;
  const int32_t* shifts;
  const int64_t* bias;

  void mac(Acc* acc, const Filter* w, const In* x, int32_t n) const {
    for (int32_t i = 0; i < n; ++i)
      acc[i] += static_cast<int32_t>(w[i]) * static_cast<int32_t>(x[i]);
  }
  void mac_broadcast(Acc* acc, const Filter* w, In x, int32_t n) const {
    for (int32_t i = 0; i < n; ++i) acc[i] += static_cast<int32_t>(w[i]) * static_cast<int32_t>(x);
  }
  void finish(const Acc* acc, int32_t oc0, int32_t n, Out* out) const {
    for (int32_t i = 0; i < n; ++i) {
      const int32_t c = oc0 + i;
      const int64_t a = bias != nullptr ? acc[i] + bias[c] : acc[i];
      const int32_t v = multiply_by_quantized_multiplier(a, multipliers[c], shifts[c]);
      out[c] = static_cast<int16_t>(clamp(v, p.act_min, p.act_max));
    }
  }
};

struct KernelF32 {
  using In = float;
  using Filter = float;
  using Acc = float;
  using Out = float;
  const DepthwiseConv2DParams& p;
  const float* bias;

  void mac(Acc* acc, const Filter* w, const In* x, int32_t n) const {
    for (int32_t i = 0; i < n; ++i) acc[i] += x[i] * w[i];
  }
  void mac_broadcast(Acc* acc, const Filter* w, In x, int32_t n) const {
    for (int32_t i = 0; i < n; ++i) acc[i] += x * w[i];
  }
  void finish(const Acc* acc, int32_t oc0, int32_t n, Out* out) const {
    for (int32_t i = 0; i < n; ++i) {
      const int32_t c = oc0 + i;
      float v = acc[i] + (bias != nullptr ? bias[c] : 0.0f);
      v = v < p.act_min_f ? p.act_min_f : v;
      v = p.act_max_f < v ? p.act_max_f : v;
      out[c] = v;
    }
  }
};

struct Window {
  int32_t y0, x0;
  int32_t fy_lo, fy_hi, fx_lo, fx_hi;
};

// One block of n output channels starting at oc0 for one output pixel. ic < 0: depth multiplier 1,
// channel oc reads input channel oc. ic >= 0: every channel of the block reads input channel ic.
template <typename K>
inline void run_block(const K& k, const typename K::In* in_batch, const typename K::Filter* filter,
                      const Window& w, int32_t oc0, int32_t n, int32_t ic,
                      typename K::Out* out_pixel) {
  const ConvGeometry& g = k.p.geo;
  typename K::Acc acc[kBlock];
  for (int32_t i = 0; i < n; ++i) acc[i] = 0;
  for (int32_t fy = w.fy_lo; fy < w.fy_hi; ++fy) {
    const typename K::In* row =
        in_batch + (w.y0 + fy * g.dilation_height) * g.input_width * g.input_depth;
    const typename K::Filter* frow = filter + fy * g.filter_width * g.output_depth + oc0;
    for (int32_t fx = w.fx_lo; fx < w.fx_hi; ++fx) {
      const typename K::In* x = row + (w.x0 + fx * g.dilation_width) * g.input_depth;
      const typename K::Filter* wt = frow + fx * g.output_depth;
      if (ic < 0) {
        k.mac(acc, wt, x + oc0, n);
      } else {
        k.mac_broadcast(acc, wt, x[ic], n);
      }
    }
  }
  k.finish(acc, oc0, n, out_pixel);
}

template <typename K>
void depthwise_run(const K& k, const typename K::In* input, const typename K::Filter* filter,
                   typename K::Out* output) {
  const ConvGeometry& g = k.p.geo;
  const int32_t mult = k.p.depth_multiplier;
  const int32_t batch_size = g.input_height * g.input_width * g.input_depth;
  typename K::Out* out_pixel = output;
  for (int32_t b = 0; b < g.batches; ++b) {
    const typename K::In* in_batch = input + b * batch_size;
    for (int32_t oy = 0; oy < g.output_height; ++oy) {
      Window w;
      w.y0 = oy * g.stride_height - g.pad_top;
      conv_tap_range(w.y0, g.dilation_height, g.filter_height, g.input_height, &w.fy_lo, &w.fy_hi);
      for (int32_t ox = 0; ox < g.output_width; ++ox) {
        w.x0 = ox * g.stride_width - g.pad_left;
        conv_tap_range(w.x0, g.dilation_width, g.filter_width, g.input_width, &w.fx_lo, &w.fx_hi);
        if (mult == 1) {
          int32_t oc = 0;
          for (; oc + kBlock <= g.output_depth; oc += kBlock)
            run_block(k, in_batch, filter, w, oc, kBlock, -1, out_pixel);
          if (oc < g.output_depth)
            run_block(k, in_batch, filter, w, oc, g.output_depth - oc, -1, out_pixel);
        } else {
          for (int32_t ic = 0; ic < g.input_depth; ++ic) {
            for (int32_t m = 0; m < mult; m += kBlock) {
              const int32_t n = mult - m < kBlock ? mult - m : kBlock;
              run_block(k, in_batch, filter, w, ic * mult + m, n, ic, out_pixel);
            }
          }
        }
        out_pixel += g.output_depth;
      }
    }
  }
}

}  // namespace

void depthwise_conv2d_s8(const DepthwiseConv2DParams& p, const int32_t* multipliers,
                         const int32_t* shifts, const int8_t* input, const int8_t* filter,
                         const int32_t* bias, int8_t* output) {
  depthwise_run(KernelS8{p, multipliers, shifts, bias}, input, filter, output);
}

void depthwise_conv2d_s16(const DepthwiseConv2DParams& p, const int32_t* multipliers,
                          const int32_t* shifts, const int16_t* input, const int8_t* filter,
                          const int64_t* bias, int16_t* output) {
  depthwise_run(KernelS16{p, multipliers, shifts, bias}, input, filter, output);
}

void depthwise_conv2d_f32(const DepthwiseConv2DParams& p, const float* input, const float* filter,
                          const float* bias, float* output) {
  depthwise_run(KernelF32{p, bias}, input, filter, output);
}

}  // namespace mote
