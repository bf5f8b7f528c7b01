// CONV_2D kernels: the geometry helpers (hand-computed values), the conv2d_* kernels against the
// naive reference in tests/support/conv_reference.h over a grid of strides, dilations, paddings,
// filter shapes, groups and activations, and a few hand-computed outputs.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "runtime/kernels/conv2d.h"
#include "runtime/kernels/conv_common.h"
#include "runtime/kernels/quant.h"
#include "tests/support/conv_reference.h"
#include "tests/support/op_test_util.h"

namespace mote {
namespace {

namespace ref = testing::ref;
using ref::ConvCase;
using ref::ConvGeo;
using testing::distinct_count;
using testing::random_floats;
using testing::random_ints;

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

Conv2DParams params_of(const ConvGeo& g) {
  Conv2DParams p;
  p.geo = ref::conv_geometry(g);
  p.filter_depth = g.fd;
  return p;
}

// The kernel's own geometry helpers must agree with the reference's formulas.
void expect_geometry(const ConvCase& c, const ConvGeo& g) {
  int32_t oh = 0, ow = 0;
  ASSERT_TRUE(conv_output_size(c.same, c.h, c.fh, c.sh, c.dh, &oh));
  ASSERT_TRUE(conv_output_size(c.same, c.w, c.fw, c.sw, c.dw, &ow));
  EXPECT_EQ(oh, g.oh);
  EXPECT_EQ(ow, g.ow);
  EXPECT_EQ(conv_padding_before(c.sh, c.dh, c.h, c.fh, oh), g.pt);
  EXPECT_EQ(conv_padding_before(c.sw, c.dw, c.w, c.fw, ow), g.pl);
}

std::vector<ConvCase> grid() {
  std::vector<ConvCase> cases;
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
  ConvCase nb = {2, 5, 4, 3, 4, 3, 3, 1, 1, 1, 1, 1, true, 0};
  nb.bias = false;
  cases.push_back(nb);
  return cases;
}

TEST(Conv2DKernel, S8MatchesReference) {
  std::mt19937 rng(1234);
  for (const ConvCase& c : grid()) {
    SCOPED_TRACE(describe(c));
    const ConvGeo g = ref::conv_geo(c);
    expect_geometry(c, g);
    ref::QuantS8 q = ref::random_quant_s8(rng, g, c.act);
    std::vector<int8_t> in = random_ints<int8_t>(rng, g.in_size(), -128, 127);
    std::vector<int8_t> w = random_ints<int8_t>(rng, g.filter_size(), -127, 127);
    std::vector<int32_t> bias = random_ints<int32_t>(rng, g.oc, -3000, 3000);
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
      EXPECT_GT(distinct_count(got), 2) << "outputs barely vary";
    }
  }
}

TEST(Conv2DKernel, S16MatchesReferenceWithInt64AndInt32Bias) {
  std::mt19937 rng(99);
  for (const ConvCase& c : grid()) {
    SCOPED_TRACE(describe(c));
    const ConvGeo g = ref::conv_geo(c);
    ref::QuantS16 q = ref::random_quant_s16(rng, g, c.act);
    std::vector<int16_t> in = random_ints<int16_t>(rng, g.in_size());
    std::vector<int8_t> w = random_ints<int8_t>(rng, g.filter_size(), -127, 127);
    std::vector<int64_t> bias64 = random_ints<int64_t>(rng, g.oc, -3000000, 3000000);
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
      EXPECT_GT(distinct_count(got), 2) << "outputs barely vary";
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
  for (const ConvCase& c : grid()) {
    SCOPED_TRACE(describe(c));
    const ConvGeo g = ref::conv_geo(c);
    std::vector<float> in = random_floats(rng, g.in_size(), -2.0f, 2.0f);
    std::vector<float> w = random_floats(rng, g.filter_size(), -1.0f, 1.0f);
    std::vector<float> bias = random_floats(rng, g.oc, -1.0f, 1.0f);
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
  const ConvGeo g = ref::conv_geo(1, 3, 3, 64, 2, 3, 3, 1, 1, 1, 1, false, 64);  // one output pixel
  std::vector<int16_t> in(g.in_size(), -32768);
  std::vector<int8_t> w(g.filter_size(), -128);
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
  const ConvGeo g = ref::conv_geo(1, 3, 3, 1, 1, 2, 2, 1, 1, 1, 1, false, 1);
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
  const ConvGeo g = ref::conv_geo(1, 4, 4, 1, 1, 3, 3, 2, 2, 1, 1, true, 1);
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

}  // namespace
}  // namespace mote
