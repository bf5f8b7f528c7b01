// Naive, independent models of the .tflite reference convolutions (CONV_2D, DEPTHWISE_CONV_2D,
// TRANSPOSE_CONV) for tests: output size and padding from their textbook formulas, every tap
// bounds-checked, sums in int64 / float, requantization from tests/support/quant_reference.h.
// Slow on purpose; the kernels under test must match them bit for bit.
//
// Layouts are NHWC; CONV_2D filters [oc][fh][fw][fd] (fd = input channels per group),
// DEPTHWISE_CONV_2D filters [1][fh][fw][c * multiplier], TRANSPOSE_CONV filters [oc][fh][fw][ic].
//
//   const ref::ConvGeo g = ref::conv_geo(/*n=*/1, /*h=*/9, /*w=*/9, /*c=*/5, /*oc=*/7, /*fh=*/3, /*fw=*/3,
//                                        /*sh=*/2, /*sw=*/1, /*dh=*/1, /*dw=*/2, /*same=*/true, /*fd=*/5);
//   ref::QuantS8 q = ref::random_quant_s8(rng, g, /*act=*/3);
//   std::vector<int8_t> want = ref::conv_s8(g, q, input, filter, bias.data());
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "runtime/kernels/conv_common.h"
#include "runtime/kernels/depthwise_conv2d.h"
#include "runtime/kernels/transpose_conv.h"

namespace mote::testing::ref {

// ---- CONV_2D and DEPTHWISE_CONV_2D ------------------------------------------------------------

// One convolution's geometry. The derived fields (output size, padding before) are filled by
// conv_geo / depthwise_geo.
struct ConvGeo {
  int n, h, w, c;      // input: batches, height, width, channels
  int oc;              // output channels
  int fh, fw;          // filter height, width
  int sh, sw;          // strides
  int dh, dw;          // dilations
  int fd;              // input channels each filter reads: c / groups (CONV_2D), 1 (depthwise)
  bool same;           // SAME padding, else VALID
  int oh, ow, pt, pl;  // derived: output height, width; padding top, left

  int in_size() const { return n * h * w * c; }
  int out_size() const { return n * oh * ow * oc; }
  int filter_size() const { return oc * fh * fw * fd; }
  int depth_multiplier() const { return oc / c; }  // depthwise
};

ConvGeo conv_geo(int n, int h, int w, int c, int oc, int fh, int fw, int sh, int sw, int dh, int dw, bool same,
                 int fd);
// Depthwise: oc = c * multiplier, each output channel reads input channel o / multiplier.
ConvGeo depthwise_geo(int n, int h, int w, int c, int multiplier, int fh, int fw, int sh, int sw, int dh, int dw,
                      bool same);

// One CONV_2D test case: the geometry's parameters (fd = c / groups), the fused activation and
// whether there is a bias.
struct ConvCase {
  int n, h, w, c, oc, fh, fw, groups, sh, sw, dh, dw;
  bool same;
  int act;
  bool bias = true;
};
ConvGeo conv_geo(const ConvCase& c);
std::string describe(const ConvCase& c);

// The kernels' own descriptions of the same geometry.
ConvGeometry conv_geometry(const ConvGeo& g);
DepthwiseConv2DParams depthwise_params(const ConvGeo& g);  // geometry and depth multiplier only

// The reference's 32-bit requantization of an int64 sum; fails the test if acc * 2^shift does not
// fit in int32 (the test data overflowed, not the kernel).
int64_t requant32(int64_t acc, int32_t m, int32_t shift);
// The reference's 64-bit requantization (int16 kernels).
int64_t requant64(int64_t acc, int32_t m, int32_t shift);
int64_t clamp64(int64_t v, int64_t lo, int64_t hi);

// Per-channel requantization and clamp of an int8 or int16 convolution.
struct QuantS8 {
  int32_t in_zp, out_zp, act_min, act_max;
  std::vector<int32_t> mult, shift;
};
struct QuantS16 {
  int32_t act_min, act_max;
  std::vector<int32_t> mult, shift;
};

// Random per-channel scales chosen so outputs spread over the range and fused activation `act`
// (0 none, 1 RELU, 2 RELU_N1_TO_1, 3 RELU6) bites; multipliers from conv_channel_multiplier.
QuantS8 random_quant_s8(std::mt19937& rng, const ConvGeo& g, int act);
QuantS16 random_quant_s16(std::mt19937& rng, const ConvGeo& g, int act);

// Sum over the taps inside the input of filter * (input + offset) per output element, in Acc,
// taps row by row with channels innermost (the reference's order, which float results depend on).
template <typename Acc, typename In, typename W>
std::vector<Acc> conv_accumulate(const ConvGeo& g, const std::vector<In>& in, const std::vector<W>& w, Acc offset) {
  std::vector<Acc> out(g.out_size());
  const int groups = g.c / g.fd, per_group = g.oc / groups;
  for (int b = 0; b < g.n; ++b)
    for (int oy = 0; oy < g.oh; ++oy)
      for (int ox = 0; ox < g.ow; ++ox)
        for (int o = 0; o < g.oc; ++o) {
          Acc acc = 0;
          const int grp = o / per_group;
          for (int ky = 0; ky < g.fh; ++ky)
            for (int kx = 0; kx < g.fw; ++kx) {
              const int y = oy * g.sh - g.pt + ky * g.dh, x = ox * g.sw - g.pl + kx * g.dw;
              if (y < 0 || y >= g.h || x < 0 || x >= g.w) continue;
              for (int i = 0; i < g.fd; ++i) {
                const Acc v = static_cast<Acc>(in[((b * g.h + y) * g.w + x) * g.c + grp * g.fd + i]);
                acc += static_cast<Acc>(w[((o * g.fh + ky) * g.fw + kx) * g.fd + i]) * (v + offset);
              }
            }
          out[((b * g.oh + oy) * g.ow + ox) * g.oc + o] = acc;
        }
  return out;
}

// The same for DEPTHWISE_CONV_2D: output channel o reads input channel o / multiplier.
template <typename Acc, typename In, typename W>
std::vector<Acc> depthwise_accumulate(const ConvGeo& g, const std::vector<In>& in, const std::vector<W>& w,
                                      Acc offset) {
  std::vector<Acc> out(g.out_size());
  const int m = g.depth_multiplier();
  for (int b = 0; b < g.n; ++b)
    for (int oy = 0; oy < g.oh; ++oy)
      for (int ox = 0; ox < g.ow; ++ox)
        for (int o = 0; o < g.oc; ++o) {
          Acc acc = 0;
          for (int ky = 0; ky < g.fh; ++ky)
            for (int kx = 0; kx < g.fw; ++kx) {
              const int y = oy * g.sh - g.pt + ky * g.dh, x = ox * g.sw - g.pl + kx * g.dw;
              if (y < 0 || y >= g.h || x < 0 || x >= g.w) continue;
              const Acc v = static_cast<Acc>(in[((b * g.h + y) * g.w + x) * g.c + o / m]);
              acc += static_cast<Acc>(w[(ky * g.fw + kx) * g.oc + o]) * (v + offset);
            }
          out[((b * g.oh + oy) * g.ow + ox) * g.oc + o] = acc;
        }
  return out;
}

// Sums (+ bias per output channel, when given) requantized and clamped.
std::vector<int8_t> requantize_s8(const ConvGeo& g, const QuantS8& q, const std::vector<int64_t>& sums,
                                  const int32_t* bias);
// acc32: the accumulator and bias are int32 and the 32-bit requantization is used.
std::vector<int16_t> requantize_s16(const ConvGeo& g, const QuantS16& q, const std::vector<int64_t>& sums,
                                    const int64_t* bias, bool acc32);

std::vector<int8_t> conv_s8(const ConvGeo& g, const QuantS8& q, const std::vector<int8_t>& in,
                            const std::vector<int8_t>& w, const int32_t* bias);
std::vector<int16_t> conv_s16(const ConvGeo& g, const QuantS16& q, const std::vector<int16_t>& in,
                              const std::vector<int8_t>& w, const int64_t* bias, bool acc32);
std::vector<int8_t> depthwise_s8(const ConvGeo& g, const QuantS8& q, const std::vector<int8_t>& in,
                                 const std::vector<int8_t>& w, const int32_t* bias);
std::vector<int16_t> depthwise_s16(const ConvGeo& g, const QuantS16& q, const std::vector<int16_t>& in,
                                   const std::vector<int8_t>& w, const int64_t* bias);

// Float, in the reference's order: taps row by row, channels innermost, bias added last, clamped
// to [lo, hi].
std::vector<float> conv_f32(const ConvGeo& g, const std::vector<float>& in, const std::vector<float>& w,
                            const float* bias, float lo, float hi);
std::vector<float> depthwise_f32(const ConvGeo& g, const std::vector<float>& in, const std::vector<float>& w,
                                 const float* bias, float lo, float hi);

// ---- TRANSPOSE_CONV ---------------------------------------------------------------------------

struct TransposeConvGeo {
  int n, ih, iw, ic, oc, fh, fw, sh, sw;
  bool same;
  // Output size a transposed convolution produces (what TensorFlow uses by default).
  int oh() const { return same ? ih * sh : (ih - 1) * sh + fh; }
  int ow() const { return same ? iw * sw : (iw - 1) * sw + fw; }
  int pad_top() const { return pad(oh(), fh, sh, ih); }
  int pad_left() const { return pad(ow(), fw, sw, iw); }
  TransposeConvParams params() const;  // geometry only
  size_t in_size() const { return static_cast<size_t>(n) * ih * iw * ic; }
  size_t out_size() const { return static_cast<size_t>(n) * oh() * ow() * oc; }
  size_t w_size() const { return static_cast<size_t>(oc) * fh * fw * ic; }

 private:
  static int pad(int out, int f, int s, int in) { return std::max(0, (in - 1) * s + f - out) / 2; }
};

// Gather form: output (b, oy, ox, c) sums (in[b][iy][ix][i] + in_offset) * w[c][fy][fx][i] over
// every input pixel with iy * sh - pad_top + fy == oy (same for x); pixels visited in (iy, ix, i)
// order.
template <typename Acc, typename T, typename W>
std::vector<Acc> transpose_conv_sums(const TransposeConvGeo& g, const std::vector<T>& in, const std::vector<W>& w,
                                     Acc in_offset) {
  std::vector<Acc> acc;
  for (int b = 0; b < g.n; ++b)
    for (int oy = 0; oy < g.oh(); ++oy)
      for (int ox = 0; ox < g.ow(); ++ox)
        for (int c = 0; c < g.oc; ++c) {
          Acc s = 0;
          for (int iy = 0; iy < g.ih; ++iy)
            for (int ix = 0; ix < g.iw; ++ix) {
              const int fy = oy - (iy * g.sh - g.pad_top()), fx = ox - (ix * g.sw - g.pad_left());
              if (fy < 0 || fy >= g.fh || fx < 0 || fx >= g.fw) continue;
              for (int i = 0; i < g.ic; ++i)
                s += (static_cast<Acc>(in[((b * g.ih + iy) * g.iw + ix) * g.ic + i]) + in_offset) *
                     static_cast<Acc>(w[((c * g.fh + fy) * g.fw + fx) * g.ic + i]);
            }
          acc.push_back(s);
        }
  return acc;
}

}  // namespace mote::testing::ref
