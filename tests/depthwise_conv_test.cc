// DEPTHWISE_CONV_2D: the depthwise_conv2d_* kernels against a naive reference written here, a few
// hand-computed outputs, and the op end to end through the interpreter.
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
#include "runtime/kernels/conv_common.h"
#include "runtime/kernels/depthwise_conv2d.h"
#include "runtime/kernels/quant.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"
#include "tests/support/model_builder.h"
#include "tests/support/test_support.h"

namespace mote {
namespace ref {

// A naive, independent model of the .tflite reference depthwise convolution.
struct Geo {
  int n, h, w, c, m, fh, fw, sh, sw, dh, dw;
  bool same;
  int oh, ow, pt, pl;
  int oc() const { return c * m; }
  int in_size() const { return n * h * w * c; }
  int out_size() const { return n * oh * ow * oc(); }
  int filter_size() const { return fh * fw * oc(); }
};

inline Geo make_geo(int n, int h, int w, int c, int m, int fh, int fw, int sh, int sw, int dh,
                    int dw, bool same) {
  Geo g{n, h, w, c, m, fh, fw, sh, sw, dh, dw, same, 0, 0, 0, 0};
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

inline DepthwiseConv2DParams params_of(const Geo& g) {
  DepthwiseConv2DParams p;
  ConvGeometry& cg = p.geo;
  cg.batches = g.n;
  cg.input_height = g.h;
  cg.input_width = g.w;
  cg.input_depth = g.c;
  cg.filter_height = g.fh;
  cg.filter_width = g.fw;
  cg.output_height = g.oh;
  cg.output_width = g.ow;
  cg.output_depth = g.oc();
  cg.stride_height = g.sh;
  cg.stride_width = g.sw;
  cg.dilation_height = g.dh;
  cg.dilation_width = g.dw;
  cg.pad_top = g.pt;
  cg.pad_left = g.pl;
  p.depth_multiplier = g.m;
  return p;
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
std::vector<int64_t> dw_sums(const Geo& g, const std::vector<In>& in, const std::vector<int8_t>& w,
                             int64_t offset) {
  std::vector<int64_t> out(g.out_size());
  for (int b = 0; b < g.n; ++b)
    for (int oy = 0; oy < g.oh; ++oy)
      for (int ox = 0; ox < g.ow; ++ox)
        for (int ic = 0; ic < g.c; ++ic)
          for (int j = 0; j < g.m; ++j) {
            const int o = ic * g.m + j;
            int64_t acc = 0;
            for (int ky = 0; ky < g.fh; ++ky)
              for (int kx = 0; kx < g.fw; ++kx) {
                const int y = oy * g.sh - g.pt + ky * g.dh, x = ox * g.sw - g.pl + kx * g.dw;
                if (y < 0 || y >= g.h || x < 0 || x >= g.w) continue;
                const int64_t v = in[((b * g.h + y) * g.w + x) * g.c + ic];
                acc += w[(ky * g.fw + kx) * g.oc() + o] * (v + offset);
              }
            out[((b * g.oh + oy) * g.ow + ox) * g.oc() + o] = acc;
          }
  return out;
}

inline std::vector<float> dw_f32(const Geo& g, const std::vector<float>& in,
                                 const std::vector<float>& w, const float* bias, float lo,
                                 float hi) {
  std::vector<float> out(g.out_size());
  for (int b = 0; b < g.n; ++b)
    for (int oy = 0; oy < g.oh; ++oy)
      for (int ox = 0; ox < g.ow; ++ox)
        for (int ic = 0; ic < g.c; ++ic)
          for (int j = 0; j < g.m; ++j) {
            const int o = ic * g.m + j;
            float total = 0.0f;
            for (int ky = 0; ky < g.fh; ++ky)
              for (int kx = 0; kx < g.fw; ++kx) {
                const int y = oy * g.sh - g.pt + ky * g.dh, x = ox * g.sw - g.pl + kx * g.dw;
                if (y < 0 || y >= g.h || x < 0 || x >= g.w) continue;
                total +=
                    in[((b * g.h + y) * g.w + x) * g.c + ic] * w[(ky * g.fw + kx) * g.oc() + o];
              }
            const float v = total + (bias ? bias[o] : 0.0f);
            out[((b * g.oh + oy) * g.ow + ox) * g.oc() + o] = std::min(std::max(v, lo), hi);
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

struct Case {
  int n, h, w, c, m, fh, fw, sh, sw, dh, dw;
  bool same;
  int act;
  bool bias = true;
};

std::string describe(const Case& c) {
  char buf[200];
  std::snprintf(buf, sizeof(buf),
                "n%d %dx%dx%d x%d filter %dx%d stride %d,%d dilation %d,%d %s act %d%s", c.n, c.h,
                c.w, c.c, c.m, c.fh, c.fw, c.sh, c.sw, c.dh, c.dw, c.same ? "SAME" : "VALID", c.act,
                c.bias ? "" : " no bias");
  return buf;
}

Geo geo_of(const Case& c) {
  return ref::make_geo(c.n, c.h, c.w, c.c, c.m, c.fh, c.fw, c.sh, c.sw, c.dh, c.dw, c.same);
}

std::vector<Case> grid() {
  std::vector<Case> cases;
  const int shapes[][2] = {{3, 3}, {1, 1}, {2, 3}, {5, 1}};
  const int mults[] = {1, 2, 3};
  int act = 0, k = 0;
  for (auto& f : shapes)
    for (int stride = 1; stride <= 2; ++stride)
      for (int dil = 1; dil <= 2; ++dil)
        for (int same = 0; same <= 1; ++same) {
          const int ch = 3 + 2 * (k % 3);  // 3, 5, 7
          cases.push_back(
              {2, 9, 6, ch, mults[k % 3], f[0], f[1], stride, stride, dil, dil, same == 1, act});
          act = (act + 1) % 4;
          ++k;
        }
  cases.push_back({1, 9, 9, 5, 1, 3, 3, 2, 1, 1, 2, true, 3});   // mixed stride / dilation
  cases.push_back({1, 6, 6, 70, 1, 3, 3, 1, 1, 1, 1, true, 1});  // channels beyond one block
  cases.push_back({1, 6, 6, 1, 8, 3, 3, 2, 2, 1, 1, true, 3});   // person_detect's first layer
  cases.push_back({1, 5, 5, 2, 40, 3, 3, 1, 1, 1, 1, true, 0});  // multiplier beyond one block
  cases.push_back({1, 3, 3, 4, 1, 5, 5, 1, 1, 1, 1, true, 0});   // window larger than input
  Case nb = {3, 5, 4, 3, 2, 3, 3, 1, 1, 1, 1, true, 0};
  nb.bias = false;
  cases.push_back(nb);
  return cases;
}

struct Quant {
  int32_t in_zp = 0, out_zp = 0, act_min = 0, act_max = 0;
  std::vector<int32_t> mult, shift;
};

// Scales chosen so outputs spread over the range and fused activations bite.
Quant random_quant(std::mt19937& rng, const Geo& g, int act, bool s16) {
  Quant q;
  if (!s16) {
    q.in_zp = std::uniform_int_distribution<int>(-128, 127)(rng);
    q.out_zp = std::uniform_int_distribution<int>(-30, 30)(rng);
  }
  const int taps = g.fh * g.fw;
  const float out_scale = s16 ? 0.001f : 0.1f;
  const double gain = s16 ? 0.0058 : 1.0 / 150.0;  // typical |acc| -> output units
  const float in_scale = static_cast<float>(gain * out_scale / (std::sqrt(taps) * 0.011));
  std::uniform_real_distribution<float> fs(0.002f, 0.02f);
  for (int o = 0; o < g.oc(); ++o) {
    int32_t m, s;
    conv_channel_multiplier(in_scale, fs(rng), out_scale, &m, &s);
    q.mult.push_back(m);
    q.shift.push_back(s);
  }
  activation_range_quantized(static_cast<uint8_t>(act), out_scale, q.out_zp, s16 ? -32768 : -128,
                             s16 ? 32767 : 127, &q.act_min, &q.act_max);
  return q;
}

TEST(DepthwiseConv2DKernel, S8MatchesReference) {
  std::mt19937 rng(4321);
  for (const Case& c : grid()) {
    SCOPED_TRACE(describe(c));
    const Geo g = geo_of(c);
    const Quant q = random_quant(rng, g, c.act, false);
    std::vector<int8_t> in = ref::random_s8(rng, g.in_size());
    std::vector<int8_t> w = ref::random_s8(rng, g.filter_size(), -127);
    std::vector<int32_t> bias = ref::random_i32(rng, g.oc(), -3000, 3000);
    const int32_t* b = c.bias ? bias.data() : nullptr;
    std::vector<int64_t> sums = ref::dw_sums(g, in, w, -q.in_zp);
    std::vector<int8_t> want(sums.size());
    for (size_t i = 0; i < sums.size(); ++i) {
      const int o = static_cast<int>(i % g.oc());
      const int64_t v = ref::requant32(sums[i] + (b ? b[o] : 0), q.mult[o], q.shift[o]) + q.out_zp;
      want[i] = static_cast<int8_t>(ref::clamp64(v, q.act_min, q.act_max));
    }
    DepthwiseConv2DParams p = ref::params_of(g);
    p.input_offset = -q.in_zp;
    p.output_offset = q.out_zp;
    p.act_min = q.act_min;
    p.act_max = q.act_max;
    std::vector<int8_t> got(g.out_size(), 99);
    depthwise_conv2d_s8(p, q.mult.data(), q.shift.data(), in.data(), w.data(), b, got.data());
    ASSERT_EQ(got, want);
    if (g.out_size() >= 16 && c.act != 2) {  // RELU_N1_TO_1 saturates most outputs
      EXPECT_GT(ref::distinct(got), 2) << "outputs barely vary";
    }
  }
}

// Extreme offsets: every (input + offset) * filter product at the int16 limits of the kernel.
TEST(DepthwiseConv2DKernel, S8ExtremeProducts) {
  const Geo g = ref::make_geo(1, 3, 3, 40, 1, 3, 3, 1, 1, 1, 1, false);  // one output pixel
  std::vector<int8_t> in(g.in_size(), 127), w(g.filter_size(), -128);
  for (int i = 0; i < 9; ++i) w[i * 40 + 1] = 127;
  DepthwiseConv2DParams p = ref::params_of(g);
  p.input_offset = 128;  // input zero point -128: x + offset = 255
  p.output_offset = 0;
  p.act_min = -128;
  p.act_max = 127;
  std::vector<int32_t> mult(40), shift(40);
  for (int o = 0; o < 40; ++o)
    conv_channel_multiplier(1.0f, 1.0f / 4096.0f, 1.0f, &mult[o], &shift[o]);
  std::vector<int8_t> out(40);
  depthwise_conv2d_s8(p, mult.data(), shift.data(), in.data(), w.data(), nullptr, out.data());
  // channel 0: 9 * 255 * -128 / 4096 = -71.72 -> -72; channel 1: 9 * 255 * 127 / 4096 = 71.16
  // -> 71.
  EXPECT_EQ(out[0], -72);
  EXPECT_EQ(out[1], 71);
  EXPECT_EQ(out[39], -72);
}

TEST(DepthwiseConv2DKernel, S16MatchesReference) {
  std::mt19937 rng(77);
  for (const Case& c : grid()) {
    SCOPED_TRACE(describe(c));
    const Geo g = geo_of(c);
    const Quant q = random_quant(rng, g, c.act, true);
    std::vector<int16_t> in = ref::random_s16(rng, g.in_size());
    std::vector<int8_t> w = ref::random_s8(rng, g.filter_size(), -127);
    std::vector<int64_t> bias = ref::random_i64(rng, g.oc(), -3000000, 3000000);
    // .tflite aligns int64 biases to 4 bytes only: hand the kernel a 4-byte aligned copy.
    std::vector<uint32_t> storage(2 * bias.size() + 2);
    std::memcpy(storage.data() + 1, bias.data(), bias.size() * 8);
    const int64_t* b = c.bias ? reinterpret_cast<const int64_t*>(storage.data() + 1) : nullptr;
    std::vector<int64_t> sums = ref::dw_sums(g, in, w, 0);
    std::vector<int16_t> want(sums.size());
    for (size_t i = 0; i < sums.size(); ++i) {
      const int o = static_cast<int>(i % g.oc());
      const int64_t v = ref::requant64(sums[i] + (c.bias ? bias[o] : 0), q.mult[o], q.shift[o]);
      want[i] = static_cast<int16_t>(ref::clamp64(v, q.act_min, q.act_max));
    }
    DepthwiseConv2DParams p = ref::params_of(g);
    p.act_min = q.act_min;
    p.act_max = q.act_max;
    std::vector<int16_t> got(g.out_size(), 99);
    depthwise_conv2d_s16(p, q.mult.data(), q.shift.data(), in.data(), w.data(), b, got.data());
    ASSERT_EQ(got, want);
    if (g.out_size() >= 16 && c.act != 2) {  // RELU_N1_TO_1 saturates most outputs
      EXPECT_GT(ref::distinct(got), 2) << "outputs barely vary";
    }
  }
}

TEST(DepthwiseConv2DKernel, F32MatchesReferenceBitForBit) {
  std::mt19937 rng(5);
  for (const Case& c : grid()) {
    SCOPED_TRACE(describe(c));
    const Geo g = geo_of(c);
    std::vector<float> in = ref::random_f32(rng, g.in_size(), -2.0f, 2.0f);
    std::vector<float> w = ref::random_f32(rng, g.filter_size(), -1.0f, 1.0f);
    std::vector<float> bias = ref::random_f32(rng, g.oc(), -1.0f, 1.0f);
    const float* b = c.bias ? bias.data() : nullptr;
    DepthwiseConv2DParams p = ref::params_of(g);
    activation_range_float(static_cast<uint8_t>(c.act), &p.act_min_f, &p.act_max_f);
    std::vector<float> want = ref::dw_f32(g, in, w, b, p.act_min_f, p.act_max_f);
    std::vector<float> got(g.out_size(), 99.0f);
    depthwise_conv2d_f32(p, in.data(), w.data(), b, got.data());
    ASSERT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * sizeof(float)));
  }
}

// Hand-computed: 2 channels, multiplier 2, 3x3 image, 2x2 filter, VALID, exact scaling.
TEST(DepthwiseConv2DKernel, S8HandComputedMultiplier2) {
  const Geo g = ref::make_geo(1, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, false);
  ASSERT_EQ(g.oh, 2);
  // channel 0 holds 0..8, channel 1 holds 10 everywhere (zero point 0).
  int8_t in[18];
  for (int i = 0; i < 9; ++i) {
    in[2 * i] = static_cast<int8_t>(i);
    in[2 * i + 1] = 10;
  }
  // taps (ky,kx) x outputs [c0m0, c0m1, c1m0, c1m1]
  const int8_t w[16] = {1, 0, 1, -1,  //
                        0, 1, 0, 0,   //
                        0, 0, 0, 0,   //
                        1, 2, 0, 3};
  DepthwiseConv2DParams p = ref::params_of(g);
  p.act_min = -128;
  p.act_max = 127;
  int32_t mult[4], shift[4];
  for (int o = 0; o < 4; ++o) conv_channel_multiplier(1.0f, 1.0f, 1.0f, &mult[o], &shift[o]);
  const int32_t bias[4] = {0, 0, 0, 100};
  int8_t out[16];
  depthwise_conv2d_s8(p, mult, shift, in, w, bias, out);
  // Output (0,0): window channel 0 = [0 1; 3 4]:  c0m0 = 0 + 4 = 4,  c0m1 = 1 + 2*4 = 9;
  //   channel 1 = 10s: c1m0 = 10, c1m1 = -10 + 30 + 100 = 120.
  // Output (1,1): window [4 5; 7 8]: c0m0 = 4 + 8 = 12, c0m1 = 5 + 16 = 21; c1 the same as above.
  const int8_t want00[4] = {4, 9, 10, 120};
  const int8_t want11[4] = {12, 21, 10, 120};
  EXPECT_EQ(0, std::memcmp(out, want00, 4));
  EXPECT_EQ(0, std::memcmp(out + 12, want11, 4));
}

// ---------------------------------------------------------------------------------------------
// The op end to end: ModelBuilder models through the interpreter, DEPTHWISE_CONV_2D only.

struct RunResult {
  Status status = Status::kOk;
  std::string message;
  std::vector<uint8_t> output;
};

RunResult run_model(const std::vector<uint8_t>& bytes, const std::vector<uint8_t>& input) {
  RunResult r;
  testing::AlignedModel m(bytes);
  Model model;
  Error err;
  r.status = model.load(m.data(), m.size(), &err);
  r.message = err.message;
  if (r.status != Status::kOk) return r;
  OpResolver resolver;
  EXPECT_EQ(resolver.add(op_depthwise_conv_2d()), Status::kOk);
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
  TensorRef in = interp.input(0);
  EXPECT_EQ(in.bytes, input.size());
  std::memcpy(in.data, input.data(), std::min(in.bytes, input.size()));
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

std::vector<int32_t> multipliers_for(float in_scale, const std::vector<float>& fs, float out_scale,
                                     std::vector<int32_t>* shifts) {
  std::vector<int32_t> mult;
  for (float f : fs) {
    int32_t m;
    int s;
    quantize_multiplier(static_cast<double>(in_scale) * f / static_cast<double>(out_scale), &m, &s);
    mult.push_back(m);
    shifts->push_back(s);
  }
  return mult;
}

// int8, multiplier 2, stride 2, SAME, RELU6, per-channel scales, batch 2.
TEST(DepthwiseConv2DOp, Int8PerChannelMatchesReference) {
  std::mt19937 rng(21);
  const Geo g = ref::make_geo(2, 9, 8, 3, 2, 3, 3, 2, 2, 1, 1, true);
  const float in_scale = 0.04f, out_scale = 0.05f;
  const int32_t in_zp = 7, out_zp = -5;
  const std::vector<float> fs = {0.01f, 0.02f, 0.005f, 0.013f, 0.008f, 0.017f};
  std::vector<int8_t> input = ref::random_s8(rng, g.in_size());
  std::vector<int8_t> filter = ref::random_s8(rng, g.filter_size(), -127);
  std::vector<int32_t> bias = ref::random_i32(rng, g.oc(), -500, 500);
  testing::ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {g.n, g.h, g.w, g.c}, testing::Quant(in_scale, in_zp));
  int w = b.add_const_i8({1, g.fh, g.fw, g.oc()}, filter, testing::Quant::per_channel(fs, 3));
  int bi = b.add_const_i32({g.oc()}, bias);
  int out =
      b.add_tensor(TensorType::kInt8, {g.n, g.oh, g.ow, g.oc()}, testing::Quant(out_scale, out_zp));
  b.add_op(BuiltinOp::DEPTHWISE_CONV_2D, {in, w, bi}, {out},
           testing::Options::depthwise_conv2d(Padding::kSame, 2, 2, 2, Activation::kRelu6));
  b.set_inputs({in});
  b.set_outputs({out});
  RunResult r = run_model(b.finish(), bytes_of(input));
  ASSERT_EQ(r.status, Status::kOk) << r.message;

  std::vector<int32_t> shifts;
  std::vector<int32_t> mult = multipliers_for(in_scale, fs, out_scale, &shifts);
  std::vector<int64_t> sums = ref::dw_sums(g, input, filter, -in_zp);
  std::vector<uint8_t> want(sums.size());
  for (size_t i = 0; i < sums.size(); ++i) {
    const int o = static_cast<int>(i % g.oc());
    const int64_t v = ref::requant32(sums[i] + bias[o], mult[o], shifts[o]) + out_zp;
    want[i] = static_cast<uint8_t>(static_cast<int8_t>(ref::clamp64(v, out_zp, out_zp + 120)));
  }
  EXPECT_EQ(r.output, want);
}

// int16 with int64 bias, and float; dilation 2 VALID, no depth_multiplier option (0 = from shapes).
TEST(DepthwiseConv2DOp, Int16AndFloatMatchReference) {
  std::mt19937 rng(22);
  const Geo g = ref::make_geo(1, 9, 7, 5, 1, 3, 2, 1, 1, 2, 2, false);
  {
    std::vector<int16_t> input = ref::random_s16(rng, g.in_size());
    std::vector<int8_t> filter = ref::random_s8(rng, g.filter_size(), -127);
    std::vector<int64_t> bias = ref::random_i64(rng, g.oc(), -50000, 50000);
    const std::vector<float> fs(5, 0.01f);
    testing::ModelBuilder b;
    int in = b.add_tensor(TensorType::kInt16, {g.n, g.h, g.w, g.c}, testing::Quant(0.001f, 0));
    int w = b.add_const_i8({1, g.fh, g.fw, g.oc()}, filter, testing::Quant(0.01f, 0));
    int bi = b.add_const_i64({g.oc()}, bias);
    int out =
        b.add_tensor(TensorType::kInt16, {g.n, g.oh, g.ow, g.oc()}, testing::Quant(0.002f, 0));
    b.add_op(BuiltinOp::DEPTHWISE_CONV_2D, {in, w, bi}, {out},
             testing::Options().i8(0, 1).i32(1, 1).i32(2, 1).i32(5, 2).i32(6, 2));
    b.set_inputs({in});
    b.set_outputs({out});
    RunResult r = run_model(b.finish(), bytes_of(input));
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    std::vector<int32_t> shifts;
    std::vector<int32_t> mult = multipliers_for(0.001f, fs, 0.002f, &shifts);
    std::vector<int64_t> sums = ref::dw_sums(g, input, filter, 0);
    std::vector<int16_t> want(sums.size());
    for (size_t i = 0; i < sums.size(); ++i) {
      const int o = static_cast<int>(i % g.oc());
      const int64_t v = ref::requant64(sums[i] + bias[o], mult[o], shifts[o]);
      want[i] = static_cast<int16_t>(ref::clamp64(v, -32768, 32767));
    }
    EXPECT_EQ(r.output, bytes_of(want));
  }
  {
    std::vector<float> input = ref::random_f32(rng, g.in_size(), -1, 1);
    std::vector<float> filter = ref::random_f32(rng, g.filter_size(), -1, 1);
    testing::ModelBuilder b;
    int in = b.add_tensor(TensorType::kFloat32, {g.n, g.h, g.w, g.c});
    int w = b.add_const_f32({1, g.fh, g.fw, g.oc()}, filter);
    int out = b.add_tensor(TensorType::kFloat32, {g.n, g.oh, g.ow, g.oc()});
    b.add_op(
        BuiltinOp::DEPTHWISE_CONV_2D, {in, w, -1}, {out},
        testing::Options::depthwise_conv2d(Padding::kValid, 1, 1, 0, Activation::kReluN1To1, 2, 2));
    b.set_inputs({in});
    b.set_outputs({out});
    RunResult r = run_model(b.finish(), bytes_of(input));
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    EXPECT_EQ(r.output, bytes_of(ref::dw_f32(g, input, filter, nullptr, -1.0f, 1.0f)));
  }
}

// A depthwise model over input [1,5,5,4] with the given pieces (zero data: only prepare matters).
std::vector<uint8_t> dw_model(TensorType in_type, std::vector<int32_t> wshape, testing::Quant wq,
                              TensorType bias_type, testing::Options opt,
                              std::vector<int32_t> oshape = {1, 5, 5, 8}) {
  testing::ModelBuilder b;
  auto count = [](const std::vector<int32_t>& s) {
    size_t n = 1;
    for (int32_t d : s) n *= static_cast<size_t>(d);
    return n;
  };
  const testing::Quant aq(0.05f, 0);
  int in = b.add_tensor(in_type, {1, 5, 5, 4}, aq);
  int w = b.add_const_raw(TensorType::kInt8, wshape, std::vector<uint8_t>(count(wshape)),
                          std::move(wq));
  int bi = b.add_const_raw(bias_type, {oshape[3]},
                           std::vector<uint8_t>(oshape[3] * type_size(bias_type)));
  int out = b.add_tensor(in_type, oshape, aq);
  b.add_op(BuiltinOp::DEPTHWISE_CONV_2D, {in, w, bi}, {out}, std::move(opt));
  b.set_inputs({in});
  b.set_outputs({out});
  return b.finish();
}

TEST(DepthwiseConv2DOp, Refusals) {
  const std::vector<uint8_t> input(100);
  const testing::Quant wq(0.01f, 0);
  const testing::Options same2 = testing::Options::depthwise_conv2d(Padding::kSame, 1, 1, 2);
  RunResult r =
      run_model(dw_model(TensorType::kInt8, {1, 3, 3, 8}, wq, TensorType::kInt32, same2), input);
  ASSERT_EQ(r.status, Status::kOk) << r.message;  // the baseline is valid

  r = run_model(dw_model(TensorType::kInt8, {1, 3, 3, 8}, wq, TensorType::kInt32,
                         testing::Options::depthwise_conv2d(Padding::kSame, 1, 1, 3)),
                input);
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("depth_multiplier option 3 but channels give 8/4"), std::string::npos)
      << r.message;

  r = run_model(
      dw_model(TensorType::kInt8, {1, 3, 3, 6}, wq, TensorType::kInt32, same2, {1, 5, 5, 6}),
      input);
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("6 channels, not a multiple of the input's 4"), std::string::npos)
      << r.message;

  r = run_model(dw_model(TensorType::kInt8, {2, 3, 3, 8}, wq, TensorType::kInt32, same2), input);
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("[1,H,W,C]"), std::string::npos) << r.message;

  r = run_model(
      dw_model(TensorType::kInt8, {1, 3, 3, 8}, testing::Quant::per_channel({.1f, .1f, .1f}, 1),
               TensorType::kInt32, same2),
      input);
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("3 scales for 8 output channels"), std::string::npos) << r.message;

  r = run_model(dw_model(TensorType::kInt16, {1, 3, 3, 8}, wq, TensorType::kInt32, same2),
                std::vector<uint8_t>(200));
  EXPECT_EQ(r.status, Status::kUnsupported);
  EXPECT_NE(r.message.find("bias INT32"), std::string::npos) << r.message;

  r = run_model(
      dw_model(TensorType::kInt8, {1, 3, 3, 8}, wq, TensorType::kInt32,
               testing::Options::depthwise_conv2d(Padding::kSame, 1, 1, 2, Activation::kSignBit)),
      input);
  EXPECT_EQ(r.status, Status::kUnsupported);
  EXPECT_NE(r.message.find("activation 5"), std::string::npos) << r.message;

  r = run_model(
      dw_model(TensorType::kInt8, {1, 3, 3, 8}, wq, TensorType::kInt32, same2, {1, 3, 5, 8}),
      input);
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("[1,3,5,8] but the op gives [1,5,5,8]"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace mote
