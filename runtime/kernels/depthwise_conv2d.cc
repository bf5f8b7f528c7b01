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

// Largest block of output channels accumulated together (the accumulators live on the stack).
constexpr int32_t kBlock = 32;

// Per-type arithmetic, with every scalar the inner loops read copied in (stores to int8 outputs
// may alias anything, so values behind a reference would be reloaded after each store).
// mac: acc[i] += w[i] * x[i] (x with the input offset applied); mac_broadcast: the same with one
// input value; finish: bias, requantize, clamp, store.
struct KernelS8 : ConvS8State {
  using In = int8_t;
  using Filter = int8_t;
  using Acc = int32_t;
  using Out = int8_t;
  using ConvS8State::ConvS8State;

  // (x + offset) is in [-255, 255] and w in [-128, 127], so every product fits in int16.
  void mac(Acc* acc, const Filter* w, const In* x, int32_t n) const {
    for (int32_t i = 0; i < n; ++i)
      acc[i] += static_cast<int16_t>(w[i] * static_cast<int16_t>(x[i] + offset));
  }
  void mac_broadcast(Acc* acc, const Filter* w, In x, int32_t n) const {
    const int16_t xv = static_cast<int16_t>(x + offset);
    for (int32_t i = 0; i < n; ++i) acc[i] += static_cast<int16_t>(w[i] * xv);
  }
  struct Channel {
    ChannelRequant requant;
    int32_t bias;
  };
  Channel channel(int32_t c) const {
    return Channel{ChannelRequant::of(multipliers[c], shifts[c]), bias_at(c)};
  }
  Out finish(Acc acc, const Channel& ch) const {
    const int32_t a =
        static_cast<int32_t>(static_cast<uint32_t>(acc) + static_cast<uint32_t>(ch.bias));
    return static_cast<int8_t>(clamp_s32(ch.requant.apply(a) + output_offset, act_min, act_max));
  }
};

struct KernelS16 {
  using In = int16_t;
  using Filter = int8_t;
  using Acc = int64_t;
  using Out = int16_t;
  const int32_t* multipliers;
  const int32_t* shifts;
  const int64_t* bias;
  int32_t act_min, act_max;

  void mac(Acc* acc, const Filter* w, const In* x, int32_t n) const {
    for (int32_t i = 0; i < n; ++i)
      acc[i] += static_cast<int32_t>(w[i]) * static_cast<int32_t>(x[i]);
  }
  void mac_broadcast(Acc* acc, const Filter* w, In x, int32_t n) const {
    for (int32_t i = 0; i < n; ++i) acc[i] += static_cast<int32_t>(w[i]) * static_cast<int32_t>(x);
  }
  struct Channel {
    int32_t multiplier, shift;
    int64_t bias;
  };
  Channel channel(int32_t c) const {
    return Channel{multipliers[c], shifts[c], bias != nullptr ? load_bias_s64(bias + c) : 0};
  }
  Out finish(Acc acc, const Channel& ch) const {
    const int32_t v = multiply_by_quantized_multiplier(acc + ch.bias, ch.multiplier, ch.shift);
    return static_cast<int16_t>(clamp_s32(v, act_min, act_max));
  }
};

// Float: each accumulator sums its taps in row-major order, as the reference does.
struct KernelF32 {
  using In = float;
  using Filter = float;
  using Acc = float;
  using Out = float;
  const float* bias;
  float act_min, act_max;

  void mac(Acc* acc, const Filter* w, const In* x, int32_t n) const {
    for (int32_t i = 0; i < n; ++i) acc[i] += x[i] * w[i];
  }
  void mac_broadcast(Acc* acc, const Filter* w, In x, int32_t n) const {
    for (int32_t i = 0; i < n; ++i) acc[i] += x * w[i];
  }
  struct Channel {
    float bias;
  };
  Channel channel(int32_t c) const { return Channel{bias != nullptr ? bias[c] : 0.0f}; }
  Out finish(Acc acc, const Channel& ch) const {
    float v = acc + ch.bias;
    v = v < act_min ? act_min : v;
    return act_max < v ? act_max : v;
  }
};

// Geometry the loops read, copied once per call.
struct Shape {
  int32_t in_w, depth, out_depth, fw, dil_h, dil_w;
};

struct Window {
  int32_t y0, x0;
  int32_t fy_lo, fy_hi, fx_lo, fx_hi;
};

// Output channels [oc0, oc0 + n) over every output pixel; n = N when N > 0 (a compile-time block
// size, so the channel loops have fixed length), else n_runtime (< kBlock). Per-channel
// requantization constants are computed once for the whole block. kBroadcast: every channel of
// the block reads input channel ic (depth multiplier > 1); otherwise channel oc reads input
// channel oc.
template <int N, bool kBroadcast, typename K>
void channel_block(const DepthwiseConv2DParams& p, const K& k, const Shape& s,
                   const typename K::In* input, const typename K::Filter* filter, int32_t oc0,
                   int32_t n_runtime, int32_t ic, typename K::Out* output) {
  constexpr int32_t kSize = N > 0 ? N : kBlock;
  const int32_t n = N > 0 ? N : n_runtime;
  const ConvGeometry& g = p.geo;
  typename K::Channel ch[kSize];
  for (int32_t i = 0; i < n; ++i) ch[i] = k.channel(oc0 + i);
  const int32_t batch_size = g.input_height * g.input_width * s.depth;
  const int32_t in_channel = kBroadcast ? ic : oc0;
  typename K::Out* out = output + oc0;
  for (int32_t b = 0; b < g.batches; ++b) {
    const typename K::In* in_batch = input + b * batch_size + in_channel;
    for (int32_t oy = 0; oy < g.output_height; ++oy) {
      Window w;
      w.y0 = oy * g.stride_height - g.pad_top;
      conv_tap_range(w.y0, g.dilation_height, g.filter_height, g.input_height, &w.fy_lo, &w.fy_hi);
      for (int32_t ox = 0; ox < g.output_width; ++ox) {
        w.x0 = ox * g.stride_width - g.pad_left;
        conv_tap_range(w.x0, g.dilation_width, g.filter_width, g.input_width, &w.fx_lo, &w.fx_hi);
        typename K::Acc acc[kSize];
        for (int32_t i = 0; i < n; ++i) acc[i] = 0;
        for (int32_t fy = w.fy_lo; fy < w.fy_hi; ++fy) {
          const typename K::In* row = in_batch + (w.y0 + fy * s.dil_h) * s.in_w * s.depth;
          const typename K::Filter* frow = filter + fy * s.fw * s.out_depth + oc0;
          for (int32_t fx = w.fx_lo; fx < w.fx_hi; ++fx) {
            const typename K::In* x = row + (w.x0 + fx * s.dil_w) * s.depth;
            if (kBroadcast) {
              k.mac_broadcast(acc, frow + fx * s.out_depth, *x, n);
            } else {
              k.mac(acc, frow + fx * s.out_depth, x, n);
            }
          }
        }
        for (int32_t i = 0; i < n; ++i) out[i] = k.finish(acc[i], ch[i]);
        out += s.out_depth;
      }
    }
  }
}

// Channels [oc, end) in blocks of 32, 16, 8, then the rest.
template <bool kBroadcast, typename K>
void channel_range(const DepthwiseConv2DParams& p, const K& k, const Shape& s,
                   const typename K::In* input, const typename K::Filter* filter, int32_t oc,
                   int32_t end, int32_t ic, typename K::Out* output) {
  for (; oc + 32 <= end; oc += 32)
    channel_block<32, kBroadcast>(p, k, s, input, filter, oc, 0, ic, output);
  if (oc + 16 <= end) {
    channel_block<16, kBroadcast>(p, k, s, input, filter, oc, 0, ic, output);
    oc += 16;
  }
  if (oc + 8 <= end) {
    channel_block<8, kBroadcast>(p, k, s, input, filter, oc, 0, ic, output);
    oc += 8;
  }
  if (oc < end) channel_block<0, kBroadcast>(p, k, s, input, filter, oc, end - oc, ic, output);
}

template <typename K>
void depthwise_run(const DepthwiseConv2DParams& p, const K& k, const typename K::In* input,
                   const typename K::Filter* filter, typename K::Out* output) {
  const ConvGeometry& g = p.geo;
  const Shape s{g.input_width,  g.input_depth,     g.output_depth,
                g.filter_width, g.dilation_height, g.dilation_width};
  const int32_t mult = p.depth_multiplier;
  if (mult == 1) {
    channel_range<false>(p, k, s, input, filter, 0, s.out_depth, 0, output);
    return;
  }
  for (int32_t ic = 0; ic < s.depth; ++ic)
    channel_range<true>(p, k, s, input, filter, ic * mult, (ic + 1) * mult, ic, output);
}

}  // namespace

void depthwise_conv2d_s8(const DepthwiseConv2DParams& p, const int32_t* multipliers,
                         const int32_t* shifts, const int8_t* input, const int8_t* filter,
                         const int32_t* bias, int8_t* output) {
  depthwise_run(p, KernelS8(p, multipliers, shifts, bias), input, filter, output);
}

void depthwise_conv2d_s16(const DepthwiseConv2DParams& p, const int32_t* multipliers,
                          const int32_t* shifts, const int16_t* input, const int8_t* filter,
                          const int64_t* bias, int16_t* output) {
  depthwise_run(p, KernelS16{multipliers, shifts, bias, p.act_min, p.act_max}, input, filter,
                output);
}

void depthwise_conv2d_f32(const DepthwiseConv2DParams& p, const float* input, const float* filter,
                          const float* bias, float* output) {
  depthwise_run(p, KernelF32{bias, p.act_min_f, p.act_max_f}, input, filter, output);
}

}  // namespace mote
