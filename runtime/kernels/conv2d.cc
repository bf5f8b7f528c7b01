#include "runtime/kernels/conv2d.h"

#include "runtime/kernels/quant.h"

// Strategy: for every output pixel (and group) the receptive field is gathered once into a
// contiguous "patch" laid out exactly like one filter (filter_height x filter_width x
// filter_depth), with padded taps set to a value that contributes nothing. Every output channel
// is then one contiguous dot product filter[c] . patch, which compilers vectorize. For int8 the
// patch holds (input + input_offset) as int16, so padded taps are plain zeros and the dot product
// needs no correction term.

namespace mote {

namespace {

struct LoadOffsetS8 {  // int8 input -> int16 (input + offset), offset in [-127, 128]
  int16_t offset;
  int16_t operator()(int8_t x) const { return static_cast<int16_t>(x + offset); }
};
struct LoadS16 {
  int16_t operator()(int16_t x) const { return x; }
};
struct LoadF32 {
  float operator()(float x) const { return x; }
};

template <typename P>
inline void fill_zero(P* dst, int32_t n) {
  for (int32_t i = 0; i < n; ++i) dst[i] = P(0);
}

template <typename In, typename P, typename Load>
inline void load_run(const In* src, int32_t n, Load load, P* dst) {
  for (int32_t i = 0; i < n; ++i) dst[i] = load(src[i]);
}

// Where one output pixel's window sits: its origin in the input and the taps inside the input.
struct Window {
  int32_t y0, x0;
  int32_t fy_lo, fy_hi, fx_lo, fx_hi;
};

// Gathers the window of one output pixel, for the filter_depth channels of one group, into
// patch[filter_height * filter_width * filter_depth]. in_batch points at the batch's first
// element, already advanced to the group's first channel.
template <typename In, typename P, typename Load>
void gather_patch(const Conv2DParams& p, const In* in_batch, const Window& w, Load load, P* patch) {
  const ConvGeometry& g = p.geo;
  const int32_t fd = p.filter_depth;
  const int32_t depth = g.input_depth;
  const int32_t row_len = g.filter_width * fd;
  const bool contiguous = g.dilation_width == 1 && fd == depth;
  for (int32_t fy = 0; fy < g.filter_height; ++fy) {
    P* dst = patch + fy * row_len;
    if (fy < w.fy_lo || fy >= w.fy_hi) {
      fill_zero(dst, row_len);
      continue;
    }
    const In* row = in_batch + (w.y0 + fy * g.dilation_height) * g.input_width * depth;
    fill_zero(dst, w.fx_lo * fd);
    if (contiguous) {
      load_run(row + (w.x0 + w.fx_lo) * depth, (w.fx_hi - w.fx_lo) * fd, load, dst + w.fx_lo * fd);
    } else {
      for (int32_t fx = w.fx_lo; fx < w.fx_hi; ++fx)
        load_run(row + (w.x0 + fx * g.dilation_width) * depth, fd, load, dst + fx * fd);
    }
    fill_zero(dst + w.fx_hi * fd, (g.filter_width - w.fx_hi) * fd);
  }
}

// Gathers the patch of output pixel `pixel` (flat index over batches x rows x columns) for group
// `grp`.
template <typename In, typename P, typename Load>
void gather_pixel(const Conv2DParams& p, const In* input, int32_t pixel, int32_t grp, Load load,
                  P* patch) {
  const ConvGeometry& g = p.geo;
  const int32_t per_image = g.output_height * g.output_width;
  const int32_t b = pixel / per_image;
  const int32_t oy = (pixel - b * per_image) / g.output_width;
  const int32_t ox = pixel - b * per_image - oy * g.output_width;
  Window w;
  w.y0 = oy * g.stride_height - g.pad_top;
  w.x0 = ox * g.stride_width - g.pad_left;
  conv_tap_range(w.y0, g.dilation_height, g.filter_height, g.input_height, &w.fy_lo, &w.fy_hi);
  conv_tap_range(w.x0, g.dilation_width, g.filter_width, g.input_width, &w.fx_lo, &w.fx_hi);
  const int32_t batch_size = g.input_height * g.input_width * g.input_depth;
  gather_patch(p, input + b * batch_size + grp * p.filter_depth, w, load, patch);
}

// Visits the output pixels in blocks of up to kPixels and every group: gathers the block's patches
// (patch j at patches + j * patch_size), then calls
//   body(patches, pixel_count, first_pixel, first_output_channel, channel_count).
template <int kPixels, typename In, typename P, typename Load, typename Body>
void for_each_block(const Conv2DParams& p, const In* input, Load load, P* patches, Body body) {
  const ConvGeometry& g = p.geo;
  const int32_t groups = g.input_depth / p.filter_depth;
  const int32_t per_group = g.output_depth / groups;
  const int32_t k = g.filter_height * g.filter_width * p.filter_depth;
  const int32_t pixels = g.batches * g.output_height * g.output_width;
  for (int32_t q = 0; q < pixels; q += kPixels) {
    const int32_t n = pixels - q < kPixels ? pixels - q : kPixels;
    for (int32_t grp = 0; grp < groups; ++grp) {
      for (int32_t j = 0; j < n; ++j) gather_pixel(p, input, q + j, grp, load, patches + j * k);
      body(static_cast<const P*>(patches), n, q, grp * per_group, per_group);
    }
  }
}

inline int32_t patch_size(const Conv2DParams& p) {
  return p.geo.filter_height * p.geo.filter_width * p.filter_depth;
}

// int8 kernel: output pixels per block. Blocks of 2 pixels x 2 output channels load (and widen)
// each filter element once for two pixels and each patch element once for two channels.
constexpr int32_t kPixelsS8 = 2;

// sum w[i] * x[i] in int32. Exact as long as n * 128 * max|x| < 2^31.
inline int32_t dot_s8_s16(const int8_t* w, const int16_t* x, int32_t n) {
  int32_t acc = 0;
  for (int32_t i = 0; i < n; ++i) acc += static_cast<int32_t>(w[i]) * static_cast<int32_t>(x[i]);
  return acc;
}

// Filter rows w, w + n with patches x, x + n: acc = {w0.x0, w0.x1, w1.x0, w1.x1}.
inline void dot_2x2_s8_s16(const int8_t* w, const int16_t* x, int32_t n, int32_t* acc) {
  const int8_t* w0 = w;
  const int8_t* w1 = w + n;
  const int16_t* x0 = x;
  const int16_t* x1 = x + n;
  int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0;
  for (int32_t i = 0; i < n; ++i) {
    const int32_t u = w0[i], v = w1[i];
    a00 += u * x0[i];
    a01 += u * x1[i];
    a10 += v * x0[i];
    a11 += v * x1[i];
  }
  acc[0] = a00;
  acc[1] = a01;
  acc[2] = a10;
  acc[3] = a11;
}

// Same sum for full-range int16 x, exact in int64: int32 partial sums over 256 products.
inline int64_t dot_s8_s16_wide(const int8_t* w, const int16_t* x, int32_t n) {
  int64_t acc = 0;
  for (int32_t i = 0; i < n; i += 256) {
    const int32_t len = n - i < 256 ? n - i : 256;
    acc += dot_s8_s16(w + i, x + i, len);
  }
  return acc;
}

inline int32_t wrapping_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

inline int32_t clamp(int32_t v, int32_t lo, int32_t hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

struct OutputS8 {
  const Conv2DParams& p;
  const int32_t* multipliers;
  const int32_t* shifts;
  int8_t operator()(int32_t acc, int32_t c) const {
    const int32_t v = requantize(acc, multipliers[c], shifts[c]) + p.output_offset;
    return static_cast<int8_t>(clamp(v, p.act_min, p.act_max));
  }
};

}  // namespace

size_t conv2d_s8_scratch_bytes(const Conv2DParams& p) {
  return static_cast<size_t>(patch_size(p)) * sizeof(int16_t) * kPixelsS8;
}
size_t conv2d_s16_scratch_bytes(const Conv2DParams& p) {
  return static_cast<size_t>(patch_size(p)) * sizeof(int16_t);
}
size_t conv2d_f32_scratch_bytes(const Conv2DParams& p) {
  return static_cast<size_t>(patch_size(p)) * sizeof(float);
}

void conv2d_s8(const Conv2DParams& p, const int32_t* multipliers, const int32_t* shifts,
               const int8_t* input, const int8_t* filter, const int32_t* bias, int8_t* output,
               void* scratch) {
  const int32_t k = patch_size(p);
  const int32_t depth = p.geo.output_depth;
  const LoadOffsetS8 load{static_cast<int16_t>(p.input_offset)};
  const OutputS8 finish{p, multipliers, shifts};
  auto bias_of = [bias](int32_t c) { return bias != nullptr ? bias[c] : 0; };
  // One pixel x one channel: the remainders of the 2 x 2 blocks.
  auto single = [&](const int16_t* patch, int8_t* out, int32_t c) {
    out[c] = finish(wrapping_add(dot_s8_s16(filter + c * k, patch, k), bias_of(c)), c);
  };
  auto body = [&](const int16_t* patches, int32_t n, int32_t q, int32_t c0, int32_t count) {
    int8_t* out = output + q * depth;
    if (n < 2) {
      for (int32_t c = c0; c < c0 + count; ++c) single(patches, out, c);
      return;
    }
    int32_t c = c0;
    for (; c + 2 <= c0 + count; c += 2) {
      int32_t acc[4];
      dot_2x2_s8_s16(filter + c * k, patches, k, acc);
      const int32_t b0 = bias_of(c), b1 = bias_of(c + 1);
      out[c] = finish(wrapping_add(acc[0], b0), c);
      out[depth + c] = finish(wrapping_add(acc[1], b0), c);
      out[c + 1] = finish(wrapping_add(acc[2], b1), c + 1);
      out[depth + c + 1] = finish(wrapping_add(acc[3], b1), c + 1);
    }
    if (c < c0 + count) {
      single(patches, out, c);
      single(patches + k, out + depth, c);
    }
  };
  for_each_block<kPixelsS8>(p, input, load, static_cast<int16_t*>(scratch), body);
}

void conv2d_s16(const Conv2DParams& p, const int32_t* multipliers, const int32_t* shifts,
                const int16_t* input, const int8_t* filter, const int64_t* bias, int16_t* output,
                void* scratch) {
  const int32_t k = patch_size(p);
  auto body = [&](const int16_t* patch, int32_t, int32_t q, int32_t c0, int32_t count) {
    int16_t* out = output + q * p.geo.output_depth;
    for (int32_t c = c0; c < c0 + count; ++c) {
      int64_t acc = dot_s8_s16_wide(filter + c * k, patch, k);
      if (bias != nullptr) acc += bias[c];
      const int32_t v = multiply_by_quantized_multiplier(acc, multipliers[c], shifts[c]);
      out[c] = static_cast<int16_t>(clamp(v, p.act_min, p.act_max));
    }
  };
  for_each_block<1>(p, input, LoadS16{}, static_cast<int16_t*>(scratch), body);
}

void conv2d_s16_acc32(const Conv2DParams& p, const int32_t* multipliers, const int32_t* shifts,
                      const int16_t* input, const int8_t* filter, const int32_t* bias,
                      int16_t* output, void* scratch) {
  const int32_t k = patch_size(p);
  auto body = [&](const int16_t* patch, int32_t, int32_t q, int32_t c0, int32_t count) {
    int16_t* out = output + q * p.geo.output_depth;
    for (int32_t c = c0; c < c0 + count; ++c) {
      // The reference accumulates in int32; truncating the exact sum gives the same wrapped value.
      int32_t acc = static_cast<int32_t>(
          static_cast<uint32_t>(static_cast<uint64_t>(dot_s8_s16_wide(filter + c * k, patch, k))));
      if (bias != nullptr) acc = wrapping_add(acc, bias[c]);
      const int32_t v = requantize(acc, multipliers[c], shifts[c]);
      out[c] = static_cast<int16_t>(clamp(v, p.act_min, p.act_max));
    }
  };
  for_each_block<1>(p, input, LoadS16{}, static_cast<int16_t*>(scratch), body);
}

void conv2d_f32(const Conv2DParams& p, const float* input, const float* filter, const float* bias,
                float* output, void* scratch) {
  const int32_t k = patch_size(p);
  // Padded taps are 0.0f in the patch: adding w * 0 to a running sum that starts at +0 never
  // changes it (for finite weights), so the sums equal the reference's, which skips those taps.
  auto body = [&](const float* patch, int32_t, int32_t q, int32_t c0, int32_t count) {
    float* out = output + q * p.geo.output_depth;
    for (int32_t c = c0; c < c0 + count; ++c) {
      const float* w = filter + c * k;
      float total = 0.0f;
      for (int32_t i = 0; i < k; ++i) total += patch[i] * w[i];
      float v = total + (bias != nullptr ? bias[c] : 0.0f);
      v = v < p.act_min_f ? p.act_min_f : v;
      v = p.act_max_f < v ? p.act_max_f : v;
      out[c] = v;
    }
  };
  for_each_block<1>(p, input, LoadF32{}, static_cast<float*>(scratch), body);
}

}  // namespace mote
