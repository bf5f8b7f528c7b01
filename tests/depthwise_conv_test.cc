// DEPTHWISE_CONV_2D: the depthwise_conv2d_* kernels against the naive reference in
// tests/support/conv_reference.h, a few hand-computed outputs, and the op end to end through the
// interpreter.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "runtime/kernels/conv_common.h"
#include "runtime/kernels/depthwise_conv2d.h"
#include "runtime/kernels/quant.h"
#include "tests/support/conv_reference.h"
#include "tests/support/model_builder.h"
#include "tests/support/op_test_util.h"
#include "tests/support/run_model.h"

namespace mote {
namespace {

namespace ref = testing::ref;
using ref::ConvGeo;
using testing::bytes_of;
using testing::distinct_count;
using testing::elements_of;
using testing::random_floats;
using testing::random_ints;
using testing::RunResult;
using testing::values_of;

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

ConvGeo geo_of(const Case& c) {
  return ref::depthwise_geo(c.n, c.h, c.w, c.c, c.m, c.fh, c.fw, c.sh, c.sw, c.dh, c.dw, c.same);
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

TEST(DepthwiseConv2DKernel, S8MatchesReference) {
  std::mt19937 rng(4321);
  for (const Case& c : grid()) {
    SCOPED_TRACE(describe(c));
    const ConvGeo g = geo_of(c);
    const ref::QuantS8 q = ref::random_quant_s8(rng, g, c.act);
    std::vector<int8_t> in = random_ints<int8_t>(rng, g.in_size(), -128, 127);
    std::vector<int8_t> w = random_ints<int8_t>(rng, g.filter_size(), -127, 127);
    std::vector<int32_t> bias = random_ints<int32_t>(rng, g.oc, -3000, 3000);
    const int32_t* b = c.bias ? bias.data() : nullptr;
    const std::vector<int8_t> want = ref::depthwise_s8(g, q, in, w, b);
    DepthwiseConv2DParams p = ref::depthwise_params(g);
    p.input_offset = -q.in_zp;
    p.output_offset = q.out_zp;
    p.act_min = q.act_min;
    p.act_max = q.act_max;
    std::vector<int8_t> got(g.out_size(), 99);
    depthwise_conv2d_s8(p, q.mult.data(), q.shift.data(), in.data(), w.data(), b, got.data());
    ASSERT_EQ(got, want);
    if (g.out_size() >= 16 && c.act != 2) {  // RELU_N1_TO_1 saturates most outputs
      EXPECT_GT(distinct_count(got), 2) << "outputs barely vary";
    }
  }
}

// Extreme offsets: every (input + offset) * filter product at the int16 limits of the kernel.
TEST(DepthwiseConv2DKernel, S8ExtremeProducts) {
  const ConvGeo g = ref::depthwise_geo(1, 3, 3, 40, 1, 3, 3, 1, 1, 1, 1, false);  // one output pixel
  std::vector<int8_t> in(g.in_size(), 127), w(g.filter_size(), -128);
  for (int i = 0; i < 9; ++i) w[i * 40 + 1] = 127;
  DepthwiseConv2DParams p = ref::depthwise_params(g);
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
    const ConvGeo g = geo_of(c);
    const ref::QuantS16 q = ref::random_quant_s16(rng, g, c.act);
    std::vector<int16_t> in = random_ints<int16_t>(rng, g.in_size());
    std::vector<int8_t> w = random_ints<int8_t>(rng, g.filter_size(), -127, 127);
    std::vector<int64_t> bias = random_ints<int64_t>(rng, g.oc, -3000000, 3000000);
    // .tflite aligns int64 biases to 4 bytes only: hand the kernel a 4-byte aligned copy.
    std::vector<uint32_t> storage(2 * bias.size() + 2);
    std::memcpy(storage.data() + 1, bias.data(), bias.size() * 8);
    const int64_t* b = c.bias ? reinterpret_cast<const int64_t*>(storage.data() + 1) : nullptr;
    const std::vector<int16_t> want = ref::depthwise_s16(g, q, in, w, c.bias ? bias.data() : nullptr);
    DepthwiseConv2DParams p = ref::depthwise_params(g);
    p.act_min = q.act_min;
    p.act_max = q.act_max;
    std::vector<int16_t> got(g.out_size(), 99);
    depthwise_conv2d_s16(p, q.mult.data(), q.shift.data(), in.data(), w.data(), b, got.data());
    ASSERT_EQ(got, want);
    if (g.out_size() >= 16 && c.act != 2) {  // RELU_N1_TO_1 saturates most outputs
      EXPECT_GT(distinct_count(got), 2) << "outputs barely vary";
    }
  }
}

TEST(DepthwiseConv2DKernel, F32MatchesReferenceBitForBit) {
  std::mt19937 rng(5);
  for (const Case& c : grid()) {
    SCOPED_TRACE(describe(c));
    const ConvGeo g = geo_of(c);
    std::vector<float> in = random_floats(rng, g.in_size(), -2.0f, 2.0f);
    std::vector<float> w = random_floats(rng, g.filter_size(), -1.0f, 1.0f);
    std::vector<float> bias = random_floats(rng, g.oc, -1.0f, 1.0f);
    const float* b = c.bias ? bias.data() : nullptr;
    DepthwiseConv2DParams p = ref::depthwise_params(g);
    activation_range_float(static_cast<uint8_t>(c.act), &p.act_min_f, &p.act_max_f);
    std::vector<float> want = ref::depthwise_f32(g, in, w, b, p.act_min_f, p.act_max_f);
    std::vector<float> got(g.out_size(), 99.0f);
    depthwise_conv2d_f32(p, in.data(), w.data(), b, got.data());
    ASSERT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * sizeof(float)));
  }
}

// Hand-computed: 2 channels, multiplier 2, 3x3 image, 2x2 filter, VALID, exact scaling.
TEST(DepthwiseConv2DKernel, S8HandComputedMultiplier2) {
  const ConvGeo g = ref::depthwise_geo(1, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, false);
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
  DepthwiseConv2DParams p = ref::depthwise_params(g);
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

// Runs a model with only DEPTHWISE_CONV_2D registered on one input.
RunResult run_model(const std::vector<uint8_t>& model, const std::vector<uint8_t>& input) {
  return testing::run_model(model, {input}, {op_depthwise_conv_2d()});
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
  const ConvGeo g = ref::depthwise_geo(2, 9, 8, 3, 2, 3, 3, 2, 2, 1, 1, true);
  const float in_scale = 0.04f, out_scale = 0.05f;
  const int32_t in_zp = 7, out_zp = -5;
  const std::vector<float> fs = {0.01f, 0.02f, 0.005f, 0.013f, 0.008f, 0.017f};
  std::vector<int8_t> input = random_ints<int8_t>(rng, g.in_size(), -128, 127);
  std::vector<int8_t> filter = random_ints<int8_t>(rng, g.filter_size(), -127, 127);
  std::vector<int32_t> bias = random_ints<int32_t>(rng, g.oc, -500, 500);
  testing::ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {g.n, g.h, g.w, g.c}, testing::Quant(in_scale, in_zp));
  int w = b.add_const_i8({1, g.fh, g.fw, g.oc}, filter, testing::Quant::per_channel(fs, 3));
  int bi = b.add_const_i32({g.oc}, bias);
  int out =
      b.add_tensor(TensorType::kInt8, {g.n, g.oh, g.ow, g.oc}, testing::Quant(out_scale, out_zp));
  b.add_op(BuiltinOp::DEPTHWISE_CONV_2D, {in, w, bi}, {out},
           testing::Options::depthwise_conv2d(Padding::kSame, 2, 2, 2, Activation::kRelu6));
  b.set_inputs({in});
  b.set_outputs({out});
  RunResult r = run_model(b.finish(), bytes_of(input));
  ASSERT_EQ(r.status, Status::kOk) << r.message;

  ref::QuantS8 q{in_zp, out_zp, /*act_min=*/out_zp, /*act_max=*/out_zp + 120, {}, {}};  // RELU6: 6 / 0.05
  q.mult = multipliers_for(in_scale, fs, out_scale, &q.shift);
  EXPECT_EQ(values_of<int8_t>(r.output()), ref::depthwise_s8(g, q, input, filter, bias.data()));
}

// int16 with int64 bias, and float; dilation 2 VALID, no depth_multiplier option (0 = from shapes).
TEST(DepthwiseConv2DOp, Int16AndFloatMatchReference) {
  std::mt19937 rng(22);
  const ConvGeo g = ref::depthwise_geo(1, 9, 7, 5, 1, 3, 2, 1, 1, 2, 2, false);
  {
    std::vector<int16_t> input = random_ints<int16_t>(rng, g.in_size());
    std::vector<int8_t> filter = random_ints<int8_t>(rng, g.filter_size(), -127, 127);
    std::vector<int64_t> bias = random_ints<int64_t>(rng, g.oc, -50000, 50000);
    const std::vector<float> fs(5, 0.01f);
    testing::ModelBuilder b;
    int in = b.add_tensor(TensorType::kInt16, {g.n, g.h, g.w, g.c}, testing::Quant(0.001f, 0));
    int w = b.add_const_i8({1, g.fh, g.fw, g.oc}, filter, testing::Quant(0.01f, 0));
    int bi = b.add_const_i64({g.oc}, bias);
    int out =
        b.add_tensor(TensorType::kInt16, {g.n, g.oh, g.ow, g.oc}, testing::Quant(0.002f, 0));
    b.add_op(BuiltinOp::DEPTHWISE_CONV_2D, {in, w, bi}, {out},
             testing::Options().i8(0, 1).i32(1, 1).i32(2, 1).i32(5, 2).i32(6, 2));
    b.set_inputs({in});
    b.set_outputs({out});
    RunResult r = run_model(b.finish(), bytes_of(input));
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    ref::QuantS16 q{-32768, 32767, {}, {}};
    q.mult = multipliers_for(0.001f, fs, 0.002f, &q.shift);
    EXPECT_EQ(r.output(), bytes_of(ref::depthwise_s16(g, q, input, filter, bias.data())));
  }
  {
    std::vector<float> input = random_floats(rng, g.in_size(), -1, 1);
    std::vector<float> filter = random_floats(rng, g.filter_size(), -1, 1);
    testing::ModelBuilder b;
    int in = b.add_tensor(TensorType::kFloat32, {g.n, g.h, g.w, g.c});
    int w = b.add_const_f32({1, g.fh, g.fw, g.oc}, filter);
    int out = b.add_tensor(TensorType::kFloat32, {g.n, g.oh, g.ow, g.oc});
    b.add_op(
        BuiltinOp::DEPTHWISE_CONV_2D, {in, w, -1}, {out},
        testing::Options::depthwise_conv2d(Padding::kValid, 1, 1, 0, Activation::kReluN1To1, 2, 2));
    b.set_inputs({in});
    b.set_outputs({out});
    RunResult r = run_model(b.finish(), bytes_of(input));
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    EXPECT_EQ(r.output(), bytes_of(ref::depthwise_f32(g, input, filter, nullptr, -1.0f, 1.0f)));
  }
}

// A depthwise model over input [1,5,5,4] with the given pieces (zero data: only prepare matters).
std::vector<uint8_t> dw_model(TensorType in_type, std::vector<int32_t> wshape, testing::Quant wq,
                              TensorType bias_type, testing::Options opt,
                              std::vector<int32_t> oshape = {1, 5, 5, 8}) {
  testing::ModelBuilder b;
  const testing::Quant aq(0.05f, 0);
  int in = b.add_tensor(in_type, {1, 5, 5, 4}, aq);
  int w = b.add_const_raw(TensorType::kInt8, wshape, std::vector<uint8_t>(elements_of(wshape)),
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
