// CONV_2D: geometry helpers, the conv2d_* kernels against a naive reference written here, a few
// hand-computed outputs, and the op end to end (ModelBuilder models, seanet int16 conformance
// cases) through the interpreter.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "runtime/interpreter.h"
#include "runtime/kernels/conv2d.h"
#include "runtime/kernels/conv_common.h"
#include "runtime/kernels/quant.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"
#include "tests/support/model_builder.h"
#include "tests/support/test_support.h"

namespace mote {
namespace ref {

// A naive, independent model of the .tflite reference convolution: output size and padding from
// their textbook formulas, every tap bounds-checked, sums in int64 / float, requantization written
// out with explicit floor divisions.

struct Geo {
  int n, h, w, c, oc, fh, fw, sh, sw, dh, dw, fd;
  bool same;
  int oh, ow, pt, pl;
  int in_size() const { return n * h * w * c; }
  int out_size() const { return n * oh * ow * oc; }
  int conv_filter_size() const { return oc * fh * fw * fd; }
};

inline Geo make_geo(int n, int h, int w, int c, int oc, int fh, int fw, int sh, int sw, int dh,
                    int dw, bool same, int fd) {
  Geo g{n, h, w, c, oc, fh, fw, sh, sw, dh, dw, fd, same, 0, 0, 0, 0};
  const int eh = (fh - 1) * dh + 1, ew = (fw - 1) * dw + 1;
  if (same) {
    g.oh = static_cast<int>(std::ceil(static_cast<double>(h) / sh));
    g.ow = static_cast<int>(std::ceil(static_cast<double>(w) / sw));
  } else {
    g.oh = h >= eh ? static_cast<int>(std::ceil(static_cast<double>(h - eh + 1) / sh)) : 0;
    g.ow = w >= ew ? static_cast<int>(std::ceil(static_cast<double>(w - ew + 1) / sw)) : 0;
  }
  g.pt = std::max(0, (g.oh - 1) * sh + eh - h) / 2;
  g.pl = std::max(0, (g.ow - 1) * sw + ew - w) / 2;
  return g;
}

inline ConvGeometry to_geometry(const Geo& g) {
  ConvGeometry cg;
  cg.batches = g.n;
  cg.input_height = g.h;
  cg.input_width = g.w;
  cg.input_depth = g.c;
  cg.filter_height = g.fh;
  cg.filter_width = g.fw;
  cg.output_height = g.oh;
  cg.output_width = g.ow;
  cg.output_depth = g.oc;
  cg.stride_height = g.sh;
  cg.stride_width = g.sw;
  cg.dilation_height = g.dh;
  cg.dilation_width = g.dw;
  cg.pad_top = g.pt;
  cg.pad_left = g.pl;
  return cg;
}

inline int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// The reference's 32-bit requantization: x * 2^left, doubling high multiply rounding half up,
// then a right shift rounding half away from zero.
inline int64_t requant32(int64_t acc, int32_t m, int32_t shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int64_t x = acc * (int64_t{1} << left);
  EXPECT_TRUE(x >= INT32_MIN && x <= INT32_MAX) << "test overflowed the int32 input";
  int64_t hi = (x == INT32_MIN && m == INT32_MIN)
                   ? INT32_MAX
                   : floor_div(x * m + (int64_t{1} << 30), int64_t{1} << 31);
  if (right == 0) return hi;
  const int64_t mag = ((hi < 0 ? -hi : hi) + (int64_t{1} << (right - 1))) >> right;
  return hi < 0 ? -mag : mag;
}

// The reference's 64-bit requantization (int16 kernels): Q15 multiplier, one rounding half up.
inline int64_t requant64(int64_t acc, int32_t m, int32_t shift) {
  const int64_t reduced = m < 0x7FFF0000 ? (m + (1 << 15)) >> 16 : 0x7FFF;
  const int total = 15 - shift;
  return floor_div(acc * reduced + (int64_t{1} << (total - 1)), int64_t{1} << total);
}

inline int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return std::min(std::max(v, lo), hi); }

// Exact sum over the taps inside the input of filter * (input + offset), per output element.
template <typename In>
std::vector<int64_t> conv_sums(const Geo& g, const std::vector<In>& in,
                               const std::vector<int8_t>& w, int64_t offset) {
  std::vector<int64_t> out(g.out_size());
  const int groups = g.c / g.fd, per_group = g.oc / groups;
  for (int b = 0; b < g.n; ++b)
    for (int oy = 0; oy < g.oh; ++oy)
      for (int ox = 0; ox < g.ow; ++ox)
        for (int o = 0; o < g.oc; ++o) {
          int64_t acc = 0;
          const int grp = o / per_group;
          for (int ky = 0; ky < g.fh; ++ky)
            for (int kx = 0; kx < g.fw; ++kx) {
              const int y = oy * g.sh - g.pt + ky * g.dh, x = ox * g.sw - g.pl + kx * g.dw;
              if (y < 0 || y >= g.h || x < 0 || x >= g.w) continue;
              for (int i = 0; i < g.fd; ++i) {
                const int64_t v = in[((b * g.h + y) * g.w + x) * g.c + grp * g.fd + i];
                acc += w[((o * g.fh + ky) * g.fw + kx) * g.fd + i] * (v + offset);
              }
            }
          out[((b * g.oh + oy) * g.ow + ox) * g.oc + o] = acc;
        }
  return out;
}

struct QuantS8 {
  int32_t in_zp, out_zp, act_min, act_max;
  std::vector<int32_t> mult, shift;
};
struct QuantS16 {
  int32_t act_min, act_max;
  std::vector<int32_t> mult, shift;
};

// Scales chosen so outputs spread over the int8 range and fused activations bite.
inline QuantS8 random_quant_s8(std::mt19937& rng, const Geo& g, int act) {
  QuantS8 q;
  q.in_zp = std::uniform_int_distribution<int>(-128, 127)(rng);
  q.out_zp = std::uniform_int_distribution<int>(-30, 30)(rng);
  const float out_scale = 0.1f;
  const int taps = std::max(1, g.fh * g.fw * g.fd);
  const float in_scale = static_cast<float>(out_scale / (150.0 * std::sqrt(taps) * 0.011));
  std::uniform_real_distribution<float> fs(0.002f, 0.02f);
  for (int o = 0; o < g.oc; ++o) {
    int32_t m, s;
    conv_channel_multiplier(in_scale, fs(rng), out_scale, &m, &s);
    q.mult.push_back(m);
    q.shift.push_back(s);
  }
  activation_range_quantized(static_cast<uint8_t>(act), out_scale, q.out_zp, -128, 127, &q.act_min,
                             &q.act_max);
  return q;
}

inline QuantS16 random_quant_s16(std::mt19937& rng, const Geo& g, int act) {
  QuantS16 q;
  const float out_scale = 0.001f;
  const int taps = std::max(1, g.fh * g.fw * g.fd);
  const float in_scale = static_cast<float>(0.0058 * out_scale / (std::sqrt(taps) * 0.011));
  std::uniform_real_distribution<float> fs(0.002f, 0.02f);
  for (int o = 0; o < g.oc; ++o) {
    int32_t m, s;
    conv_channel_multiplier(in_scale, fs(rng), out_scale, &m, &s);
    q.mult.push_back(m);
    q.shift.push_back(s);
  }
  activation_range_quantized(static_cast<uint8_t>(act), out_scale, 0, -32768, 32767, &q.act_min,
                             &q.act_max);
  return q;
}

inline std::vector<int8_t> conv_s8(const Geo& g, const QuantS8& q, const std::vector<int8_t>& in,
                                   const std::vector<int8_t>& w, const int32_t* bias) {
  std::vector<int64_t> sums = conv_sums(g, in, w, -q.in_zp);
  std::vector<int8_t> out(sums.size());
  for (size_t i = 0; i < sums.size(); ++i) {
    const int o = static_cast<int>(i % g.oc);
    const int64_t acc = sums[i] + (bias ? bias[o] : 0);
    const int64_t v = requant32(acc, q.mult[o], q.shift[o]) + q.out_zp;
    out[i] = static_cast<int8_t>(clamp64(v, q.act_min, q.act_max));
  }
  return out;
}

// acc32: the accumulator and bias are int32 and the 32-bit requantization is used.
inline std::vector<int16_t> conv_s16(const Geo& g, const QuantS16& q,
                                     const std::vector<int16_t>& in, const std::vector<int8_t>& w,
                                     const int64_t* bias, bool acc32) {
  std::vector<int64_t> sums = conv_sums(g, in, w, 0);
  std::vector<int16_t> out(sums.size());
  for (size_t i = 0; i < sums.size(); ++i) {
    const int o = static_cast<int>(i % g.oc);
    const int64_t acc = sums[i] + (bias ? bias[o] : 0);
    int64_t v;
    if (acc32) {
      EXPECT_TRUE(acc >= INT32_MIN && acc <= INT32_MAX) << "test data overflow int32";
      v = requant32(acc, q.mult[o], q.shift[o]);
    } else {
      v = requant64(acc, q.mult[o], q.shift[o]);
    }
    out[i] = static_cast<int16_t>(clamp64(v, q.act_min, q.act_max));
  }
  return out;
}

// Float, in the reference's order: taps row by row, channels innermost, bias added last.
inline std::vector<float> conv_f32(const Geo& g, const std::vector<float>& in,
                                   const std::vector<float>& w, const float* bias, float lo,
                                   float hi) {
  std::vector<float> out(g.out_size());
  const int groups = g.c / g.fd, per_group = g.oc / groups;
  for (int b = 0; b < g.n; ++b)
    for (int oy = 0; oy < g.oh; ++oy)
      for (int ox = 0; ox < g.ow; ++ox)
        for (int o = 0; o < g.oc; ++o) {
          float total = 0.0f;
          const int grp = o / per_group;
          for (int ky = 0; ky < g.fh; ++ky)
            for (int kx = 0; kx < g.fw; ++kx) {
              const int y = oy * g.sh - g.pt + ky * g.dh, x = ox * g.sw - g.pl + kx * g.dw;
              if (y < 0 || y >= g.h || x < 0 || x >= g.w) continue;
              for (int i = 0; i < g.fd; ++i)
                total += in[((b * g.h + y) * g.w + x) * g.c + grp * g.fd + i] *
                         w[((o * g.fh + ky) * g.fw + kx) * g.fd + i];
            }
          const float v = total + (bias ? bias[o] : 0.0f);
          out[((b * g.oh + oy) * g.ow + ox) * g.oc + o] = std::min(std::max(v, lo), hi);
        }
  return out;
}

inline std::vector<int8_t> random_s8(std::mt19937& rng, int n, int lo = -128) {
  std::uniform_int_distribution<int> d(lo, 127);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(d(rng));
  return v;
}
inline std::vector<int16_t> random_s16(std::mt19937& rng, int n) {
  std::uniform_int_distribution<int> d(-32768, 32767);
  std::vector<int16_t> v(n);
  for (auto& x : v) x = static_cast<int16_t>(d(rng));
  return v;
}
inline std::vector<int32_t> random_i32(std::mt19937& rng, int n, int lo, int hi) {
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<int32_t> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}
inline std::vector<int64_t> random_i64(std::mt19937& rng, int n, int64_t lo, int64_t hi) {
  std::uniform_int_distribution<int64_t> d(lo, hi);
  std::vector<int64_t> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}
inline std::vector<float> random_f32(std::mt19937& rng, int n, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}
template <typename T>
int distinct(const std::vector<T>& v) {
  std::vector<T> s(v);
  std::sort(s.begin(), s.end());
  return static_cast<int>(std::unique(s.begin(), s.end()) - s.begin());
}

}  // namespace ref
}  // namespace mote

namespace mote {
namespace {

using ref::Geo;

// ---------------------------------------------------------------------------------------------
// Geometry helpers (hand-computed values).

TEST(ConvCommon, OutputSizeSameAndValid) {
  int32_t out = -1;
  ASSERT_TRUE(conv_output_size(true, 10, 3, 1, 1, &out));
  EXPECT_EQ(out, 10);
  ASSERT_TRUE(conv_output_size(true, 10, 3, 2, 1, &out));
  EXPECT_EQ(out, 5);
  ASSERT_TRUE(conv_output_size(true, 11, 3, 2, 1, &out));
  EXPECT_EQ(out, 6);
  ASSERT_TRUE(conv_output_size(false, 10, 3, 1, 1, &out));
  EXPECT_EQ(out, 8);
  ASSERT_TRUE(conv_output_size(false, 10, 3, 2, 1, &out));
  EXPECT_EQ(out, 4);
  ASSERT_TRUE(conv_output_size(false, 10, 3, 1, 2, &out));  // effective filter 5
  EXPECT_EQ(out, 6);
  ASSERT_TRUE(conv_output_size(false, 49, 10, 2, 1, &out));
  EXPECT_EQ(out, 20);
  ASSERT_TRUE(
      conv_output_size(false, 2, 3, 1, 1, &out));  // window larger than input: 0 (truncated)
  EXPECT_EQ(out, 0);
  EXPECT_FALSE(conv_output_size(false, 0, 5, 1, 1, &out));  // (0 + 1 - 5) / 1 < 0
  EXPECT_FALSE(conv_output_size(true, 10, 0, 1, 1, &out));
  EXPECT_FALSE(conv_output_size(true, 10, 3, 0, 1, &out));
  EXPECT_FALSE(conv_output_size(true, 10, 3, 1, 0, &out));
  EXPECT_FALSE(conv_output_size(true, -1, 3, 1, 1, &out));
}

TEST(ConvCommon, PaddingBeforeAndAfter) {
  int32_t extra = -1;
  EXPECT_EQ(conv_padding_before(1, 1, 10, 3, 10, &extra), 1);  // total 2
  EXPECT_EQ(extra, 0);
  EXPECT_EQ(conv_padding_before(2, 1, 10, 3, 5, &extra), 0);  // total 1: all of it after
  EXPECT_EQ(extra, 1);
  EXPECT_EQ(conv_padding_before(2, 1, 96, 3, 48, &extra), 0);
  EXPECT_EQ(extra, 1);
  EXPECT_EQ(conv_padding_before(1, 2, 10, 3, 10, &extra), 2);  // effective 5: total 4
  EXPECT_EQ(extra, 0);
  EXPECT_EQ(conv_padding_before(2, 1, 49, 10, 25, &extra), 4);  // total 9
  EXPECT_EQ(extra, 1);
  EXPECT_EQ(conv_padding_before(1, 1, 10, 3, 8), 0);  // VALID: total < 0 clamps to 0
}

TEST(ConvCommon, TapRange) {
  int32_t lo = -1, hi = -1;
  conv_tap_range(-1, 1, 3, 5, &lo, &hi);  // positions -1, 0, 1
  EXPECT_EQ(lo, 1);
  EXPECT_EQ(hi, 3);
  conv_tap_range(3, 1, 3, 5, &lo, &hi);  // 3, 4, 5
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, 2);
  conv_tap_range(-3, 2, 4, 4, &lo, &hi);  // -3, -1, 1, 3
  EXPECT_EQ(lo, 2);
  EXPECT_EQ(hi, 4);
  conv_tap_range(-10, 1, 3, 5, &lo, &hi);  // entirely before
  EXPECT_EQ(lo, hi);
  conv_tap_range(7, 1, 3, 5, &lo, &hi);  // entirely after
  EXPECT_EQ(lo, hi);
}

TEST(ConvCommon, ChannelMultiplierIsComputedInDouble) {
  int32_t m = 0, s = 0;
  conv_channel_multiplier(0.5f, 0.25f, 0.125f, &m, &s);  // exactly 1.0
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 1);
  conv_channel_multiplier(0.5f, 0.25f, 0.5f, &m, &s);  // 0.25
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, -1);
  // A product whose float and double roundings differ: must use the double one.
  const float a = 0.0123456789f, b = 0.00098765432f, c = 0.0456789f;
  int32_t want_m = 0;
  int want_s = 0;
  quantize_multiplier(static_cast<double>(a) * static_cast<double>(b) / static_cast<double>(c),
                      &want_m, &want_s);
  conv_channel_multiplier(a, b, c, &m, &s);
  EXPECT_EQ(m, want_m);
  EXPECT_EQ(s, want_s);
  int32_t float_m = 0;
  int float_s = 0;
  quantize_multiplier(static_cast<double>(a * b / c), &float_m, &float_s);
  EXPECT_NE(float_m, want_m) << "test values do not separate float from double";
  conv_channel_multiplier(0.5f, 0.0f, 0.5f, &m, &s);  // dead channel
  EXPECT_EQ(m, 0);
  EXPECT_EQ(s, 0);
}

// requantize() and ChannelRequant must equal quant.h's multiply_by_quantized_multiplier for every
// multiplier and shift quantize_multiplier can produce.
TEST(ConvCommon, RequantizeAndChannelRequantEqualMultiplyByQuantizedMultiplier) {
  std::mt19937 rng(2024);
  std::uniform_int_distribution<int32_t> any(INT32_MIN, INT32_MAX);
  std::uniform_int_distribution<int32_t> mant(1 << 30, INT32_MAX);
  std::uniform_int_distribution<int32_t> small(-70000, 70000);
  std::uniform_int_distribution<int32_t> shifts(-31, 30);
  const int32_t edge_x[] = {0, 1, -1, 2, -2, 3, -3, INT32_MAX, INT32_MIN, INT32_MIN + 1, 1 << 30};
  const int32_t edge_m[] = {0, 1, 1 << 30, INT32_MAX, (1 << 30) + 1};
  int64_t checked = 0;
  for (int32_t s = -31; s <= 30; ++s)
    for (int32_t x : edge_x)
      for (int32_t m : edge_m) {
        ASSERT_EQ(requantize(x, m, s), multiply_by_quantized_multiplier(x, m, s))
            << x << " " << m << " " << s;
        ASSERT_EQ(ChannelRequant::of(m, s).apply(x), multiply_by_quantized_multiplier(x, m, s))
            << x << " " << m << " " << s;
        ++checked;
      }
  for (int i = 0; i < 2000000; ++i) {
    const int32_t x = (i & 1) ? any(rng) : small(rng);
    const int32_t m = (i & 2) ? mant(rng) : any(rng) & INT32_MAX;
    const int32_t s = (i & 4) ? shifts(rng) : -(i % 12);
    ASSERT_EQ(requantize(x, m, s), multiply_by_quantized_multiplier(x, m, s))
        << x << " " << m << " " << s;
    ASSERT_EQ(ChannelRequant::of(m, s).apply(x), multiply_by_quantized_multiplier(x, m, s))
        << x << " " << m << " " << s;
    ++checked;
  }
  // Exact halves: x * m / 2^(31 - s) lands on .5 for both signs.
  for (int32_t r = 1; r <= 20; ++r)
    for (int32_t x = -4096; x <= 4096; ++x) {
      ASSERT_EQ(requantize(x, 1 << 30, -r), multiply_by_quantized_multiplier(x, 1 << 30, -r));
      ASSERT_EQ(ChannelRequant::of(1 << 30, -r).apply(x),
                multiply_by_quantized_multiplier(x, 1 << 30, -r));
      ++checked;
    }
  EXPECT_GT(checked, 2000000);
}

// ---------------------------------------------------------------------------------------------
// Kernels against the naive reference.

struct Case {
  int n, h, w, c, oc, fh, fw, groups, sh, sw, dh, dw;
  bool same;
  int act;
  bool bias = true;
};

std::string describe(const Case& c) {
  char buf[200];
  std::snprintf(
      buf, sizeof(buf),
      "n%d %dx%dx%d -> oc%d filter %dx%d groups %d stride %d,%d dilation %d,%d %s act %d%s", c.n,
      c.h, c.w, c.c, c.oc, c.fh, c.fw, c.groups, c.sh, c.sw, c.dh, c.dw, c.same ? "SAME" : "VALID",
      c.act, c.bias ? "" : " no bias");
  return buf;
}

Geo geo_of(const Case& c) {
  return ref::make_geo(c.n, c.h, c.w, c.c, c.oc, c.fh, c.fw, c.sh, c.sw, c.dh, c.dw, c.same,
                       c.c / c.groups);
}

Conv2DParams params_of(const Geo& g) {
  Conv2DParams p;
  p.geo = ref::to_geometry(g);
  p.filter_depth = g.fd;
  return p;
}

// The kernel's own geometry helpers must agree with the reference's formulas.
void expect_geometry(const Case& c, const Geo& g) {
  int32_t oh = 0, ow = 0;
  ASSERT_TRUE(conv_output_size(c.same, c.h, c.fh, c.sh, c.dh, &oh));
  ASSERT_TRUE(conv_output_size(c.same, c.w, c.fw, c.sw, c.dw, &ow));
  EXPECT_EQ(oh, g.oh);
  EXPECT_EQ(ow, g.ow);
  EXPECT_EQ(conv_padding_before(c.sh, c.dh, c.h, c.fh, oh), g.pt);
  EXPECT_EQ(conv_padding_before(c.sw, c.dw, c.w, c.fw, ow), g.pl);
}

std::vector<Case> grid() {
  std::vector<Case> cases;
  // stride, dilation, padding, filter shapes, odd channels, activations, batch, groups.
  const int shapes[][2] = {{1, 1}, {3, 3}, {2, 3}, {3, 1}};
  int act = 0;
  // 3 channels: short filter rows (the int8 patch path); 17 channels: the direct path.
  for (int ch : {3, 17})
    for (auto& f : shapes)
      for (int stride = 1; stride <= 2; ++stride)
        for (int dil = 1; dil <= 2; ++dil)
          for (int same = 0; same <= 1; ++same) {
            cases.push_back(
                {2, 7, 6, ch, 5, f[0], f[1], 1, stride, stride, dil, dil, same == 1, act});
            act = (act + 1) % 4;
          }
  cases.push_back({1, 9, 9, 5, 7, 3, 3, 1, 2, 1, 1, 2, true, 3});  // mixed stride / dilation
  cases.push_back({1, 5, 8, 7, 3, 3, 2, 1, 1, 2, 2, 1, false, 1});
  cases.push_back({3, 4, 4, 4, 6, 3, 3, 2, 1, 1, 1, 1, true, 0});     // 2 groups
  cases.push_back({1, 6, 6, 6, 9, 1, 1, 3, 1, 1, 1, 1, true, 2});     // 3 groups, 1x1
  cases.push_back({1, 8, 8, 16, 24, 1, 1, 1, 1, 1, 1, 1, true, 3});   // pointwise
  cases.push_back({1, 10, 6, 1, 8, 10, 4, 1, 2, 2, 1, 1, true, 1});   // kws-like first layer
  cases.push_back({1, 3, 3, 2, 2, 5, 5, 1, 1, 1, 1, 1, true, 0});     // window larger than input
  cases.push_back({1, 5, 5, 300, 4, 1, 1, 1, 1, 1, 1, 1, false, 0});  // long dot product
  Case nb = {2, 5, 4, 3, 4, 3, 3, 1, 1, 1, 1, 1, true, 0};
  nb.bias = false;
  cases.push_back(nb);
  return cases;
}

TEST(Conv2DKernel, S8MatchesReference) {
  std::mt19937 rng(1234);
  for (const Case& c : grid()) {
    SCOPED_TRACE(describe(c));
    const Geo g = geo_of(c);
    expect_geometry(c, g);
    ref::QuantS8 q = ref::random_quant_s8(rng, g, c.act);
    std::vector<int8_t> in = ref::random_s8(rng, g.in_size());
    std::vector<int8_t> w = ref::random_s8(rng, g.conv_filter_size(), -127);
    std::vector<int32_t> bias = ref::random_i32(rng, g.oc, -3000, 3000);
    const int32_t* b = c.bias ? bias.data() : nullptr;
    std::vector<int8_t> want = ref::conv_s8(g, q, in, w, b);
    Conv2DParams p = params_of(g);
    p.input_offset = -q.in_zp;
    p.output_offset = q.out_zp;
    p.act_min = q.act_min;
    p.act_max = q.act_max;
    std::vector<int16_t> scratch(conv2d_s8_scratch_bytes(p) / 2 + 1);
    std::vector<int8_t> got(g.out_size(), 99);
    conv2d_s8(p, q.mult.data(), q.shift.data(), in.data(), w.data(), b, got.data(), scratch.data());
    ASSERT_EQ(got, want);
    if (g.out_size() >= 16 && c.act != 2) {  // RELU_N1_TO_1 saturates most outputs
      EXPECT_GT(ref::distinct(got), 2) << "outputs barely vary";
    }
  }
}

TEST(Conv2DKernel, S16MatchesReferenceWithInt64AndInt32Bias) {
  std::mt19937 rng(99);
  for (const Case& c : grid()) {
    SCOPED_TRACE(describe(c));
    const Geo g = geo_of(c);
    ref::QuantS16 q = ref::random_quant_s16(rng, g, c.act);
    std::vector<int16_t> in = ref::random_s16(rng, g.in_size());
    std::vector<int8_t> w = ref::random_s8(rng, g.conv_filter_size(), -127);
    std::vector<int64_t> bias64 = ref::random_i64(rng, g.oc, -3000000, 3000000);
    std::vector<int32_t> bias32(bias64.begin(), bias64.end());
    Conv2DParams p = params_of(g);
    p.act_min = q.act_min;
    p.act_max = q.act_max;

    // .tflite aligns int64 biases to 4 bytes only: hand the kernel a 4-byte aligned copy.
    std::vector<uint32_t> storage(2 * bias64.size() + 2);
    std::memcpy(storage.data() + 1, bias64.data(), bias64.size() * 8);
    const int64_t* b64 = c.bias ? reinterpret_cast<const int64_t*>(storage.data() + 1) : nullptr;
    std::vector<int16_t> want =
        ref::conv_s16(g, q, in, w, c.bias ? bias64.data() : nullptr, /*acc32=*/false);
    std::vector<int16_t> got(g.out_size(), 99);
    conv2d_s16(p, q.mult.data(), q.shift.data(), in.data(), w.data(), b64, got.data());
    ASSERT_EQ(got, want) << "int64 bias";
    if (g.out_size() >= 16 && c.act != 2) {  // RELU_N1_TO_1 saturates most outputs
      EXPECT_GT(ref::distinct(got), 2) << "outputs barely vary";
    }

    const int32_t* b32 = c.bias ? bias32.data() : nullptr;
    std::vector<int64_t> b32_wide(bias32.begin(), bias32.end());
    want = ref::conv_s16(g, q, in, w, c.bias ? b32_wide.data() : nullptr, /*acc32=*/true);
    conv2d_s16_acc32(p, q.mult.data(), q.shift.data(), in.data(), w.data(), b32, got.data());
    ASSERT_EQ(got, want) << "int32 bias";
  }
}

TEST(Conv2DKernel, F32MatchesReferenceBitForBit) {
  std::mt19937 rng(7);
  for (const Case& c : grid()) {
    SCOPED_TRACE(describe(c));
    const Geo g = geo_of(c);
    std::vector<float> in = ref::random_f32(rng, g.in_size(), -2.0f, 2.0f);
    std::vector<float> w = ref::random_f32(rng, g.conv_filter_size(), -1.0f, 1.0f);
    std::vector<float> bias = ref::random_f32(rng, g.oc, -1.0f, 1.0f);
    const float* b = c.bias ? bias.data() : nullptr;
    Conv2DParams p = params_of(g);
    activation_range_float(static_cast<uint8_t>(c.act), &p.act_min_f, &p.act_max_f);
    std::vector<float> want = ref::conv_f32(g, in, w, b, p.act_min_f, p.act_max_f);
    std::vector<float> got(g.out_size(), 99.0f);
    conv2d_f32(p, in.data(), w.data(), b, got.data());
    ASSERT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * sizeof(float)));
  }
}

// Every product at its extreme: the int16 kernel's sum needs more than 32 bits.
TEST(Conv2DKernel, S16AccumulatesBeyond32Bits) {
  const Geo g = ref::make_geo(1, 3, 3, 64, 2, 3, 3, 1, 1, 1, 1, false, 64);  // one output pixel
  std::vector<int16_t> in(g.in_size(), -32768);
  std::vector<int8_t> w(g.conv_filter_size(), -128);
  for (int i = 0; i < 576; ++i) w[576 + i] = 127;  // channel 1: the negative extreme
  Conv2DParams p = params_of(g);
  p.act_min = -32768;
  p.act_max = 32767;
  const int64_t sum0 = 576LL * 32768 * 128;  // 2^31 * 1.125
  ASSERT_GT(sum0, INT32_MAX);
  int32_t mult[2], shift[2];
  int s = 0;
  quantize_multiplier(1.0 / 131072.0, &mult[0], &s);  // exact 2^-17 scaling
  shift[0] = s;
  mult[1] = mult[0];
  shift[1] = shift[0];
  int16_t out[2];
  conv2d_s16(p, mult, shift, in.data(), w.data(), nullptr, out);
  EXPECT_EQ(out[0], 18432);   // 2^31 * 1.125 / 2^17
  EXPECT_EQ(out[1], -18288);  // -576 * 32768 * 127 / 2^17
}

// Hand-computed: 3x3 input 1..9, 2x2 filter, VALID, stride 1, scales chosen so requantization is
// exact.
TEST(Conv2DKernel, S8HandComputed) {
  const Geo g = ref::make_geo(1, 3, 3, 1, 1, 2, 2, 1, 1, 1, 1, false, 1);
  ASSERT_EQ(g.oh, 2);
  ASSERT_EQ(g.ow, 2);
  const int8_t in[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};  // zero point 1: real values 0..8
  const int8_t w[4] = {1, 0, -1, 2};
  const int32_t bias[1] = {10};
  Conv2DParams p = params_of(g);
  p.input_offset = -1;
  p.output_offset = -3;
  p.act_min = -128;
  p.act_max = 127;
  int32_t mult = 0, shift = 0;
  conv_channel_multiplier(1.0f, 0.5f, 1.0f, &mult, &shift);  // x 0.5
  std::vector<int16_t> scratch(conv2d_s8_scratch_bytes(p) / 2);
  int8_t out[4];
  conv2d_s8(p, &mult, &shift, in, w, bias, out, scratch.data());
  // windows (x - 1): [0 1 3 4] -> 0 - 3 + 8 = 5; [1 2 4 5] -> 1 - 4 + 10 = 7;
  //                  [3 4 6 7] -> 3 - 6 + 14 = 11; [4 5 7 8] -> 4 - 7 + 16 = 13.
  // (acc + 10) * 0.5 rounded half away from zero, - 3: 7.5->8-3, 8.5->9-3, 10.5->11-3, 11.5->12-3.
  EXPECT_EQ(out[0], 5);
  EXPECT_EQ(out[1], 6);
  EXPECT_EQ(out[2], 8);
  EXPECT_EQ(out[3], 9);
}

// Hand-computed float: SAME padding, stride 2 on a 4x4 image of ones with a 3x3 filter of ones:
// windows cover 9, 6, 6, 4 pixels.
TEST(Conv2DKernel, F32HandComputedSamePaddingStride2) {
  const Geo g = ref::make_geo(1, 4, 4, 1, 1, 3, 3, 2, 2, 1, 1, true, 1);
  ASSERT_EQ(g.oh, 2);
  ASSERT_EQ(g.pt, 0);  // total padding 1 goes after
  std::vector<float> in(16, 1.0f), w(9, 1.0f);
  const float bias = 0.5f;
  Conv2DParams p = params_of(g);
  activation_range_float(3, &p.act_min_f, &p.act_max_f);  // RELU6
  float out[4];
  conv2d_f32(p, in.data(), w.data(), &bias, out);
  EXPECT_EQ(out[0], 6.0f);  // 9.5 clamped
  EXPECT_EQ(out[1], 6.0f);  // 6.5 clamped
  EXPECT_EQ(out[2], 6.0f);
  EXPECT_EQ(out[3], 4.5f);
}

// ---------------------------------------------------------------------------------------------
// The op end to end: ModelBuilder models through the interpreter, with only CONV_2D registered.

struct RunResult {
  Status status = Status::kOk;
  std::string message;
  std::vector<uint8_t> output;
};

RunResult run_model(const std::vector<uint8_t>& bytes,
                    const std::vector<std::vector<uint8_t>>& inputs) {
  RunResult r;
  testing::AlignedModel m(bytes);
  Model model;
  Error err;
  r.status = model.load(m.data(), m.size(), &err);
  r.message = err.message;
  if (r.status != Status::kOk) return r;
  OpResolver resolver;
  EXPECT_EQ(resolver.add(op_conv_2d()), Status::kOk);
  std::vector<uint64_t> work((Interpreter::workspace_bytes(model) + 7) / 8 + 1);
  ArenaPlan plan;
  r.status = Interpreter::plan(model, resolver, work.data(), work.size() * 8, &plan, &err);
  r.message = err.message;
  if (r.status != Status::kOk) return r;
  std::vector<uint64_t> arena(plan.total_bytes / 8 + 1);
  Interpreter interp;
  r.status = interp.prepare(model, resolver, arena.data(), plan.total_bytes, &err);
  r.message = err.message;
  if (r.status != Status::kOk) return r;
  for (int i = 0; i < interp.num_inputs(); ++i) {
    TensorRef t = interp.input(i);
    EXPECT_EQ(t.bytes, inputs.at(i).size());
    std::memcpy(t.data, inputs[i].data(), std::min(t.bytes, inputs[i].size()));
  }
  r.status = interp.invoke(&err);
  r.message = err.message;
  TensorRef out = interp.output(0);
  const uint8_t* d = static_cast<const uint8_t*>(out.data);
  r.output.assign(d, d + out.bytes);
  return r;
}

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

template <typename T>
std::vector<T> values_of(const std::vector<uint8_t>& b) {
  std::vector<T> v(b.size() / sizeof(T));
  std::memcpy(v.data(), b.data(), v.size() * sizeof(T));
  return v;
}

// One int8 CONV_2D: input [2,7,6,3], 5 filters 3x3, per-channel scales, stride 2, SAME, RELU6.
struct S8Model {
  Case c{2, 7, 6, 3, 5, 3, 3, 1, 2, 2, 1, 1, true, 3};
  float in_scale = 0.05f, out_scale = 0.1f;
  int32_t in_zp = -3, out_zp = 4;
  std::vector<float> filter_scales{0.004f, 0.011f, 0.0075f, 0.019f, 0.0021f};
  std::vector<int8_t> input, filter;
  std::vector<int32_t> bias;
  testing::ModelBuilder b;
  int in = -1, w = -1, bi = -1, out = -1;

  explicit S8Model(std::mt19937& rng) {
    const Geo g = geo_of(c);
    input = ref::random_s8(rng, g.in_size());
    filter = ref::random_s8(rng, g.conv_filter_size(), -127);
    bias = ref::random_i32(rng, g.oc, -2000, 2000);
  }
  std::vector<uint8_t> build(std::vector<int32_t> out_shape = {}, testing::Options opt = {}) {
    const Geo g = geo_of(c);
    if (out_shape.empty()) out_shape = {g.n, g.oh, g.ow, g.oc};
    if (opt.empty())
      opt = testing::Options::conv2d(c.same ? Padding::kSame : Padding::kValid, c.sw, c.sh,
                                     static_cast<Activation>(c.act), c.dw, c.dh);
    in = b.add_tensor(TensorType::kInt8, {g.n, g.h, g.w, g.c}, testing::Quant(in_scale, in_zp));
    w = b.add_const_i8({g.oc, g.fh, g.fw, g.fd}, filter,
                       testing::Quant::per_channel(filter_scales, 0));
    std::vector<float> bias_scales;
    for (float f : filter_scales) bias_scales.push_back(f * in_scale);
    bi = b.add_const_i32({g.oc}, bias, testing::Quant::per_channel(bias_scales, 0));
    out = b.add_tensor(TensorType::kInt8, out_shape, testing::Quant(out_scale, out_zp));
    b.add_op(BuiltinOp::CONV_2D, {in, w, bi}, {out}, opt);
    b.set_inputs({in});
    b.set_outputs({out});
    return b.finish();
  }
  std::vector<int8_t> expected() const {
    const Geo g = geo_of(c);
    ref::QuantS8 q;
    q.in_zp = in_zp;
    q.out_zp = out_zp;
    for (float fs : filter_scales) {
      int32_t m = 0;
      int s = 0;
      quantize_multiplier(static_cast<double>(in_scale) * fs / static_cast<double>(out_scale), &m,
                          &s);
      q.mult.push_back(m);
      q.shift.push_back(s);
    }
    q.act_min = out_zp + 0;   // RELU6: round(0 / 0.1)
    q.act_max = out_zp + 60;  // round(6 / 0.1)
    return ref::conv_s8(g, q, input, filter, bias.data());
  }
};

TEST(Conv2DOp, Int8PerChannelMatchesReference) {
  std::mt19937 rng(11);
  S8Model m(rng);
  RunResult r = run_model(m.build(), {bytes_of(m.input)});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  const std::vector<int8_t> want = m.expected();
  EXPECT_EQ(values_of<int8_t>(r.output), want);
  EXPECT_GT(ref::distinct(want), 20);
}

TEST(Conv2DOp, Int8DilatedValidNoBiasWithDefaultOptions) {
  std::mt19937 rng(12);
  S8Model m(rng);
  m.c = {1, 9, 8, 3, 5, 3, 2, 1, 1, 1, 2, 2, false, 0};
  const Geo g = geo_of(m.c);
  m.input = ref::random_s8(rng, g.in_size());
  m.filter = ref::random_s8(rng, g.conv_filter_size(), -127);
  // Build by hand: no bias (input -1), options with only padding and strides (dilation defaults
  // to 1, so give it explicitly), per-tensor filter scale.
  testing::ModelBuilder& b = m.b;
  int in =
      b.add_tensor(TensorType::kInt8, {g.n, g.h, g.w, g.c}, testing::Quant(m.in_scale, m.in_zp));
  int w = b.add_const_i8({g.oc, g.fh, g.fw, g.fd}, m.filter, testing::Quant(0.01f, 0));
  int out = b.add_tensor(TensorType::kInt8, {g.n, g.oh, g.ow, g.oc}, testing::Quant(0.1f, 4));
  b.add_op(BuiltinOp::CONV_2D, {in, w, -1}, {out},
           testing::Options().i8(0, 1).i32(1, 1).i32(2, 1).i32(4, 2).i32(5, 2));
  b.set_inputs({in});
  b.set_outputs({out});
  RunResult r = run_model(b.finish(), {bytes_of(m.input)});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  m.filter_scales.assign(5, 0.01f);
  ref::QuantS8 q;
  q.in_zp = m.in_zp;
  q.out_zp = 4;
  q.act_min = -128;
  q.act_max = 127;
  for (int o = 0; o < 5; ++o) {
    int32_t mm;
    int s;
    quantize_multiplier(static_cast<double>(m.in_scale) * 0.01f / static_cast<double>(0.1f), &mm,
                        &s);
    q.mult.push_back(mm);
    q.shift.push_back(s);
  }
  EXPECT_EQ(values_of<int8_t>(r.output), ref::conv_s8(g, q, m.input, m.filter, nullptr));
}

TEST(Conv2DOp, FloatGroupedMatchesReference) {
  std::mt19937 rng(13);
  const Case c{1, 6, 5, 4, 6, 3, 3, 2, 1, 1, 1, 1, true, 1};
  const Geo g = geo_of(c);
  std::vector<float> input = ref::random_f32(rng, g.in_size(), -1, 1);
  std::vector<float> filter = ref::random_f32(rng, g.conv_filter_size(), -1, 1);
  std::vector<float> bias = ref::random_f32(rng, g.oc, -1, 1);
  testing::ModelBuilder b;
  int in = b.add_tensor(TensorType::kFloat32, {g.n, g.h, g.w, g.c});
  int w = b.add_const_f32({g.oc, g.fh, g.fw, g.fd}, filter);
  int bi = b.add_const_f32({g.oc}, bias);
  int out = b.add_tensor(TensorType::kFloat32, {g.n, g.oh, g.ow, g.oc});
  b.add_op(BuiltinOp::CONV_2D, {in, w, bi}, {out},
           testing::Options::conv2d(Padding::kSame, 1, 1, Activation::kRelu));
  b.set_inputs({in});
  b.set_outputs({out});
  RunResult r = run_model(b.finish(), {bytes_of(input)});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  const float big = 3.402823466e+38f;
  EXPECT_EQ(r.output, bytes_of(ref::conv_f32(g, input, filter, bias.data(), 0.0f, big)));
}

// int16 activations without bias; quantized_bias_type INT32 selects the 32-bit accumulator.
TEST(Conv2DOp, Int16Int64BiasAndInt32AccumulatorVariants) {
  std::mt19937 rng(14);
  const Case c{1, 5, 5, 3, 4, 3, 3, 1, 1, 1, 1, 1, true, 0};
  const Geo g = geo_of(c);
  std::vector<int16_t> input = ref::random_s16(rng, g.in_size());
  std::vector<int8_t> filter = ref::random_s8(rng, g.conv_filter_size(), -127);
  std::vector<int64_t> bias = ref::random_i64(rng, g.oc, -100000, 100000);
  const float in_scale = 0.0005f, fscale = 0.01f, out_scale = 0.002f;
  ref::QuantS16 q;
  q.act_min = -32768;
  q.act_max = 32767;
  for (int o = 0; o < g.oc; ++o) {
    int32_t m;
    int s;
    quantize_multiplier(static_cast<double>(in_scale) * fscale / static_cast<double>(out_scale), &m,
                        &s);
    q.mult.push_back(m);
    q.shift.push_back(s);
  }
  for (int variant = 0; variant < 3; ++variant) {
    SCOPED_TRACE(variant);
    testing::ModelBuilder b;
    int in = b.add_tensor(TensorType::kInt16, {g.n, g.h, g.w, g.c}, testing::Quant(in_scale, 0));
    int w = b.add_const_i8({g.oc, g.fh, g.fw, g.fd}, filter, testing::Quant(fscale, 0));
    int bi = variant == 0 ? b.add_const_i64({g.oc}, bias) : -1;
    int out =
        b.add_tensor(TensorType::kInt16, {g.n, g.oh, g.ow, g.oc}, testing::Quant(out_scale, 0));
    testing::Options opt = testing::Options::conv2d(Padding::kSame, 1, 1);
    if (variant == 2) opt.i8(6, static_cast<int8_t>(TensorType::kInt32));  // quantized_bias_type
    b.add_op(BuiltinOp::CONV_2D, {in, w, bi}, {out}, opt);
    b.set_inputs({in});
    b.set_outputs({out});
    RunResult r = run_model(b.finish(), {bytes_of(input)});
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    std::vector<int16_t> want =
        ref::conv_s16(g, q, input, filter, variant == 0 ? bias.data() : nullptr, variant == 2);
    EXPECT_EQ(values_of<int16_t>(r.output), want);
  }
}

// Refusals: each names the tensor and the numbers.
TEST(Conv2DOp, RejectsOutputShapeThatDisagrees) {
  std::mt19937 rng(15);
  S8Model m(rng);
  RunResult r = run_model(m.build({2, 4, 4, 5}), {bytes_of(m.input)});
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("[2,4,4,5]"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("[2,4,3,5]"), std::string::npos) << r.message;
}

// A CONV_2D over input [1,6,6,3] int8 with the given filter / bias / output descriptions (zero
// data: only prepare matters).
std::vector<uint8_t> conv_model(TensorType wtype, std::vector<int32_t> wshape, testing::Quant wq,
                                std::vector<int32_t> bshape, testing::Quant outq,
                                std::vector<int32_t> oshape = {1, 6, 6, 5}) {
  testing::ModelBuilder b;
  auto count = [](const std::vector<int32_t>& s) {
    size_t n = 1;
    for (int32_t d : s) n *= static_cast<size_t>(d);
    return n;
  };
  int in = b.add_tensor(TensorType::kInt8, {1, 6, 6, 3}, testing::Quant(0.05f, 0));
  int w = b.add_const_raw(wtype, wshape, std::vector<uint8_t>(count(wshape) * type_size(wtype)),
                          std::move(wq));
  int bi = bshape.empty() ? -1 : b.add_const_i32(bshape, std::vector<int32_t>(count(bshape)));
  int out = b.add_tensor(TensorType::kInt8, oshape, std::move(outq));
  b.add_op(BuiltinOp::CONV_2D, {in, w, bi}, {out}, testing::Options::conv2d(Padding::kSame, 1, 1));
  b.set_inputs({in});
  b.set_outputs({out});
  return b.finish();
}

TEST(Conv2DOp, RejectsBadQuantizationAndShapes) {
  const std::vector<uint8_t> input(108);
  const testing::Quant oq(0.1f, 0), wq(0.01f, 0);
  RunResult r = run_model(conv_model(TensorType::kInt8, {5, 3, 3, 3}, wq, {5}, oq), {input});
  ASSERT_EQ(r.status, Status::kOk) << r.message;  // the baseline is valid

  r = run_model(conv_model(TensorType::kInt8, {5, 3, 3, 3},
                           testing::Quant::per_channel({0.1f, 0.2f, 0.3f}, 3), {5}, oq),
                {input});
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("3 scales for 5 output channels"), std::string::npos) << r.message;

  r = run_model(
      conv_model(TensorType::kInt8, {5, 3, 3, 3},
                 testing::Quant::per_channel({0.1f, 0.1f, 0.1f, 0.1f, 0.1f}, 0, {0, 0, 3, 0, 0}),
                 {5}, oq),
      {input});
  EXPECT_EQ(r.status, Status::kUnsupported);
  EXPECT_NE(r.message.find("zero point 3 (channel 2)"), std::string::npos) << r.message;

  r = run_model(conv_model(TensorType::kInt8, {5, 3, 3, 3}, wq, {4}, oq), {input});
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("4 elements, expected 5"), std::string::npos) << r.message;

  r = run_model(conv_model(TensorType::kInt8, {5, 3, 3, 2}, wq, {5}, oq), {input});
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("2 input channels, which does not divide the input's 3"),
            std::string::npos)
      << r.message;

  r = run_model(conv_model(TensorType::kInt16, {5, 3, 3, 3}, wq, {5}, oq), {input});
  EXPECT_EQ(r.status, Status::kUnsupported);
  EXPECT_NE(r.message.find("filter INT16"), std::string::npos) << r.message;

  r = run_model(conv_model(TensorType::kInt8, {5, 3, 3, 3}, wq, {5}, testing::Quant()), {input});
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("no quantization"), std::string::npos) << r.message;

  r = run_model(conv_model(TensorType::kInt8, {5, 3, 3, 3}, wq, {5}, testing::Quant(1e-14f, 0)),
                {input});  // 0.05 * 0.01 / 1e-14: needs a left shift of 36 bits
  EXPECT_EQ(r.status, Status::kUnsupported);
  EXPECT_NE(r.message.find("too large (shift 36 > 30)"), std::string::npos) << r.message;

  r = run_model(conv_model(TensorType::kInt8, {5, 3, 3, 3}, wq, {5}, oq, {1, 6, 6, 4}), {input});
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("[1,6,6,4] but the op gives [1,6,6,5]"), std::string::npos) << r.message;
}

TEST(Conv2DOp, RejectsBadOptions) {
  std::mt19937 rng(17);
  {
    S8Model m(rng);
    RunResult r =
        run_model(m.build({}, testing::Options::conv2d(Padding::kSame, 2, 2, Activation::kTanh)),
                  {bytes_of(m.input)});
    EXPECT_EQ(r.status, Status::kUnsupported);
    EXPECT_NE(r.message.find("activation 4"), std::string::npos) << r.message;
  }
  {
    S8Model m(rng);
    RunResult r =
        run_model(m.build({}, testing::Options().i8(0, 0)), {bytes_of(m.input)});  // no strides
    EXPECT_EQ(r.status, Status::kInvalidModel);
    EXPECT_NE(r.message.find("stride"), std::string::npos) << r.message;
  }
  {
    S8Model m(rng);
    RunResult r = run_model(
        m.build({}, testing::Options::conv2d(Padding::kSame, 2, 2, Activation::kNone, 0, 1)),
        {bytes_of(m.input)});
    EXPECT_EQ(r.status, Status::kInvalidModel);
    EXPECT_NE(r.message.find("dilation"), std::string::npos) << r.message;
  }
}

// The seanet CONV_2D cases (int16 activations, TensorFlow Lite Micro's integration tests): output
// bytes must equal the reference kernels' exactly.
TEST(Conv2DOp, SeanetConformanceCases) {
  const std::string root = testing::shared_dir();
  if (root.empty()) GTEST_SKIP() << "../shared/conformance not found";
  int ran = 0;
  for (int i = 0; i < 64; ++i) {
    const std::string dir = root + "/conformance/core/seanet/conv/conv" + std::to_string(i);
    if (!testing::file_exists(dir + "/model.tflite")) continue;
    SCOPED_TRACE(dir);
    RunResult r = run_model(testing::read_file(dir + "/model.tflite"),
                            {testing::read_file(dir + "/input_0_0.bin")});
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    EXPECT_EQ(r.output, testing::read_file(dir + "/output_0_0.bin"));
    ++ran;
  }
  EXPECT_EQ(ran, 22);
}

}  // namespace
}  // namespace mote
