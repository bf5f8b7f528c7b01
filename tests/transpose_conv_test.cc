// TRANSPOSE_CONV: the transpose_conv_* kernels against a naive "gather" reference written here
// (each output element collects the input pixels that reach it), a hand-computed case, the op
// through the interpreter, and the seanet int16 conformance models.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "runtime/kernels/quant.h"
#include "runtime/kernels/transpose_conv.h"
#include "tests/support/conv_reference.h"
#include "tests/support/model_builder.h"
#include "tests/support/op_test_util.h"
#include "tests/support/quant_reference.h"
#include "tests/support/run_model.h"
#include "tests/support/test_support.h"

namespace mote {
namespace {

namespace ref = testing::ref;
using testing::bytes_of;
using testing::ModelBuilder;
using testing::Options;
using testing::Quant;
using testing::random_floats;
using testing::random_ints;
using testing::ref_quantize_multiplier;
using testing::ref_rescale32;
using testing::ref_rescale64;
using testing::RunResult;
using testing::values_of;

// The naive gather reference is ref::transpose_conv_sums (tests/support/conv_reference.h).
using Geo = ref::TransposeConvGeo;

const Geo kGeos[] = {
    // n ih iw ic oc fh fw sh sw same
    {2, 3, 4, 3, 5, 3, 3, 2, 2, true},   // SAME, stride 2, odd channel counts, 2 batches
    {1, 2, 5, 4, 3, 3, 4, 1, 2, false},  // VALID, the seanet 3x4 / stride (1, 2) shape
    {1, 3, 3, 1, 1, 2, 2, 2, 2, false},  // one channel in and out
    {2, 4, 2, 7, 2, 4, 3, 2, 1, true},   // SAME with odd total padding
    {1, 1, 3, 300, 2, 1, 3, 1, 2, false},  // more than 256 input channels (16x8 block sums)
};

// ---------------------------------------------------------------------------------------------
// Kernels.

TEST(TransposeConvKernel, S8HandComputed) {
  // Input 1x1x2x1 = {a, b} (zero point 1), filter 1x1x3x1 = {w0, w1, w2}, stride 2, VALID:
  // output width (2 - 1) * 2 + 3 = 5: {a w0, a w1, a w2 + b w0, b w1, b w2}.
  const int8_t in[2] = {3, -1};  // a = 2, b = -2 after the zero point
  const int8_t w[3] = {1, 2, 3};
  Geo g{1, 1, 2, 1, 1, 1, 3, 1, 2, false};
  TransposeConvParams p = g.params();
  ASSERT_EQ(p.output_w, 5);
  p.input_offset = -1;
  p.output_offset = 10;
  p.act_min = -128;
  p.act_max = 127;
  const int32_t bias[1] = {1}, m[1] = {1 << 30}, s[1] = {1};  // multiplier 1.0
  int32_t scratch[5];
  int8_t out[5];
  transpose_conv_s8(p, m, s, in, w, bias, out, scratch);
  // acc = {2, 4, 6 - 2, -4, -6} + bias 1 = {3, 5, 5, -3, -5}, + 10.
  const int8_t want[5] = {13, 15, 15, 7, 5};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(out[i], want[i]) << i;
}

TEST(TransposeConvKernel, S8MatchesReference) {
  std::mt19937 rng(41);
  int k = 0;
  for (const Geo& g : kGeos) {
    const int32_t in_zp = static_cast<int32_t>(rng() % 256) - 128, out_zp = static_cast<int32_t>(rng() % 100) - 50;
    auto in = random_ints<int8_t>(rng, g.in_size(), -128, 127);
    auto w = random_ints<int8_t>(rng, g.w_size(), -127, 127);
    auto bias = random_ints<int32_t>(rng, g.oc, -20000, 20000);
    std::vector<int32_t> m(g.oc), s(g.oc);
    for (int c = 0; c < g.oc; ++c)
      ref_quantize_multiplier(std::ldexp(0.5 + (rng() % 1000) / 2001.0, -static_cast<int>(7 + rng() % 5)), &m[c],
                              &s[c]);
    TransposeConvParams p = g.params();
    p.input_offset = -in_zp;
    p.output_offset = out_zp;
    p.act_min = k % 2 ? out_zp : -128;  // relu-shaped clamp on odd geometries
    p.act_max = k % 3 == 2 ? out_zp + 40 : 127;
    const bool with_bias = k % 2 == 0;
    const auto acc = ref::transpose_conv_sums<int64_t>(g, in, w, static_cast<int64_t>(-in_zp));
    std::vector<int8_t> want(acc.size());
    for (size_t i = 0; i < acc.size(); ++i) {
      const int c = static_cast<int>(i % g.oc);
      const int64_t a = acc[i] + (with_bias ? bias[c] : 0);
      const int32_t v = ref_rescale32(static_cast<int32_t>(a), m[c], s[c]) + out_zp;
      want[i] = static_cast<int8_t>(std::min(std::max(v, p.act_min), p.act_max));
    }
    std::vector<int32_t> scratch(transpose_conv_s8_scratch_bytes(p) / 4, 12345);  // garbage in scratch
    std::vector<int8_t> out(g.out_size());
    transpose_conv_s8(p, m.data(), s.data(), in.data(), w.data(), with_bias ? bias.data() : nullptr, out.data(),
                      scratch.data());
    EXPECT_EQ(out, want) << "geo " << k;
    ++k;
  }
}

TEST(TransposeConvKernel, S16MatchesReference) {
  std::mt19937 rng(43);
  int k = 0;
  for (const Geo& g : kGeos) {
    auto in = random_ints<int16_t>(rng, g.in_size(), -32768, 32767);
    auto w = random_ints<int8_t>(rng, g.w_size(), -127, 127);
    auto bias = random_ints<int64_t>(rng, g.oc, -2000000, 2000000);
    std::vector<int32_t> m(g.oc), s(g.oc);
    for (int c = 0; c < g.oc; ++c)
      ref_quantize_multiplier(std::ldexp(0.5 + (rng() % 1000) / 2001.0, -static_cast<int>(9 + rng() % 5)), &m[c],
                              &s[c]);
    TransposeConvParams p = g.params();
    p.act_min = k % 2 ? 0 : -32768;
    p.act_max = 32767;
    const auto acc = ref::transpose_conv_sums<int64_t>(g, in, w, int64_t{0});
    std::vector<int16_t> want(acc.size());
    for (size_t i = 0; i < acc.size(); ++i) {
      const int c = static_cast<int>(i % g.oc);
      const int32_t v = ref_rescale64(acc[i] + bias[c], m[c], s[c]);
      want[i] = static_cast<int16_t>(std::min(std::max(v, p.act_min), p.act_max));
    }
    std::vector<int64_t> scratch(transpose_conv_s16_scratch_bytes(p) / 8, -1);
    std::vector<int16_t> out(g.out_size());
    transpose_conv_s16(p, m.data(), s.data(), in.data(), w.data(), bias.data(), out.data(), scratch.data());
    EXPECT_EQ(out, want) << "geo " << k;
    ++k;
  }
}

TEST(TransposeConvKernel, F32MatchesReferenceBitForBit) {
  std::mt19937 rng(47);
  int k = 0;
  for (const Geo& g : kGeos) {
    const std::vector<float> in = random_floats(rng, g.in_size(), -1.0f, 1.0f);
    const std::vector<float> w = random_floats(rng, g.w_size(), -1.0f, 1.0f);
    std::vector<float> bias = random_floats(rng, g.oc, -1.0f, 1.0f);
    TransposeConvParams p = g.params();
    activation_range_float(static_cast<uint8_t>(k % 4), &p.act_min_f, &p.act_max_f);
    const auto acc = ref::transpose_conv_sums<float>(g, in, w, 0.0f);
    std::vector<float> want(acc.size());
    for (size_t i = 0; i < acc.size(); ++i) {
      float v = acc[i];
      if (k % 2 == 0) v += bias[i % g.oc];
      want[i] = std::min(std::max(v, p.act_min_f), p.act_max_f);
    }
    std::vector<float> out(g.out_size(), 7.0f);
    transpose_conv_f32(p, in.data(), w.data(), k % 2 == 0 ? bias.data() : nullptr, out.data());
    EXPECT_EQ(out, want) << "geo " << k;
    ++k;
  }
}

// ---------------------------------------------------------------------------------------------
// The op through the interpreter.

// Runs a model with only TRANSPOSE_CONV registered.
RunResult run_transpose_conv(const std::vector<uint8_t>& model, const std::vector<std::vector<uint8_t>>& inputs) {
  return testing::run_model(model, inputs, {op_transpose_conv()});
}

RunResult prepare_transpose_conv(const std::vector<uint8_t>& model) {
  return testing::prepare_model(model, {op_transpose_conv()});
}

TEST(TransposeConvOp, Int8PerChannelSameStride2WithRelu) {
  std::mt19937 rng(53);
  const Geo g{2, 3, 4, 3, 5, 3, 3, 2, 2, true};
  auto in = random_ints<int8_t>(rng, g.in_size(), -128, 127);
  auto w = random_ints<int8_t>(rng, g.w_size(), -127, 127);
  auto bias = random_ints<int32_t>(rng, g.oc, -3000, 3000);
  const std::vector<float> scales = {0.01f, 0.02f, 0.005f, 0.03f, 0.015f};
  std::vector<float> bscales;
  for (float s : scales) bscales.push_back(0.04f * s);
  ModelBuilder b;
  int shape = b.add_const_i32({4}, {g.n, g.oh(), g.ow(), g.oc});
  int wt = b.add_const_i8({g.oc, g.fh, g.fw, g.ic}, w, Quant::per_channel(scales, 0));
  int x = b.add_tensor(TensorType::kInt8, {g.n, g.ih, g.iw, g.ic}, Quant(0.04f, 5));
  int bs = b.add_const_i32({g.oc}, bias, Quant::per_channel(bscales, 0));
  int out = b.add_tensor(TensorType::kInt8, {g.n, g.oh(), g.ow(), g.oc}, Quant(0.2f, -4));
  b.add_op(BuiltinOp::TRANSPOSE_CONV, {shape, wt, x, bs}, {out},
           Options::transpose_conv(Padding::kSame, g.sw, g.sh, Activation::kRelu));
  b.set_inputs({x});
  b.set_outputs({out});
  const RunResult r = run_transpose_conv(b.finish(), {bytes_of(in)});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  const auto acc = ref::transpose_conv_sums<int64_t>(g, in, w, int64_t{-5});
  std::vector<int8_t> want(acc.size());
  for (size_t i = 0; i < acc.size(); ++i) {
    const int c = static_cast<int>(i % g.oc);
    int32_t m, s;
    ref_quantize_multiplier(static_cast<double>(0.04f) * static_cast<double>(scales[c]) / static_cast<double>(0.2f), &m,
                            &s);
    const int32_t v = ref_rescale32(static_cast<int32_t>(acc[i] + bias[c]), m, s) - 4;
    want[i] = static_cast<int8_t>(std::min(std::max(v, -4), 127));  // relu: zero point -4
  }
  EXPECT_EQ(values_of<int8_t>(r.output()), want);
}

TEST(TransposeConvOp, Int16WithInt16BiasAndFloat) {
  std::mt19937 rng(59);
  const Geo g{1, 2, 3, 4, 3, 3, 4, 1, 2, false};
  auto in = random_ints<int16_t>(rng, g.in_size(), -32768, 32767);
  auto w = random_ints<int8_t>(rng, g.w_size(), -127, 127);
  auto bias = random_ints<int16_t>(rng, g.oc, -30000, 30000);
  {
    ModelBuilder b;
    int shape = b.add_tensor(TensorType::kInt32, {4});  // a graph input, as in the seanet models
    int wt = b.add_const_i8({g.oc, g.fh, g.fw, g.ic}, w, Quant(0.02f, 0));
    int x = b.add_tensor(TensorType::kInt16, {g.n, g.ih, g.iw, g.ic}, Quant(0.001f, 0));
    int bs = b.add_const_i16({g.oc}, bias, Quant(0.00002f, 0));
    int out = b.add_tensor(TensorType::kInt16, {g.n, g.oh(), g.ow(), g.oc}, Quant(0.01f, 0));
    b.add_op(BuiltinOp::TRANSPOSE_CONV, {shape, wt, x, bs}, {out},
             Options::transpose_conv(Padding::kValid, g.sw, g.sh));
    b.set_inputs({shape, x});
    b.set_outputs({out});
    const RunResult r =
        run_transpose_conv(b.finish(), {bytes_of(std::vector<int32_t>{g.n, g.oh(), g.ow(), g.oc}), bytes_of(in)});
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    int32_t m, s;
    ref_quantize_multiplier(static_cast<double>(0.001f) * static_cast<double>(0.02f) / static_cast<double>(0.01f), &m,
                            &s);
    const auto acc = ref::transpose_conv_sums<int64_t>(g, in, w, int64_t{0});
    std::vector<int16_t> want(acc.size());
    for (size_t i = 0; i < acc.size(); ++i)
      want[i] = static_cast<int16_t>(
          std::min(std::max(ref_rescale64(acc[i] + bias[i % g.oc], m, s), -32768), 32767));
    EXPECT_EQ(values_of<int16_t>(r.output()), want);
  }
  {
    const std::vector<float> inf = random_floats(rng, g.in_size(), -1.0f, 1.0f);
    const std::vector<float> wf = random_floats(rng, g.w_size(), -1.0f, 1.0f);
    ModelBuilder b;
    int shape = b.add_const_i32({4}, {g.n, g.oh(), g.ow(), g.oc});
    int wt = b.add_const_f32({g.oc, g.fh, g.fw, g.ic}, wf);
    int x = b.add_tensor(TensorType::kFloat32, {g.n, g.ih, g.iw, g.ic});
    int out = b.add_tensor(TensorType::kFloat32, {g.n, g.oh(), g.ow(), g.oc});
    b.add_op(BuiltinOp::TRANSPOSE_CONV, {shape, wt, x}, {out},
             Options::transpose_conv(Padding::kValid, g.sw, g.sh, Activation::kReluN1To1));
    b.set_inputs({x});
    b.set_outputs({out});
    const RunResult r = run_transpose_conv(b.finish(), {bytes_of(inf)});
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    auto want = ref::transpose_conv_sums<float>(g, inf, wf, 0.0f);
    for (auto& v : want) v = std::min(std::max(v, -1.0f), 1.0f);
    EXPECT_EQ(values_of<float>(r.output()), want);
  }
}

TEST(TransposeConvOp, RejectsInconsistentShapes) {
  const Geo g{1, 3, 3, 2, 2, 3, 3, 2, 2, false};  // VALID output 7x7
  std::vector<int8_t> w(g.w_size(), 1);
  auto build = [&](std::vector<int32_t> shape_values, std::vector<int32_t> out_shape) {
    ModelBuilder b;
    int shape = b.add_const_i32({4}, shape_values);
    int wt = b.add_const_i8({g.oc, g.fh, g.fw, g.ic}, w, Quant(0.02f, 0));
    int x = b.add_tensor(TensorType::kInt8, {g.n, g.ih, g.iw, g.ic}, Quant(0.04f, 0));
    int out = b.add_tensor(TensorType::kInt8, out_shape, Quant(0.2f, 0));
    b.add_op(BuiltinOp::TRANSPOSE_CONV, {shape, wt, x}, {out}, Options::transpose_conv(Padding::kValid, 2, 2));
    b.set_inputs({x});
    b.set_outputs({out});
    return b.finish();
  };
  {
    const RunResult r = prepare_transpose_conv(build({1, 7, 7, 2}, {1, 7, 7, 2}));
    EXPECT_EQ(r.status, Status::kOk) << r.message;
  }
  {
    // output_shape values disagree with the tensor
    const RunResult r = prepare_transpose_conv(build({1, 7, 8, 2}, {1, 7, 7, 2}));
    EXPECT_EQ(r.status, Status::kInvalidModel);
    EXPECT_NE(r.message.find("[1,7,7,2]"), std::string::npos) << r.message;
  }
  {
    // 11 rows would need 5 input rows, not 3
    const RunResult r = prepare_transpose_conv(build({1, 11, 7, 2}, {1, 11, 7, 2}));
    EXPECT_EQ(r.status, Status::kInvalidModel);
    EXPECT_NE(r.message.find("implies input 5x3"), std::string::npos) << r.message;
  }
  {
    const RunResult r = prepare_transpose_conv(build({1, 7, 7, 3}, {1, 7, 7, 3}));  // output depth 3 vs filter's 2
    EXPECT_EQ(r.status, Status::kInvalidModel);
  }
}

// ---------------------------------------------------------------------------------------------
// seanet: TensorFlow Lite Micro's int16 TRANSPOSE_CONV integration models, bit-exact.

TEST(TransposeConvConformance, SeanetInt16) {
  if (testing::shared_dir().empty()) GTEST_SKIP() << "shared conformance data not found";
  // These files store their int64 bias at a file offset of 4 mod 8; each model is placed 4 bytes
  // past a 16-byte boundary so that the bias lands 8-byte aligned in memory.
  EXPECT_EQ(testing::check_seanet_cases("transpose_conv", {op_transpose_conv()}, /*misalign=*/4), 5);
}

}  // namespace
}  // namespace mote
