// ADD, SUB, MUL: broadcasting plans, kernels against hand-computed values and against a naive
// implementation written here (index arithmetic per output element, int64 fixed point, double
// sanity bounds), prepare-time validation, and the seanet int16 ADD/SUB models end to end.
#include "runtime/kernels/elementwise.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "runtime/op.h"
#include "tests/support/op_harness.h"
#include "tests/support/op_test_util.h"
#include "tests/support/quant_reference.h"
#include "tests/support/run_model.h"
#include "tests/support/test_support.h"

namespace mote {
namespace {

using testing::dims_of;
using testing::for_each_index;
using testing::OpHarness;
using testing::OptionsTable;
using testing::random_ints;
using testing::ref_quantize_multiplier;
using testing::ref_rescale32;
using testing::shape_of;
using testing::tensor_info;

// ---- naive references ---------------------------------------------------------------------------

// Index into an input of shape `in` for output multi-index `idx` (of shape `out`), NumPy rules.
int64_t broadcast_index(const Shape& in, const Shape& out, const std::vector<int32_t>& idx) {
  int64_t flat = 0;
  for (int32_t d = 0; d < in.rank; ++d) {
    const int32_t od = d + (out.rank - in.rank);
    const int32_t i = in.dims[d] == 1 ? 0 : idx[od];
    flat = flat * in.dims[d] + i;
  }
  return flat;
}

struct QTensor {
  float scale;
  int32_t zp;
};

int32_t ref_act_quant(int act, float scale, int32_t zp, int32_t qmin, int32_t qmax, bool hi) {
  auto q = [&](float f) { return zp + static_cast<int32_t>(std::round(f / scale)); };
  int32_t lo = qmin, up = qmax;
  if (act == 1) lo = std::max(qmin, q(0.0f));
  if (act == 2) lo = std::max(qmin, q(-1.0f)), up = std::min(qmax, q(1.0f));
  if (act == 3) lo = std::max(qmin, q(0.0f)), up = std::min(qmax, q(6.0f));
  return hi ? up : lo;
}

enum class Kind { kAdd, kSub, kMul };

// TensorFlow Lite Micro's quantized ADD/SUB/MUL arithmetic, written out per element.
template <typename T>
std::vector<T> ref_quant(Kind kind, const Shape& sa, const std::vector<T>& a, QTensor qa, const Shape& sb,
                         const std::vector<T>& b, QTensor qb, const Shape& so, QTensor qo, int act) {
  const bool s16 = sizeof(T) == 2;
  const int32_t qmin = s16 ? -32768 : -128, qmax = s16 ? 32767 : 127;
  const int32_t lo = ref_act_quant(act, qo.scale, qo.zp, qmin, qmax, false);
  const int32_t hi = ref_act_quant(act, qo.scale, qo.zp, qmin, qmax, true);
  int32_t m1 = 0, m2 = 0, mo = 0;
  int e1 = 0, e2 = 0, eo = 0;
  const int left = s16 ? 15 : 20;
  if (kind == Kind::kAdd) {
    const double twice = 2.0 * std::max(qa.scale, qb.scale);
    ref_quantize_multiplier(qa.scale / twice, &m1, &e1);
    ref_quantize_multiplier(qb.scale / twice, &m2, &e2);
    ref_quantize_multiplier(twice / ((1 << left) * static_cast<double>(qo.scale)), &mo, &eo);
  } else if (kind == Kind::kSub) {
    const float twice = 2.0f * std::max(qa.scale, qb.scale);
    ref_quantize_multiplier(static_cast<double>(qa.scale / twice), &m1, &e1);
    ref_quantize_multiplier(static_cast<double>(qb.scale / twice), &m2, &e2);
    ref_quantize_multiplier(static_cast<double>(twice / ((1 << left) * qo.scale)), &mo, &eo);
  } else {
    ref_quantize_multiplier(static_cast<double>(qa.scale) * qb.scale / qo.scale, &mo, &eo);
  }
  std::vector<T> out(so.elements());
  for_each_index(dims_of(so), [&](int64_t k, const std::vector<int32_t>& idx) {
    const int32_t x = a[broadcast_index(sa, so, idx)] - qa.zp;
    const int32_t y = b[broadcast_index(sb, so, idx)] - qb.zp;
    int32_t r;
    if (kind == Kind::kMul) {
      r = ref_rescale32(x * y, mo, eo) + qo.zp;
    } else {
      const int32_t sx = ref_rescale32(x * (1 << left), m1, e1);
      const int32_t sy = ref_rescale32(y * (1 << left), m2, e2);
      r = ref_rescale32(kind == Kind::kAdd ? sx + sy : sx - sy, mo, eo) + qo.zp;
    }
    out[k] = static_cast<T>(std::min(hi, std::max(lo, r)));
  });
  return out;
}

template <typename T, typename F>
std::vector<T> ref_plain(const Shape& sa, const std::vector<T>& a, const Shape& sb, const std::vector<T>& b,
                         const Shape& so, F f) {
  std::vector<T> out(so.elements());
  for_each_index(dims_of(so), [&](int64_t k, const std::vector<int32_t>& idx) {
    out[k] = f(a[broadcast_index(sa, so, idx)], b[broadcast_index(sb, so, idx)]);
  });
  return out;
}

const OpRegistration* reg_for(Kind k) { return k == Kind::kAdd ? op_add() : k == Kind::kSub ? op_sub() : op_mul(); }

// Prepares and runs one binary op on the given data.
template <typename T>
std::vector<T> run_binary(Kind kind, TensorType type, std::vector<int32_t> da, const std::vector<T>& a, QTensor qa,
                          std::vector<int32_t> db, const std::vector<T>& b, QTensor qb, std::vector<int32_t> dout,
                          QTensor qo, int act) {
  OpHarness h(reg_for(kind));
  h.inputs = {tensor_info(type, da, qa.scale, qa.zp, 0), tensor_info(type, db, qb.scale, qb.zp, 1)};
  h.outputs = {tensor_info(type, dout, qo.scale, qo.zp, 2)};
  h.options = OptionsTable({{0, act}});
  Status s = h.prepare();
  EXPECT_EQ(s, Status::kOk) << h.err.message;
  std::vector<T> out(shape_of(dout).elements(), T{});
  if (s != Status::kOk) return out;
  EXPECT_EQ(h.eval({a.data(), b.data()}, {out.data()}), Status::kOk);
  return out;
}

const std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>> kShapePairs = {
    {{2, 3, 4}, {2, 3, 4}},                    // no broadcast
    {{2, 3, 4}, {4}},                          // row vector
    {{4}, {2, 3, 4}},                          // row vector first
    {{1}, {2, 3, 5}},                          // scalar as [1]
    {{}, {3, 5}},                              // rank-0 scalar
    {{3, 7}, {}},                              // rank-0 scalar second
    {{3, 1}, {1, 4}},                          // outer product
    {{2, 1, 5}, {1, 3, 1}},                    // mixed
    {{2, 3, 1, 5, 1}, {1, 3, 4, 1, 2}},        // 5-D
    {{2, 1, 2, 1, 3, 1}, {1, 2, 1, 2, 1, 3}},  // 6-D alternating
    {{1, 2, 12, 64}, {64}},                    // seanet SUB pattern
    {{3, 1, 1}, {3, 5, 7}},                    // batch broadcast, odd sizes
};

Shape broadcast_of(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  Shape s;
  EXPECT_TRUE(broadcast_shapes(shape_of(a), shape_of(b), &s));
  return s;
}

// ---- broadcasting plans --------------------------------------------------------------------------

TEST(Broadcast, ShapesFollowNumpyRules) {
  Shape s;
  ASSERT_TRUE(broadcast_shapes(shape_of({2, 1, 5}), shape_of({3, 1}), &s));
  EXPECT_EQ(s, shape_of({2, 3, 5}));
  ASSERT_TRUE(broadcast_shapes(shape_of({}), shape_of({4}), &s));
  EXPECT_EQ(s, shape_of({4}));
  EXPECT_FALSE(broadcast_shapes(shape_of({2, 3}), shape_of({4, 3}), &s));
  EXPECT_FALSE(broadcast_shapes(shape_of({3}), shape_of({2}), &s));
}

TEST(Broadcast, PlanFusesDimensions) {
  BroadcastLoop loop;
  plan_broadcast(shape_of({1, 2, 12, 64}), shape_of({64}), shape_of({1, 2, 12, 64}), &loop);
  ASSERT_EQ(loop.rank, 2);
  EXPECT_EQ(loop.extent[0], 24);
  EXPECT_EQ(loop.extent[1], 64);
  EXPECT_EQ(loop.stride1[0], 64);
  EXPECT_EQ(loop.stride2[0], 0);  // the vector restarts every row
  EXPECT_EQ(loop.stride1[1], 1);
  EXPECT_EQ(loop.stride2[1], 1);

  plan_broadcast(shape_of({2, 3, 4}), shape_of({2, 3, 4}), shape_of({2, 3, 4}), &loop);
  ASSERT_EQ(loop.rank, 1);
  EXPECT_EQ(loop.extent[0], 24);

  plan_broadcast(shape_of({}), shape_of({}), shape_of({}), &loop);
  ASSERT_EQ(loop.rank, 1);
  EXPECT_EQ(loop.extent[0], 1);

  plan_broadcast(shape_of({3, 1}), shape_of({1, 4}), shape_of({3, 4}), &loop);
  ASSERT_EQ(loop.rank, 2);
  EXPECT_EQ(loop.stride1[0], 1);
  EXPECT_EQ(loop.stride2[0], 0);
  EXPECT_EQ(loop.stride1[1], 0);
  EXPECT_EQ(loop.stride2[1], 1);
}

TEST(Broadcast, FormatShape) {
  char buf[32];
  format_shape(shape_of({1, 20, 3}), buf, sizeof(buf));
  EXPECT_STREQ(buf, "[1,20,3]");
  format_shape(shape_of({}), buf, sizeof(buf));
  EXPECT_STREQ(buf, "[]");
  char tiny[5];
  format_shape(shape_of({1234, 5}), tiny, sizeof(tiny));
  EXPECT_STREQ(tiny, "[123");
}

// ---- float32 ---------------------------------------------------------------------------------

TEST(AddFloat, HandComputedWithEveryActivation) {
  const std::vector<float> a = {-3.0f, -0.5f, 0.25f, 2.0f, 7.5f};
  const std::vector<float> b = {1.0f, -1.0f, 0.5f, 5.0f, 0.0f};
  const std::vector<std::vector<float>> want = {
      {-2.0f, -1.5f, 0.75f, 7.0f, 7.5f},  // none
      {0.0f, 0.0f, 0.75f, 7.0f, 7.5f},    // relu
      {-1.0f, -1.0f, 0.75f, 1.0f, 1.0f},  // relu_n1_to_1
      {0.0f, 0.0f, 0.75f, 6.0f, 6.0f},    // relu6
  };
  for (int act = 0; act < 4; ++act) {
    auto got = run_binary<float>(Kind::kAdd, TensorType::kFloat32, {5}, a, {}, {5}, b, {}, {5}, {}, act);
    EXPECT_EQ(got, want[act]) << "activation " << act;
  }
}

TEST(SubMulFloat, HandComputed) {
  auto sub =
      run_binary<float>(Kind::kSub, TensorType::kFloat32, {2, 2}, {1, 2, 3, 4}, {}, {2}, {10, 20}, {}, {2, 2}, {}, 0);
  EXPECT_EQ(sub, (std::vector<float>{-9, -18, -7, -16}));
  auto mul =
      run_binary<float>(Kind::kMul, TensorType::kFloat32, {2, 1}, {2, -3}, {}, {1, 3}, {1, 2, 3}, {}, {2, 3}, {}, 3);
  EXPECT_EQ(mul, (std::vector<float>{2, 4, 6, 0, 0, 0}));
}

TEST(AddFloat, OutputRankBelowInputRank) {
  // [1, 1, 3] + [3] written to a [3] output: leading ones may be dropped.
  auto got = run_binary<float>(Kind::kAdd, TensorType::kFloat32, {1, 1, 3}, {1, 2, 3}, {}, {3}, {10, 20, 30}, {}, {3},
                               {}, 0);
  EXPECT_EQ(got, (std::vector<float>{11, 22, 33}));
}

TEST(BinaryFloat, BroadcastShapesMatchNaive) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-4.0f, 4.0f);
  for (auto& [da, db] : kShapePairs) {
    const Shape so = broadcast_of(da, db);
    std::vector<float> a(shape_of(da).elements()), b(shape_of(db).elements());
    for (auto& x : a) x = dist(rng);
    for (auto& x : b) x = dist(rng);
    for (int act = 0; act < 4; ++act) {
      float lo = -3.4e38f, hi = 3.4e38f;
      if (act == 1) lo = 0.0f;
      if (act == 2) lo = -1.0f, hi = 1.0f;
      if (act == 3) lo = 0.0f, hi = 6.0f;
      auto clamp = [&](float v) { return std::min(hi, std::max(lo, v)); };
      const Shape sa = shape_of(da), sb = shape_of(db);
      EXPECT_EQ(run_binary<float>(Kind::kAdd, TensorType::kFloat32, da, a, {}, db, b, {}, dims_of(so), {}, act),
                ref_plain<float>(sa, a, sb, b, so, [&](float x, float y) { return clamp(x + y); }));
      EXPECT_EQ(run_binary<float>(Kind::kSub, TensorType::kFloat32, da, a, {}, db, b, {}, dims_of(so), {}, act),
                ref_plain<float>(sa, a, sb, b, so, [&](float x, float y) { return clamp(x - y); }));
      EXPECT_EQ(run_binary<float>(Kind::kMul, TensorType::kFloat32, da, a, {}, db, b, {}, dims_of(so), {}, act),
                ref_plain<float>(sa, a, sb, b, so, [&](float x, float y) { return clamp(x * y); }));
    }
  }
}

// ---- int32 -------------------------------------------------------------------------------------

TEST(BinaryInt32, WrapsAndClampsLikeTheReference) {
  const std::vector<int32_t> a = {INT32_MAX, -5, 7, 3};
  const std::vector<int32_t> b = {1, 2, -9, 4};
  // ADD: the reference applies no activation to int32, even when one is fused.
  auto add = run_binary<int32_t>(Kind::kAdd, TensorType::kInt32, {4}, a, {}, {4}, b, {}, {4}, {}, 1);
  EXPECT_EQ(add, (std::vector<int32_t>{INT32_MIN, -3, -2, 7}));
  // SUB and MUL clamp to the activation range.
  auto sub = run_binary<int32_t>(Kind::kSub, TensorType::kInt32, {4}, a, {}, {4}, b, {}, {4}, {}, 3);
  EXPECT_EQ(sub, (std::vector<int32_t>{6, 0, 6, 0}));
  auto mul = run_binary<int32_t>(Kind::kMul, TensorType::kInt32, {4}, a, {}, {1}, {2}, {}, {4}, {}, 0);
  EXPECT_EQ(mul, (std::vector<int32_t>{-2, -10, 14, 6}));
  auto mul_relu = run_binary<int32_t>(Kind::kMul, TensorType::kInt32, {4}, a, {}, {4}, b, {}, {4}, {}, 1);
  EXPECT_EQ(mul_relu, (std::vector<int32_t>{INT32_MAX, 0, 0, 12}));
}

// ---- quantized ------------------------------------------------------------------------------------

TEST(AddInt8, HandComputed) {
  // All scales 0.5, zero point 0: q values add exactly; saturation at 127 / -128.
  auto got = run_binary<int8_t>(Kind::kAdd, TensorType::kInt8, {5}, {3, -4, 100, -100, 0}, {0.5f, 0}, {5},
                                {4, 1, 100, -100, 0}, {0.5f, 0}, {5}, {0.5f, 0}, 0);
  EXPECT_EQ(got, (std::vector<int8_t>{7, -3, 127, -128, 0}));
  // Output scale 1.0 with zero point 10: (3+4)*0.5 = 3.5 -> round 4 -> 14; -2 * 0.5 -> -1 -> 9.
  got = run_binary<int8_t>(Kind::kAdd, TensorType::kInt8, {2}, {3, -1}, {0.5f, 0}, {2}, {4, -1}, {0.5f, 0}, {2},
                           {1.0f, 10}, 0);
  EXPECT_EQ(got, (std::vector<int8_t>{14, 9}));
  // RELU with zero point 10: nothing below 10.
  got = run_binary<int8_t>(Kind::kAdd, TensorType::kInt8, {2}, {-60, 20}, {0.5f, 0}, {2}, {-60, 20}, {0.5f, 0}, {2},
                           {1.0f, 10}, 1);
  EXPECT_EQ(got, (std::vector<int8_t>{10, 30}));
}

TEST(MulInt8, HandComputed) {
  // 0.5*q1 * 0.25*q2 / 0.125 = q1*q2; zero points shift inputs.
  auto got = run_binary<int8_t>(Kind::kMul, TensorType::kInt8, {4}, {2, 5, 20, -20}, {0.5f, 1}, {4}, {3, -2, 20, 20},
                                {0.25f, -1}, {4}, {0.125f, 0}, 0);
  EXPECT_EQ(got, (std::vector<int8_t>{4, -4, 127, -128}));
}

template <typename T>
void check_quant_against_naive(Kind kind, TensorType type, uint32_t seed) {
  std::mt19937 rng(seed);
  const bool s16 = sizeof(T) == 2;
  const int32_t qmin = s16 ? -32768 : -128, qmax = s16 ? 32767 : 127;
  std::uniform_real_distribution<float> sdist(0.001f, 0.05f);
  std::uniform_int_distribution<int32_t> zdist(s16 || kind == Kind::kMul ? 0 : -20, s16 || kind == Kind::kMul ? 0 : 20);
  int checked = 0;
  for (auto& [da, db] : kShapePairs) {
    const Shape so = broadcast_of(da, db);
    for (int act = 0; act < 4; ++act) {
      QTensor qa{sdist(rng), zdist(rng)}, qb{sdist(rng), zdist(rng)}, qo{sdist(rng) * 2, zdist(rng)};
      if (kind == Kind::kMul && !s16) qa.zp = zdist(rng) + 3, qb.zp = -5;  // int8 MUL takes any zero point
      auto a = random_ints<T>(rng, shape_of(da).elements(), qmin, qmax);
      auto b = random_ints<T>(rng, shape_of(db).elements(), qmin, qmax);
      auto got = run_binary<T>(kind, type, da, a, qa, db, b, qb, dims_of(so), qo, act);
      auto want = ref_quant<T>(kind, shape_of(da), a, qa, shape_of(db), b, qb, so, qo, act);
      ASSERT_EQ(got, want) << "shapes " << ::testing::PrintToString(da) << " " << ::testing::PrintToString(db)
                           << " act " << act;
      // Independent sanity: the dequantized result is within 1 LSB of the real-valued result.
      std::vector<T> loose = ref_plain<T>(shape_of(da), a, shape_of(db), b, so, [&](T x, T y) {
        const double rx = (x - qa.zp) * double{qa.scale}, ry = (y - qb.zp) * double{qb.scale};
        const double r = kind == Kind::kAdd ? rx + ry : kind == Kind::kSub ? rx - ry : rx * ry;
        double q = std::round(r / qo.scale) + qo.zp;
        q = std::min<double>(ref_act_quant(act, qo.scale, qo.zp, qmin, qmax, true),
                             std::max<double>(ref_act_quant(act, qo.scale, qo.zp, qmin, qmax, false), q));
        return static_cast<T>(q);
      });
      for (size_t i = 0; i < got.size(); ++i) ASSERT_LE(std::abs(int{got[i]} - int{loose[i]}), 1) << i;
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(kShapePairs.size()) * 4);
}

TEST(AddInt8, MatchesNaiveOnBroadcastShapesAndActivations) {
  check_quant_against_naive<int8_t>(Kind::kAdd, TensorType::kInt8, 1);
}
TEST(SubInt8, MatchesNaiveOnBroadcastShapesAndActivations) {
  check_quant_against_naive<int8_t>(Kind::kSub, TensorType::kInt8, 2);
}
TEST(MulInt8, MatchesNaiveOnBroadcastShapesAndActivations) {
  check_quant_against_naive<int8_t>(Kind::kMul, TensorType::kInt8, 3);
}
TEST(AddInt16, MatchesNaiveOnBroadcastShapesAndActivations) {
  check_quant_against_naive<int16_t>(Kind::kAdd, TensorType::kInt16, 4);
}
TEST(SubInt16, MatchesNaiveOnBroadcastShapesAndActivations) {
  check_quant_against_naive<int16_t>(Kind::kSub, TensorType::kInt16, 5);
}
TEST(MulInt16, MatchesNaiveOnBroadcastShapesAndActivations) {
  check_quant_against_naive<int16_t>(Kind::kMul, TensorType::kInt16, 6);
}

TEST(AddSubInt8, EveryInputPairMatchesNaive) {
  // All 256 x 256 value pairs, for scales that make exact rounding ties (powers of two) and
  // awkward ones, with extreme zero points and every activation.
  std::vector<int8_t> a(65536), b(65536);
  for (int i = 0; i < 65536; ++i) {
    a[i] = static_cast<int8_t>(i >> 8);
    b[i] = static_cast<int8_t>(i & 255);
  }
  const QTensor cases[][3] = {
      {{0.5f, 0}, {0.25f, 0}, {1.0f, 0}},
      {{0.125f, -128}, {0.125f, 127}, {0.0625f, 5}},
      {{0.0123f, 17}, {0.0457f, -9}, {0.0311f, -100}},
      {{0.7f, 127}, {0.0001f, -128}, {0.5f, 127}},
  };
  for (const auto& c : cases) {
    for (Kind kind : {Kind::kAdd, Kind::kSub}) {
      for (int act = 0; act < 4; ++act) {
        auto got = run_binary<int8_t>(kind, TensorType::kInt8, {256, 256}, a, c[0], {256, 256}, b, c[1], {256, 256},
                                      c[2], act);
        auto want = ref_quant<int8_t>(kind, shape_of({256, 256}), a, c[0], shape_of({256, 256}), b, c[1],
                                      shape_of({256, 256}), c[2], act);
        ASSERT_EQ(got, want) << "scales " << c[0].scale << " " << c[1].scale << " " << c[2].scale << " act " << act;
      }
    }
  }
}

TEST(AddSubInt16, ExtremeValuesMatchNaive) {
  std::vector<int16_t> a = {-32768, -32768, 32767, 32767, 0, 1, -1, 12345, -12345, 16384};
  std::vector<int16_t> b = {-32768, 32767, -32768, 32767, 0, -1, 1, -12345, 12345, 16384};
  const QTensor cases[][3] = {
      {{1.0f / 32768, 0}, {1.0f / 32768, 0}, {1.0f / 32768, 0}},
      {{0.001f, 0}, {0.00003f, 0}, {0.0007f, 0}},
      {{0.5f, 0}, {0.5f, 0}, {2.0f, 0}},
  };
  for (const auto& c : cases) {
    for (Kind kind : {Kind::kAdd, Kind::kSub, Kind::kMul}) {
      auto got = run_binary<int16_t>(kind, TensorType::kInt16, {10}, a, c[0], {10}, b, c[1], {10}, c[2], 0);
      auto want = ref_quant<int16_t>(kind, shape_of({10}), a, c[0], shape_of({10}), b, c[1], shape_of({10}), c[2], 0);
      ASSERT_EQ(got, want) << "kind " << static_cast<int>(kind) << " scale " << c[0].scale;
    }
  }
}

TEST(SubInt8, SaturatesBothWays) {
  auto got = run_binary<int8_t>(Kind::kSub, TensorType::kInt8, {3}, {127, -128, 5}, {1.0f, 0}, {3}, {-128, 127, 5},
                                {1.0f, 0}, {3}, {1.0f, 0}, 0);
  EXPECT_EQ(got, (std::vector<int8_t>{127, -128, 0}));
}

TEST(SubVsAdd, MultipliersUseDifferentPrecision) {
  // SUB computes its scale ratios in float, ADD in double; both must match the naive versions,
  // which encode those choices, for awkward scales.
  AddSubQuantParams add, sub;
  const float s1 = 0.0009693715837784111f, s2 = 8.709842404641677e-06f, so = 0.0005941494018770754f;
  ASSERT_TRUE(add_quant_params(s1, 0, s2, 0, so, 0, true, &add));
  ASSERT_TRUE(sub_quant_params(s1, 0, s2, 0, so, 0, true, &sub));
  int32_t m;
  int e;
  ref_quantize_multiplier(static_cast<double>(s2) / (2.0 * s1), &m, &e);
  EXPECT_EQ(add.input2_multiplier, m);
  EXPECT_EQ(add.input2_shift, e);
  ref_quantize_multiplier(static_cast<double>(s2 / (2.0f * s1)), &m, &e);
  EXPECT_EQ(sub.input2_multiplier, m);
  EXPECT_EQ(sub.input2_shift, e);
  EXPECT_EQ(add.left_shift, 15);
}

TEST(AddInt8, InPlaceOutputAliasingInput) {
  std::vector<int8_t> a = {1, 2, 3, 4, 5, 6}, b = {10, 20, 30, 40, 50, 60};
  OpHarness h(op_add());
  h.inputs = {tensor_info(TensorType::kInt8, {6}, 0.5f, 0, 0), tensor_info(TensorType::kInt8, {6}, 0.5f, 0, 1)};
  h.outputs = {tensor_info(TensorType::kInt8, {6}, 0.5f, 0, 2)};
  ASSERT_EQ(h.prepare(), Status::kOk) << h.err.message;
  ASSERT_EQ(h.eval({a.data(), b.data()}, {a.data()}), Status::kOk);
  EXPECT_EQ(a, (std::vector<int8_t>{11, 22, 33, 44, 55, 66}));
}

TEST(AddInt8, OptionsAbsentMeansNoActivation) {
  OpHarness h(op_add());
  h.inputs = {tensor_info(TensorType::kInt8, {2}, 1.0f, 0, 0), tensor_info(TensorType::kInt8, {2}, 1.0f, 0, 1)};
  h.outputs = {tensor_info(TensorType::kInt8, {2}, 1.0f, 0, 2)};
  ASSERT_EQ(h.prepare(), Status::kOk) << h.err.message;
  std::vector<int8_t> a = {-5, 5}, b = {-6, 6}, out(2);
  ASSERT_EQ(h.eval({a.data(), b.data()}, {out.data()}), Status::kOk);
  EXPECT_EQ(out, (std::vector<int8_t>{-11, 11}));
}

// ---- prepare errors ----------------------------------------------------------------------------

Status prepare_binary(const OpRegistration* reg, TensorInfo a, TensorInfo b, TensorInfo out, int act,
                      std::string* msg) {
  OpHarness h(reg);
  h.inputs = {a, b};
  h.outputs = {out};
  h.options = OptionsTable({{0, act}});
  Status s = h.prepare();
  *msg = h.err.message;
  return s;
}

TEST(BinaryPrepare, RejectsBadModels) {
  std::string msg;
  auto f = [](std::vector<int32_t> d, int32_t idx) { return tensor_info(TensorType::kFloat32, d, 0, 0, idx); };
  EXPECT_EQ(prepare_binary(op_add(), f({2, 3}, 0), f({4, 3}, 1), f({2, 3}, 2), 0, &msg), Status::kInvalidModel);
  EXPECT_NE(msg.find("[2,3]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[4,3]"), std::string::npos) << msg;
  EXPECT_EQ(prepare_binary(op_sub(), f({2, 3}, 0), f({3}, 1), f({3, 3}, 2), 0, &msg), Status::kInvalidModel);
  EXPECT_NE(msg.find("[3,3]"), std::string::npos) << msg;
  EXPECT_EQ(prepare_binary(op_mul(), f({2}, 0), tensor_info(TensorType::kInt32, {2}, 0, 0, 1), f({2}, 2), 0, &msg),
            Status::kInvalidModel);
  EXPECT_EQ(prepare_binary(op_add(), f({2}, 0), f({2}, 1), f({2}, 2), 4, &msg), Status::kUnsupported);  // TANH
  EXPECT_EQ(
      prepare_binary(op_add(), tensor_info(TensorType::kUInt8, {2}, 1, 0), tensor_info(TensorType::kUInt8, {2}, 1, 0),
                     tensor_info(TensorType::kUInt8, {2}, 1, 0), 0, &msg),
      Status::kUnsupported);
  // Quantized tensors without a scale, with a zero point out of range, int16 MUL with a zero point.
  EXPECT_EQ(prepare_binary(op_add(), tensor_info(TensorType::kInt8, {2}), tensor_info(TensorType::kInt8, {2}, 1, 0),
                           tensor_info(TensorType::kInt8, {2}, 1, 0), 0, &msg),
            Status::kInvalidModel);
  EXPECT_EQ(
      prepare_binary(op_add(), tensor_info(TensorType::kInt8, {2}, 1, 200), tensor_info(TensorType::kInt8, {2}, 1, 0),
                     tensor_info(TensorType::kInt8, {2}, 1, 0), 0, &msg),
      Status::kInvalidModel);
  EXPECT_EQ(
      prepare_binary(op_mul(), tensor_info(TensorType::kInt16, {2}, 1, 3), tensor_info(TensorType::kInt16, {2}, 1, 0),
                     tensor_info(TensorType::kInt16, {2}, 1, 0), 0, &msg),
      Status::kInvalidModel);
  // An output scale so small that the ADD output multiplier is >= 1.
  EXPECT_EQ(prepare_binary(op_add(), tensor_info(TensorType::kInt8, {2}, 1.0f, 0),
                           tensor_info(TensorType::kInt8, {2}, 1.0f, 0), tensor_info(TensorType::kInt8, {2}, 1e-9f, 0),
                           0, &msg),
            Status::kInvalidModel);
  // Leading ones in the output are fine.
  EXPECT_EQ(prepare_binary(op_add(), f({3}, 0), f({3}, 1), f({1, 1, 3}, 2), 0, &msg), Status::kOk) << msg;
}

// ---- seanet int16 models end to end ---------------------------------------------------------------

TEST(Seanet, AddInt16CasesMatchTflm) {
  if (testing::shared_dir().empty()) GTEST_SKIP() << "../shared/conformance not found";
  EXPECT_GT(testing::check_seanet_cases("add", {op_add(), op_sub()}), 0);
}
TEST(Seanet, SubInt16CasesMatchTflm) {
  if (testing::shared_dir().empty()) GTEST_SKIP() << "../shared/conformance not found";
  EXPECT_GT(testing::check_seanet_cases("sub", {op_add(), op_sub()}), 0);
}

}  // namespace
}  // namespace mote
