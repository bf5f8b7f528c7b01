// AVERAGE_POOL_2D / MAX_POOL_2D: the pooling kernels against a naive reference written here,
// hand-computed roundings, and both ops through the interpreter (SAME/VALID, stride 2, odd
// channel counts, batches, every fused activation, validation messages).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "runtime/kernels/pooling.h"
#include "runtime/kernels/quant.h"
#include "tests/support/model_builder.h"
#include "tests/support/op_test_util.h"
#include "tests/support/run_model.h"

namespace mote {
namespace {

using testing::bytes_of;
using testing::ModelBuilder;
using testing::Options;
using testing::Quant;
using testing::random_floats;
using testing::random_ints;
using testing::RunResult;
using testing::values_of;

// ---------------------------------------------------------------------------------------------
// Naive reference: one output element at a time, every window tap tested against the borders.

struct Geo {
  int n, h, w, c, fh, fw, sh, sw;
  bool same;
  int oh() const { return same ? (h + sh - 1) / sh : (h - fh + sh) / sh; }
  int ow() const { return same ? (w + sw - 1) / sw : (w - fw + sw) / sw; }
  int pad_top() const { return std::max(0, ((oh() - 1) * sh + fh - h)) / 2; }
  int pad_left() const { return std::max(0, ((ow() - 1) * sw + fw - w)) / 2; }
  PoolParams params() const {
    PoolParams p;
    p.batches = n;
    p.input_h = h;
    p.input_w = w;
    p.depth = c;
    p.output_h = oh();
    p.output_w = ow();
    p.filter_h = fh;
    p.filter_w = fw;
    p.stride_h = sh;
    p.stride_w = sw;
    p.pad_top = pad_top();
    p.pad_left = pad_left();
    return p;
  }
};

// Integer average with round-half-away-from-zero done in double, max as the largest valid tap.
template <typename T>
std::vector<T> ref_pool_int(const Geo& g, const std::vector<T>& in, bool avg, int lo, int hi) {
  std::vector<T> out;
  for (int b = 0; b < g.n; ++b)
    for (int oy = 0; oy < g.oh(); ++oy)
      for (int ox = 0; ox < g.ow(); ++ox)
        for (int ch = 0; ch < g.c; ++ch) {
          int64_t sum = 0, count = 0;
          int best = std::numeric_limits<T>::min();
          for (int fy = 0; fy < g.fh; ++fy)
            for (int fx = 0; fx < g.fw; ++fx) {
              const int y = oy * g.sh - g.pad_top() + fy, x = ox * g.sw - g.pad_left() + fx;
              if (y < 0 || y >= g.h || x < 0 || x >= g.w) continue;
              const int v = in[((b * g.h + y) * g.w + x) * g.c + ch];
              sum += v;
              ++count;
              best = std::max(best, v);
            }
          long v = avg ? std::lround(static_cast<double>(sum) / static_cast<double>(count)) : best;
          v = std::min<long>(std::max<long>(v, lo), hi);
          out.push_back(static_cast<T>(v));
        }
  return out;
}

std::vector<float> ref_pool_f32(const Geo& g, const std::vector<float>& in, bool avg, float lo, float hi) {
  std::vector<float> out;
  for (int b = 0; b < g.n; ++b)
    for (int oy = 0; oy < g.oh(); ++oy)
      for (int ox = 0; ox < g.ow(); ++ox)
        for (int ch = 0; ch < g.c; ++ch) {
          float sum = 0.0f, count = 0.0f, best = std::numeric_limits<float>::lowest();
          for (int fy = 0; fy < g.fh; ++fy)
            for (int fx = 0; fx < g.fw; ++fx) {
              const int y = oy * g.sh - g.pad_top() + fy, x = ox * g.sw - g.pad_left() + fx;
              if (y < 0 || y >= g.h || x < 0 || x >= g.w) continue;
              const float v = in[((b * g.h + y) * g.w + x) * g.c + ch];
              sum += v;
              count += 1.0f;
              best = std::max(best, v);
            }
          const float v = avg ? sum / count : best;
          out.push_back(std::min(std::max(v, lo), hi));
        }
  return out;
}

const Geo kGeos[] = {
    // n  h  w   c  fh fw sh sw same
    {2, 7, 5, 3, 3, 3, 2, 2, true},    // SAME, stride 2, odd sizes: border windows lose taps
    {1, 8, 8, 67, 2, 2, 2, 2, false},  // VALID, more channels than one accumulation block
    {2, 6, 9, 1, 3, 2, 1, 2, true},    // one channel, mixed strides
    {1, 10, 5, 5, 4, 3, 3, 1, false},  // VALID with leftover rows
    {1, 25, 5, 7, 25, 5, 25, 5, false},  // global pool as in the KWS model
    {3, 4, 4, 130, 4, 4, 1, 1, true},  // SAME with window larger than the stride, 3 blocks
};

// ---------------------------------------------------------------------------------------------
// Kernels.

TEST(PoolingKernel, AverageS8HandComputedRounding) {
  // 1x2x2x1 input, 2x2 SAME stride 1 window: output (0,0) sees all four, (1,1) only itself.
  const int8_t in[4] = {1, 2, 2, -6};
  Geo g{1, 2, 2, 1, 2, 2, 1, 1, true};
  PoolParams p = g.params();
  p.act_min = -128;
  p.act_max = 127;
  int8_t out[4] = {};
  average_pool_s8(p, in, out);
  // (1+2+2-6)/4 = -0.25 -> 0; (2-6)/2 = -2; (2-6)/2 = -2; -6.
  EXPECT_EQ(out[0], 0);
  EXPECT_EQ(out[1], -2);
  EXPECT_EQ(out[2], -2);
  EXPECT_EQ(out[3], -6);
  const int8_t in2[4] = {1, 2, -1, -2};
  average_pool_s8(p, in2, out);
  // 0/4 = 0; (2-2)/2 = 0; (-1-2)/2 = -1.5 -> -2 (away from zero); -2.
  EXPECT_EQ(out[0], 0);
  EXPECT_EQ(out[1], 0);
  EXPECT_EQ(out[2], -2);
  EXPECT_EQ(out[3], -2);
  const int8_t in3[4] = {1, 2, 2, 5};
  average_pool_s8(p, in3, out);
  // 10/4 = 2.5 -> 3; 7/2 = 3.5 -> 4; 7/2 -> 4; 5.
  EXPECT_EQ(out[0], 3);
  EXPECT_EQ(out[1], 4);
  EXPECT_EQ(out[2], 4);
  EXPECT_EQ(out[3], 5);
}

TEST(PoolingKernel, MaxS8HandComputedWithClamp) {
  const int8_t in[8] = {1, -5, 7, -9, -3, 2, 0, -1};  // 1x2x2x2
  Geo g{1, 2, 2, 2, 2, 2, 2, 2, false};
  PoolParams p = g.params();
  p.act_min = -4;
  p.act_max = 5;
  int8_t out[2] = {};
  max_pool_s8(p, in, out);
  EXPECT_EQ(out[0], 5);   // max(1, 7, -3, 0) = 7, clamped to 5
  EXPECT_EQ(out[1], 2);   // max(-5, -9, 2, -1)
}

TEST(PoolingKernel, IntegerVariantsMatchReference) {
  std::mt19937 rng(17);
  const int lows[4] = {-128, -20, -60, 0}, highs[4] = {127, 127, 40, 90};
  int k = 0;
  for (const Geo& g : kGeos) {
    const size_t n = static_cast<size_t>(g.n) * g.h * g.w * g.c;
    const size_t m = static_cast<size_t>(g.n) * g.oh() * g.ow() * g.c;
    PoolParams p = g.params();
    const int act = k++ % 4;  // none / relu / relu_n1_to_1 / relu6 shaped clamps
    auto in8 = random_ints<int8_t>(rng, n);
    p.act_min = lows[act];
    p.act_max = highs[act];
    std::vector<int8_t> out8(m);
    average_pool_s8(p, in8.data(), out8.data());
    EXPECT_EQ(out8, ref_pool_int(g, in8, true, lows[act], highs[act])) << "avg s8 geo " << k;
    max_pool_s8(p, in8.data(), out8.data());
    EXPECT_EQ(out8, ref_pool_int(g, in8, false, lows[act], highs[act])) << "max s8 geo " << k;

    auto in16 = random_ints<int16_t>(rng, n);
    p.act_min = act == 0 ? -32768 : lows[act] * 200;
    p.act_max = act == 0 ? 32767 : highs[act] * 200;
    std::vector<int16_t> out16(m);
    average_pool_s16(p, in16.data(), out16.data());
    EXPECT_EQ(out16, ref_pool_int(g, in16, true, p.act_min, p.act_max)) << "avg s16 geo " << k;
    max_pool_s16(p, in16.data(), out16.data());
    EXPECT_EQ(out16, ref_pool_int(g, in16, false, p.act_min, p.act_max)) << "max s16 geo " << k;
  }
}

TEST(PoolingKernel, FloatVariantsMatchReferenceBitForBit) {
  std::mt19937 rng(23);
  int k = 0;
  for (const Geo& g : kGeos) {
    const size_t n = static_cast<size_t>(g.n) * g.h * g.w * g.c;
    std::vector<float> in = random_floats(rng, n, -10.0f, 10.0f);
    PoolParams p = g.params();
    activation_range_float(static_cast<uint8_t>(k++ % 4), &p.act_min_f, &p.act_max_f);
    std::vector<float> out(static_cast<size_t>(g.n) * g.oh() * g.ow() * g.c);
    average_pool_f32(p, in.data(), out.data());
    EXPECT_EQ(out, ref_pool_f32(g, in, true, p.act_min_f, p.act_max_f)) << "avg geo " << k;
    max_pool_f32(p, in.data(), out.data());
    EXPECT_EQ(out, ref_pool_f32(g, in, false, p.act_min_f, p.act_max_f)) << "max geo " << k;
  }
}

// ---------------------------------------------------------------------------------------------
// The ops through the interpreter.

// Runs a model with only the two pooling ops registered on one input.
template <typename T>
RunResult run_pool(const std::vector<uint8_t>& model, const std::vector<T>& input) {
  return testing::run_model(model, {bytes_of(input)}, {op_average_pool_2d(), op_max_pool_2d()});
}

RunResult prepare_pool(const std::vector<uint8_t>& model) {
  return testing::prepare_model(model, {op_average_pool_2d(), op_max_pool_2d()});
}

std::vector<uint8_t> build(BuiltinOp op, TensorType type, const Geo& g, Activation act, Quant qin, Quant qout,
                           std::vector<int32_t> out_shape = {}) {
  ModelBuilder b;
  int in = b.add_tensor(type, {g.n, g.h, g.w, g.c}, qin);
  if (out_shape.empty()) out_shape = {g.n, g.oh(), g.ow(), g.c};
  int out = b.add_tensor(type, out_shape, qout);
  b.add_op(op, {in}, {out},
           Options::pool2d(g.same ? Padding::kSame : Padding::kValid, g.sw, g.sh, g.fw, g.fh, act));
  b.set_inputs({in});
  b.set_outputs({out});
  return b.finish();
}

TEST(PoolingOp, Int8EveryActivationSameAndValidStride2) {
  std::mt19937 rng(31);
  // Output scale 0.05, zero point -10: relu -> [-10, 127], relu_n1_to_1 -> [-30, 10],
  // relu6 -> [-10, 110].
  const struct {
    Activation act;
    int lo, hi;
  } acts[] = {{Activation::kNone, -128, 127},
              {Activation::kRelu, -10, 127},
              {Activation::kReluN1To1, -30, 10},
              {Activation::kRelu6, -10, 110}};
  for (bool same : {true, false}) {
    Geo g{2, 9, 7, 5, 3, 3, 2, 2, same};
    auto in = random_ints<int8_t>(rng, static_cast<size_t>(g.n) * g.h * g.w * g.c);
    for (const auto& a : acts) {
      for (BuiltinOp op : {BuiltinOp::AVERAGE_POOL_2D, BuiltinOp::MAX_POOL_2D}) {
        const RunResult r = run_pool(build(op, TensorType::kInt8, g, a.act, Quant(0.05f, -10), Quant(0.05f, -10)), in);
        ASSERT_EQ(r.status, Status::kOk) << r.message;
        EXPECT_EQ(values_of<int8_t>(r.output()), ref_pool_int(g, in, op == BuiltinOp::AVERAGE_POOL_2D, a.lo, a.hi))
            << "same " << same << " act " << static_cast<int>(a.act) << " op " << static_cast<int>(op);
      }
    }
  }
}

TEST(PoolingOp, Int16AndFloat) {
  std::mt19937 rng(37);
  Geo g{1, 6, 6, 3, 2, 3, 2, 1, true};
  auto in16 = random_ints<int16_t>(rng, static_cast<size_t>(g.n) * g.h * g.w * g.c);
  for (BuiltinOp op : {BuiltinOp::AVERAGE_POOL_2D, BuiltinOp::MAX_POOL_2D}) {
    const RunResult r =
        run_pool(build(op, TensorType::kInt16, g, Activation::kRelu, Quant(0.001f, 0), Quant(0.001f, 0)), in16);
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    EXPECT_EQ(values_of<int16_t>(r.output()), ref_pool_int(g, in16, op == BuiltinOp::AVERAGE_POOL_2D, 0, 32767));
  }
  std::vector<float> inf = random_floats(rng, static_cast<size_t>(g.n) * g.h * g.w * g.c, -8.0f, 8.0f);
  for (BuiltinOp op : {BuiltinOp::AVERAGE_POOL_2D, BuiltinOp::MAX_POOL_2D}) {
    const RunResult r = run_pool(build(op, TensorType::kFloat32, g, Activation::kRelu6, Quant(), Quant()), inf);
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    EXPECT_EQ(values_of<float>(r.output()), ref_pool_f32(g, inf, op == BuiltinOp::AVERAGE_POOL_2D, 0.0f, 6.0f));
  }
}

TEST(PoolingOp, RejectsWrongOutputShapeNamingBothShapes) {
  Geo g{1, 8, 8, 4, 2, 2, 2, 2, true};
  const RunResult r = prepare_pool(build(BuiltinOp::MAX_POOL_2D, TensorType::kInt8, g, Activation::kNone,
                                         Quant(0.1f, 0), Quant(0.1f, 0), {1, 3, 4, 4}));
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("[1,3,4,4]"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("[1,4,4,4]"), std::string::npos) << r.message;
}

TEST(PoolingOp, RejectsDifferentQuantizationAndMissingOptions) {
  Geo g{1, 4, 4, 2, 2, 2, 2, 2, false};
  {
    const RunResult r = prepare_pool(
        build(BuiltinOp::AVERAGE_POOL_2D, TensorType::kInt8, g, Activation::kNone, Quant(0.1f, 0), Quant(0.2f, 0)));
    EXPECT_EQ(r.status, Status::kInvalidModel);
    EXPECT_NE(r.message.find("share quantization"), std::string::npos) << r.message;
  }
  {
    const RunResult r = prepare_pool(
        build(BuiltinOp::AVERAGE_POOL_2D, TensorType::kInt8, g, Activation::kNone, Quant(0.1f, 0), Quant(0.1f, 1)));
    EXPECT_EQ(r.status, Status::kInvalidModel);
  }
  {
    ModelBuilder b;
    int in = b.add_tensor(TensorType::kFloat32, {1, 4, 4, 2});
    int out = b.add_tensor(TensorType::kFloat32, {1, 2, 2, 2});
    b.add_op(BuiltinOp::MAX_POOL_2D, {in}, {out}, Options::none());
    b.set_inputs({in});
    b.set_outputs({out});
    const RunResult r = prepare_pool(b.finish());
    EXPECT_EQ(r.status, Status::kInvalidModel);
    EXPECT_NE(r.message.find("Pool2DOptions"), std::string::npos) << r.message;
  }
}

}  // namespace
}  // namespace mote
