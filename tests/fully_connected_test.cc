// FULLY_CONNECTED: the fully_connected_* kernels against a naive reference written here, small
// hand-computed outputs, the op through the interpreter (keep_num_dims, per-channel weights,
// activations, validation messages) and the FC-only conformance models (hello_world, ad01).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "runtime/kernels/fully_connected.h"
#include "runtime/kernels/quant.h"
#include "runtime/op_resolver.h"
#include "tests/support/model_builder.h"
#include "tests/support/op_test_util.h"
#include "tests/support/quant_reference.h"
#include "tests/support/run_model.h"
#include "tests/support/test_support.h"

namespace mote {
namespace {

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

// ---------------------------------------------------------------------------------------------
// Independent reference (requantization from tests/support/quant_reference.h).

int32_t clampi(int64_t v, int32_t lo, int32_t hi) { return static_cast<int32_t>(v < lo ? lo : (v > hi ? hi : v)); }

struct RefFc {
  RefFc(int b, int d, int u) : batches(b), depth(d), units(u) {}
  int batches, depth, units;
  int32_t in_zp = 0, out_zp = 0, lo = -128, hi = 127;
  std::vector<int32_t> m, s;  // one entry, or one per unit
  int32_t mult(int o) const { return m.size() == 1 ? m[0] : m[o]; }
  int32_t shift(int o) const { return s.size() == 1 ? s[0] : s[o]; }
};

std::vector<int8_t> ref_fc_s8(const RefFc& r, const std::vector<int8_t>& x, const std::vector<int8_t>& w,
                              const int32_t* bias) {
  std::vector<int8_t> out(static_cast<size_t>(r.batches) * r.units);
  for (int b = 0; b < r.batches; ++b)
    for (int o = 0; o < r.units; ++o) {
      int64_t acc = 0;
      for (int d = 0; d < r.depth; ++d)
        acc += (static_cast<int64_t>(x[b * r.depth + d]) - r.in_zp) * w[o * r.depth + d];
      if (bias) acc += bias[o];
      out[b * r.units + o] = static_cast<int8_t>(
          clampi(static_cast<int64_t>(ref_rescale32(static_cast<int32_t>(acc), r.mult(o), r.shift(o))) + r.out_zp,
                 r.lo, r.hi));
    }
  return out;
}

std::vector<int16_t> ref_fc_s16(const RefFc& r, const std::vector<int16_t>& x, const std::vector<int8_t>& w,
                                const int64_t* bias64, const int32_t* bias32, bool acc32) {
  std::vector<int16_t> out(static_cast<size_t>(r.batches) * r.units);
  for (int b = 0; b < r.batches; ++b)
    for (int o = 0; o < r.units; ++o) {
      int64_t acc = 0;
      for (int d = 0; d < r.depth; ++d)
        acc += (static_cast<int64_t>(x[b * r.depth + d]) - r.in_zp) * w[o * r.depth + d];
      if (bias64) acc += bias64[o];
      if (bias32) acc += bias32[o];
      const int32_t scaled = acc32 ? ref_rescale32(static_cast<int32_t>(acc), r.mult(o), r.shift(o))
                                   : ref_rescale64(acc, r.mult(o), r.shift(o));
      out[b * r.units + o] = static_cast<int16_t>(clampi(static_cast<int64_t>(scaled) + r.out_zp, r.lo, r.hi));
    }
  return out;
}

FullyConnectedParams params_from(const RefFc& r) {
  FullyConnectedParams p;
  p.batches = r.batches;
  p.input_depth = r.depth;
  p.output_depth = r.units;
  p.input_offset = -r.in_zp;
  p.output_offset = r.out_zp;
  p.act_min = r.lo;
  p.act_max = r.hi;
  p.per_channel = r.m.size() > 1;
  return p;
}

// ---------------------------------------------------------------------------------------------
// Reference self-check: the rescale helpers against hand-computed values.

TEST(FullyConnectedReference, RescaleHandValues) {
  // 0.5 = 2^30 * 2^(0 - 31). The high multiply alone rounds ties upward: 3.5 -> 4, -3.5 -> -3.
  EXPECT_EQ(ref_rescale32(7, 1 << 30, 0), 4);
  EXPECT_EQ(ref_rescale32(-7, 1 << 30, 0), -3);
  // 0.25 = 2^30 * 2^(-1 - 31): the high multiply gives 5 / -5 / -4 (from -4.5), then the shift
  // rounds ties away from zero: 2.5 -> 3, -2.5 -> -3, -2 -> -2.
  EXPECT_EQ(ref_rescale32(10, 1 << 30, -1), 3);
  EXPECT_EQ(ref_rescale32(-10, 1 << 30, -1), -3);
  EXPECT_EQ(ref_rescale32(-9, 1 << 30, -1), -2);
  for (int32_t x : {-100000, -77, -1, 0, 1, 5, 12345, 99999999})
    for (int32_t sh : {-20, -5, -1, 0, 2})
      EXPECT_EQ(ref_rescale32(x, 1518500250, sh), multiply_by_quantized_multiplier(x, 1518500250, sh))
          << x << " " << sh;
  EXPECT_EQ(ref_rescale64(int64_t{1} << 40, 1 << 30, -20), 1 << 19);
}

// ---------------------------------------------------------------------------------------------
// Kernels.

TEST(FullyConnectedKernel, S8HandComputed) {
  // 2 batches, depth 3, 2 units; input zero point 1, multiplier 0.5, output zero point -3.
  // acc[b][o] = sum (x - 1) * w + bias.
  const std::vector<int8_t> x = {1, 3, 5, -1, 0, 2};
  const std::vector<int8_t> w = {1, 2, 3, -1, 0, 4};
  const int32_t bias[2] = {10, -5};
  // batch 0: x-1 = {0, 2, 4}: unit0 = 0+4+12+10 = 26 -> 13 - 3 = 10; unit1 = 0+0+16-5 = 11 -> 5.5 -> 6 - 3 = 3
  // batch 1: x-1 = {-2, -1, 1}: unit0 = -2-2+3+10 = 9 -> 4.5 -> 5 - 3 = 2; unit1 = 2+0+4-5 = 1 -> 0.5 -> 1 - 3 = -2
  FullyConnectedParams p;
  p.batches = 2;
  p.input_depth = 3;
  p.output_depth = 2;
  p.input_offset = -1;
  p.output_offset = -3;
  p.act_min = -128;
  p.act_max = 127;
  const int32_t m[1] = {1 << 30}, s[1] = {0};
  int8_t out[4] = {};
  fully_connected_s8(p, m, s, nullptr, x.data(), w.data(), bias, out);
  EXPECT_EQ(out[0], 10);
  EXPECT_EQ(out[1], 3);
  EXPECT_EQ(out[2], 2);
  EXPECT_EQ(out[3], -2);
  // RELU-like clamp at the zero point -3 and RELU6-like top at 5.
  p.act_min = -3;
  p.act_max = 5;
  fully_connected_s8(p, m, s, nullptr, x.data(), w.data(), bias, out);
  EXPECT_EQ(out[0], 5);
  EXPECT_EQ(out[1], 3);
  EXPECT_EQ(out[2], 2);
  EXPECT_EQ(out[3], -2);
}

TEST(FullyConnectedKernel, S8MatchesReferencePerTensorAndPerChannel) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 24; ++trial) {
    RefFc r{1 + trial % 3, 1 + (trial * 13) % 67, 1 + (trial * 5) % 11};
    r.in_zp = static_cast<int32_t>(rng() % 256) - 128;
    r.out_zp = static_cast<int32_t>(rng() % 200) - 100;
    const bool per_channel = trial % 2 == 1;
    for (int o = 0; o < (per_channel ? r.units : 1); ++o) {
      int32_t mm, ss;
      ref_quantize_multiplier(std::ldexp(0.5 + 0.49 * (rng() % 1000) / 1000.0, -static_cast<int>(5 + rng() % 6)), &mm,
                              &ss);
      r.m.push_back(mm);
      r.s.push_back(ss);
    }
    const int act = trial % 4;  // none, relu, relu_n1_to_1, relu6 expressed as clamps
    r.lo = act == 0 ? -128 : (act == 2 ? r.out_zp - 20 : r.out_zp);
    r.hi = act == 0 || act == 1 ? 127 : r.out_zp + 30;
    if (r.lo < -128) r.lo = -128;
    if (r.hi > 127) r.hi = 127;
    auto x = random_ints<int8_t>(rng, static_cast<size_t>(r.batches) * r.depth, -128, 127);
    auto w = random_ints<int8_t>(rng, static_cast<size_t>(r.units) * r.depth, -127, 127);
    auto bias = random_ints<int32_t>(rng, r.units, -5000, 5000);
    const bool with_bias = trial % 3 != 0;
    const auto want = ref_fc_s8(r, x, w, with_bias ? bias.data() : nullptr);
    const FullyConnectedParams p = params_from(r);
    std::vector<int8_t> got(want.size(), 99), folded(want.size(), 99);
    fully_connected_s8(p, r.m.data(), r.s.data(), nullptr, x.data(), w.data(), with_bias ? bias.data() : nullptr,
                       got.data());
    std::vector<int32_t> sums(r.units);
    fully_connected_row_sums_s8(r.units, r.depth, w.data(), sums.data());
    fully_connected_s8(p, r.m.data(), r.s.data(), sums.data(), x.data(), w.data(),
                       with_bias ? bias.data() : nullptr, folded.data());
    EXPECT_EQ(got, want) << "trial " << trial;
    EXPECT_EQ(folded, want) << "trial " << trial << " (row sums)";
  }
}

TEST(FullyConnectedKernel, S16MatchesReferenceBothAccumulators) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 12; ++trial) {
    // Depths beyond 256 exercise the blocked 32-bit partial sums.
    RefFc r{1 + trial % 2, trial < 6 ? 5 + trial * 3 : 300 + trial * 41, 3 + trial % 5};
    r.lo = -32768;
    r.hi = 32767;
    r.in_zp = trial % 4 == 3 ? 17 : 0;  // non-zero input offset takes the general loop
    const bool per_channel = trial % 2 == 0;
    for (int o = 0; o < (per_channel ? r.units : 1); ++o) {
      int32_t mm, ss;
      ref_quantize_multiplier(std::ldexp(0.5 + 0.49 * (rng() % 1000) / 1000.0, -static_cast<int>(8 + rng() % 6)), &mm,
                              &ss);
      r.m.push_back(mm);
      r.s.push_back(ss);
    }
    if (trial % 5 == 1) {
      r.lo = -1000;
      r.hi = 2000;
    }
    auto x = random_ints<int16_t>(rng, static_cast<size_t>(r.batches) * r.depth, -32768, 32767);
    auto w = random_ints<int8_t>(rng, static_cast<size_t>(r.units) * r.depth, -127, 127);
    auto b64 = random_ints<int64_t>(rng, r.units, -3000000, 3000000);
    auto b32 = random_ints<int32_t>(rng, r.units, -300000, 300000);
    const FullyConnectedParams p = params_from(r);
    const auto want64 = ref_fc_s16(r, x, w, b64.data(), nullptr, false);
    std::vector<int16_t> got(want64.size());
    fully_connected_s16(p, r.m.data(), r.s.data(), x.data(), w.data(), b64.data(), got.data());
    EXPECT_EQ(got, want64) << "trial " << trial;
    if (r.depth < 500) {  // int32 accumulation stays exact here
      const auto want32 = ref_fc_s16(r, x, w, nullptr, b32.data(), true);
      fully_connected_acc32_s16(p, r.m.data(), r.s.data(), x.data(), w.data(), b32.data(), got.data());
      EXPECT_EQ(got, want32) << "trial " << trial << " (acc32)";
    }
  }
}

TEST(FullyConnectedKernel, S16LargeAccumulatorNeedsSixtyFourBits) {
  // 600 products of 32767 * 127 sum to ~2.5e9: beyond int32, exact in the int64 kernel.
  RefFc r{1, 600, 1};
  r.lo = -32768;
  r.hi = 32767;
  int32_t mm, ss;
  ref_quantize_multiplier(1.0 / 4096.0, &mm, &ss);
  r.m = {mm};
  r.s = {ss};
  std::vector<int16_t> x(600, 32767);
  std::vector<int8_t> w(600, 127);
  const auto want = ref_fc_s16(r, x, w, nullptr, nullptr, false);
  int16_t got = 0;
  fully_connected_s16(params_from(r), r.m.data(), r.s.data(), x.data(), w.data(), nullptr, &got);
  EXPECT_EQ(got, want[0]);
  EXPECT_EQ(got, static_cast<int16_t>(std::min<int64_t>(32767, (int64_t{600} * 32767 * 127 + 2048) / 4096)));
}

TEST(FullyConnectedKernel, F32MatchesSequentialSumAndClamps) {
  std::mt19937 rng(3);
  const int batches = 3, depth = 29, units = 7;
  const std::vector<float> x = random_floats(rng, batches * depth, -2.0f, 2.0f);
  const std::vector<float> w = random_floats(rng, units * depth, -2.0f, 2.0f);
  const std::vector<float> bias = random_floats(rng, units, -2.0f, 2.0f);
  for (int act = 0; act < 4; ++act) {
    FullyConnectedParams p;
    p.batches = batches;
    p.input_depth = depth;
    p.output_depth = units;
    activation_range_float(static_cast<uint8_t>(act), &p.act_min_f, &p.act_max_f);
    std::vector<float> got(batches * units);
    fully_connected_f32(p, x.data(), w.data(), act == 2 ? nullptr : bias.data(), got.data());
    for (int b = 0; b < batches; ++b)
      for (int o = 0; o < units; ++o) {
        float total = 0.0f;
        for (int d = 0; d < depth; ++d) total += x[b * depth + d] * w[o * depth + d];
        float v = total + (act == 2 ? 0.0f : bias[o]);
        if (act == 1) v = std::max(v, 0.0f);
        if (act == 2) v = std::min(std::max(v, -1.0f), 1.0f);
        if (act == 3) v = std::min(std::max(v, 0.0f), 6.0f);
        EXPECT_EQ(got[b * units + o], v) << "act " << act << " b " << b << " o " << o;
      }
  }
}

// ---------------------------------------------------------------------------------------------
// The op through the interpreter.

// Runs a model with only FULLY_CONNECTED registered on one input.
template <typename T>
RunResult run_fc(const std::vector<uint8_t>& model, const std::vector<T>& input) {
  return testing::run_model(model, {bytes_of(input)}, {op_fully_connected()});
}

RunResult prepare_fc(const std::vector<uint8_t>& model) {
  return testing::prepare_model(model, {op_fully_connected()});
}

// int8 FC with a rank-3 input; per-channel weights when `scales` has several entries.
std::vector<uint8_t> build_s8(const std::vector<int32_t>& in_shape, int units, const std::vector<int8_t>& w,
                              const std::vector<int32_t>& bias, const std::vector<float>& scales, bool keep,
                              Activation act, const std::vector<int32_t>& out_shape, float bias_scale = -1) {
  ModelBuilder b;
  const int depth = in_shape.back();
  int in = b.add_tensor(TensorType::kInt8, in_shape, Quant(0.05f, 3));
  int wt = b.add_const_i8({units, depth}, w,
                          scales.size() == 1 ? Quant(scales[0], 0) : Quant::per_channel(scales, 0));
  std::vector<float> bscales;
  for (float s : scales) bscales.push_back(bias_scale >= 0 ? bias_scale : 0.05f * s);
  int bs = b.add_const_i32({units}, bias, scales.size() == 1 ? Quant(bscales[0], 0) : Quant::per_channel(bscales, 0));
  int out = b.add_tensor(TensorType::kInt8, out_shape, Quant(0.1f, -7));
  b.add_op(BuiltinOp::FULLY_CONNECTED, {in, wt, bs}, {out}, Options::fully_connected(act, keep));
  b.set_inputs({in});
  b.set_outputs({out});
  return b.finish();
}

TEST(FullyConnectedOp, KeepNumDimsRank3PerTensorMatchesReference) {
  std::mt19937 rng(5);
  const int units = 5, depth = 8;
  auto w = random_ints<int8_t>(rng, units * depth, -127, 127);
  auto bias = random_ints<int32_t>(rng, units, -400, 400);
  auto x = random_ints<int8_t>(rng, 2 * 3 * depth, -128, 127);
  for (bool keep : {true, false}) {
    std::vector<int32_t> out_shape = keep ? std::vector<int32_t>{2, 3, units} : std::vector<int32_t>{6, units};
    const RunResult run =
        run_fc(build_s8({2, 3, depth}, units, w, bias, {0.02f}, keep, Activation::kNone, out_shape), x);
    ASSERT_EQ(run.status, Status::kOk) << run.message;
    RefFc r{6, depth, units};
    r.in_zp = 3;
    r.out_zp = -7;
    int32_t mm, ss;
    // Per-tensor: the scale product is a float multiplication, widened afterwards.
    ref_quantize_multiplier(static_cast<double>(0.05f * 0.02f) / static_cast<double>(0.1f), &mm, &ss);
    r.m = {mm};
    r.s = {ss};
    EXPECT_EQ(values_of<int8_t>(run.output()), ref_fc_s8(r, x, w, bias.data())) << "keep " << keep;
    EXPECT_EQ(run.output_shapes[0].rank, keep ? 3 : 2);
  }
}

TEST(FullyConnectedOp, PerChannelWithEveryActivation) {
  std::mt19937 rng(9);
  const int units = 3, depth = 11;  // odd sizes
  auto w = random_ints<int8_t>(rng, units * depth, -127, 127);
  auto bias = random_ints<int32_t>(rng, units, -2000, 2000);
  auto x = random_ints<int8_t>(rng, 4 * depth, -128, 127);
  const std::vector<float> scales = {0.01f, 0.03f, 0.007f};
  for (Activation act : {Activation::kNone, Activation::kRelu, Activation::kReluN1To1, Activation::kRelu6}) {
    const RunResult run = run_fc(build_s8({4, depth}, units, w, bias, scales, false, act, {4, units}), x);
    ASSERT_EQ(run.status, Status::kOk) << run.message;
    RefFc r{4, depth, units};
    r.in_zp = 3;
    r.out_zp = -7;
    for (float s : scales) {
      int32_t mm, ss;
      ref_quantize_multiplier(static_cast<double>(0.05f) * static_cast<double>(s) / static_cast<double>(0.1f), &mm,
                              &ss);
      r.m.push_back(mm);
      r.s.push_back(ss);
    }
    // Output scale 0.1, zero point -7: 0 -> -7, -1 -> -17, 1 -> 3, 6 -> 53.
    if (act == Activation::kRelu) r.lo = -7;
    if (act == Activation::kReluN1To1) r.lo = -17, r.hi = 3;
    if (act == Activation::kRelu6) r.lo = -7, r.hi = 53;
    EXPECT_EQ(values_of<int8_t>(run.output()), ref_fc_s8(r, x, w, bias.data())) << "act " << static_cast<int>(act);
  }
}

TEST(FullyConnectedOp, Int16WithInt64BiasAndNoBias) {
  std::mt19937 rng(21);
  const int units = 4, depth = 9;
  auto w = random_ints<int8_t>(rng, units * depth, -127, 127);
  auto bias = random_ints<int64_t>(rng, units, -100000, 100000);
  auto x = random_ints<int16_t>(rng, 2 * depth, -32768, 32767);
  for (bool with_bias : {true, false}) {
    ModelBuilder b;
    int in = b.add_tensor(TensorType::kInt16, {2, depth}, Quant(0.001f, 0));
    int wt = b.add_const_i8({units, depth}, w, Quant(0.02f, 0));
    int bs = with_bias ? b.add_const_i64({units}, bias, Quant(0.001f * 0.02f, 0)) : -1;
    int out = b.add_tensor(TensorType::kInt16, {2, units}, Quant(0.004f, 0));
    b.add_op(BuiltinOp::FULLY_CONNECTED, {in, wt, bs}, {out}, Options::fully_connected(Activation::kRelu));
    b.set_inputs({in});
    b.set_outputs({out});
    const RunResult run = run_fc(b.finish(), x);
    ASSERT_EQ(run.status, Status::kOk) << run.message;
    RefFc r{2, depth, units};
    r.lo = 0;
    r.hi = 32767;
    int32_t mm, ss;
    ref_quantize_multiplier(static_cast<double>(0.001f * 0.02f) / static_cast<double>(0.004f), &mm, &ss);
    r.m = {mm};
    r.s = {ss};
    EXPECT_EQ(values_of<int16_t>(run.output()), ref_fc_s16(r, x, w, with_bias ? bias.data() : nullptr, nullptr, false));
  }
}

TEST(FullyConnectedOp, FloatKeepNumDims) {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kFloat32, {1, 2, 3});
  int wt = b.add_const_f32({2, 3}, {1.0f, 0.5f, -1.0f, 2.0f, 0.0f, 0.25f});
  int out = b.add_tensor(TensorType::kFloat32, {1, 2, 2});
  b.add_op(BuiltinOp::FULLY_CONNECTED, {in, wt, -1}, {out}, Options::fully_connected(Activation::kRelu, true));
  b.set_inputs({in});
  b.set_outputs({out});
  const RunResult r = run_fc(b.finish(), std::vector<float>{2.0f, 4.0f, 1.0f, -1.0f, 2.0f, 8.0f});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  // row 0: 2 + 2 - 1 = 3, 4 + 0 + 0.25 = 4.25; row 1: -1 + 1 - 8 = -8 -> 0 (relu), -2 + 2 = 0.
  EXPECT_EQ(values_of<float>(r.output()), (std::vector<float>{3.0f, 4.25f, 0.0f, 0.0f}));
}

TEST(FullyConnectedOp, RejectsWrongOutputShapeNamingBothShapes) {
  std::vector<int8_t> w(4 * 6, 1);
  std::vector<int32_t> bias(4, 0);
  const RunResult r = prepare_fc(build_s8({2, 6}, 4, w, bias, {0.02f}, false, Activation::kNone, {2, 5}));
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("[2,5]"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("[2,4]"), std::string::npos) << r.message;
}

TEST(FullyConnectedOp, RejectsInputThatDoesNotSplitIntoRows) {
  std::vector<int8_t> w(4 * 6, 1);
  std::vector<int32_t> bias(4, 0);
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {1, 7}, Quant(0.05f, 3));
  int wt = b.add_const_i8({4, 6}, w, Quant(0.02f, 0));
  int out = b.add_tensor(TensorType::kInt8, {1, 4}, Quant(0.1f, 0));
  b.add_op(BuiltinOp::FULLY_CONNECTED, {in, wt}, {out}, Options::fully_connected());
  b.set_inputs({in});
  b.set_outputs({out});
  const RunResult r = prepare_fc(b.finish());
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("rows of 6"), std::string::npos) << r.message;
}

TEST(FullyConnectedOp, RejectsBiasScaleFarFromProduct) {
  std::vector<int8_t> w(4 * 6, 1);
  std::vector<int32_t> bias(4, 0);
  // Bias scale 0.05 vs input*weights 0.001: (0.049 / 0.1) > 2%.
  const RunResult r = prepare_fc(build_s8({2, 6}, 4, w, bias, {0.02f}, false, Activation::kNone, {2, 4}, 0.05f));
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("bias"), std::string::npos) << r.message;
}

TEST(FullyConnectedOp, RejectsNonZeroWeightZeroPointAndTanh) {
  std::vector<int8_t> w(2 * 3, 1);
  {
    ModelBuilder b;
    int in = b.add_tensor(TensorType::kInt8, {1, 3}, Quant(0.05f, 3));
    int wt = b.add_const_i8({2, 3}, w, Quant(0.02f, 4));
    int out = b.add_tensor(TensorType::kInt8, {1, 2}, Quant(0.1f, 0));
    b.add_op(BuiltinOp::FULLY_CONNECTED, {in, wt}, {out}, Options::fully_connected());
    b.set_inputs({in});
    b.set_outputs({out});
    const RunResult r = prepare_fc(b.finish());
    EXPECT_EQ(r.status, Status::kUnsupported);
    EXPECT_NE(r.message.find("zero point 4"), std::string::npos) << r.message;
  }
  {
    ModelBuilder b;
    int in = b.add_tensor(TensorType::kInt8, {1, 3}, Quant(0.05f, 3));
    int wt = b.add_const_i8({2, 3}, w, Quant(0.02f, 0));
    int out = b.add_tensor(TensorType::kInt8, {1, 2}, Quant(0.1f, 0));
    b.add_op(BuiltinOp::FULLY_CONNECTED, {in, wt}, {out}, Options::fully_connected(Activation::kTanh));
    b.set_inputs({in});
    b.set_outputs({out});
    const RunResult r = prepare_fc(b.finish());
    EXPECT_EQ(r.status, Status::kUnsupported);
  }
}

// ---------------------------------------------------------------------------------------------
// Conformance models that contain only FULLY_CONNECTED.

// Three samples through one prepared interpreter (the same arena for every invoke).
void run_conformance(const std::string& name, bool is_float) {
  const std::string dir = testing::shared_dir();
  if (dir.empty()) GTEST_SKIP() << "shared conformance data not found";
  const std::string base = dir + "/conformance/core/" + name + "/";
  const OpResolver fc_only = testing::only_ops({op_fully_connected()});
  testing::PreparedModel m(testing::read_file(base + "model.tflite"), &fc_only);
  ASSERT_TRUE(m.ok()) << m.result().message;
  for (int k = 0; k < 3; ++k) {
    const auto in = testing::read_file(base + "input_" + std::to_string(k) + "_0.bin");
    const auto want = testing::read_file(base + "output_" + std::to_string(k) + "_0.bin");
    const RunResult r = m.invoke({in});
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    const std::vector<uint8_t>& got = r.output();
    ASSERT_EQ(got.size(), want.size());
    if (!is_float) {
      EXPECT_EQ(got, want) << name << " sample " << k;
      continue;
    }
    for (size_t i = 0; i < got.size(); i += 4) {
      float g, e;
      std::memcpy(&g, &got[i], 4);
      std::memcpy(&e, &want[i], 4);
      EXPECT_NEAR(g, e, 1e-5f * std::max(1.0f, std::fabs(e))) << name << " sample " << k << " element " << i / 4;
    }
  }
}

TEST(FullyConnectedConformance, HelloWorldInt8) { run_conformance("hello_world_int8", false); }
TEST(FullyConnectedConformance, HelloWorldFloat) { run_conformance("hello_world_float", true); }
TEST(FullyConnectedConformance, Ad01Int8) { run_conformance("ad01_int8", false); }
TEST(FullyConnectedConformance, Ad01Float) { run_conformance("ad01_fp32", true); }

}  // namespace
}  // namespace mote
