// SOFTMAX: parameters computed at prepare, results derived by hand from the reference arithmetic,
// every quantized variant against a double-precision softmax, several rows and odd depths, the
// int16 tables, the float kernel, and prepare-time validation through the op.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "runtime/kernels/fixedpoint.h"
#include "runtime/kernels/softmax.h"
#include "runtime/op.h"
#include "tests/support/op_harness.h"
#include "tests/support/quant_reference.h"

namespace mote {
namespace {

using testing::eval_op;
using testing::OptionsTable;
using testing::prepare_op;
using testing::PreparedOp;
using testing::round_half_away;
using testing::tensor_info;

// Softmax of one row in double: exp(beta * scale * (x - max)) / sum.
template <typename T>
std::vector<double> softmax_double(const T* x, int depth, double beta_scale) {
  const double mx = *std::max_element(x, x + depth);
  std::vector<double> p(depth);
  double sum = 0;
  for (int c = 0; c < depth; ++c) sum += (p[c] = std::exp(beta_scale * (x[c] - mx)));
  for (double& v : p) v /= sum;
  return p;
}

// ---- int8 parameters ----------------------------------------------------------------------

TEST(SoftmaxS8Params, ScaleOneBetaOne) {
  SoftmaxS8Params p;
  ASSERT_TRUE(softmax_s8_params(1.0f, 1.0f, &p));
  // 1 * 1 * 2^26 = 0.5 * 2^27: multiplier 2^30, left shift 27. Radius floor(31 * 2^26 / 2^27) = 15.
  EXPECT_EQ(p.input_multiplier, 1 << 30);
  EXPECT_EQ(p.input_left_shift, 27);
  EXPECT_EQ(p.diff_min, -15);
}

TEST(SoftmaxS8Params, TypicalScaleAndLimits) {
  SoftmaxS8Params p;
  ASSERT_TRUE(softmax_s8_params(1.0f, 0.0625f, &p));  // 2^22 = 0.5 * 2^23
  EXPECT_EQ(p.input_multiplier, 1 << 30);
  EXPECT_EQ(p.input_left_shift, 23);
  EXPECT_EQ(p.diff_min, -248);                       // floor(31 * 2^26 / 2^23)
  ASSERT_TRUE(softmax_s8_params(2.0f, 0.1f, &p));    // beta enters the multiplier
  EXPECT_NEAR(std::ldexp(static_cast<double>(p.input_multiplier), p.input_left_shift - 31),
              2.0 * static_cast<double>(0.1f) * 67108864.0, 1.0);
  // beta * scale * 2^26 <= 1 is refused (the reference requires a multiplier above one).
  EXPECT_FALSE(softmax_s8_params(1.0f, 1e-8f, &p));
  EXPECT_FALSE(softmax_s8_params(0.0f, 0.1f, &p));
  // Huge scales cap the multiplier at 2^31 - 1: shift 31 and diff_min 0 (only maxima count).
  ASSERT_TRUE(softmax_s8_params(1.0f, 1000.0f, &p));
  EXPECT_EQ(p.input_multiplier, INT32_MAX);
  EXPECT_EQ(p.input_left_shift, 31);
  EXPECT_EQ(p.diff_min, 0);
}

// ---- int8 values derived by hand ----------------------------------------------------------

TEST(SoftmaxS8, EqualInputsSplitEvenly) {
  SoftmaxS8Params p;
  ASSERT_TRUE(softmax_s8_params(1.0f, 0.1f, &p));
  // Four equal inputs: each exp is 1.0 (INT32_MAX), each adds round(INT32_MAX / 2^12) = 2^19 to the
  // Q12 sum, so the sum is 2^21 = 4.0: 2 bits over unit, fraction 0, reciprocal ~1.0. The output
  // shift is 2 + 31 - 8 = 25: 2^31 / 2^25 = 64, minus 128 = -64 (0.25 in 1/256 steps).
  const int8_t four[4] = {7, 7, 7, 7};
  int8_t out[4];
  softmax_s8(p, 1, 4, four, out);
  for (int8_t v : out) EXPECT_EQ(v, -64);
  // One element: probability 1.0 = 256 steps, one past the int8 range: saturates to 127.
  const int8_t one = -100;
  int8_t o1 = 0;
  softmax_s8(p, 1, 1, &one, &o1);
  EXPECT_EQ(o1, 127);
  // int16 output: shift 2 + 31 - 16 = 17, 2^31 / 2^17 = 16384, minus 32768.
  int16_t out16[4];
  softmax_s8_s16(p, 1, 4, four, out16);
  for (int16_t v : out16) EXPECT_EQ(v, -16384);
  int16_t two16[2];
  softmax_s8_s16(p, 1, 2, four, two16);
  EXPECT_EQ(two16[0], 0);  // 0.5 * 65536 - 32768
  EXPECT_EQ(two16[1], 0);
}

TEST(SoftmaxS8, FarBelowMaximumIsExactlyZero) {
  SoftmaxS8Params p;
  ASSERT_TRUE(softmax_s8_params(1.0f, 1.0f, &p));  // diff_min -15
  const int8_t in[2] = {127, -128};                // difference -255 < diff_min: skipped
  int8_t out[2];
  softmax_s8(p, 1, 2, in, out);
  EXPECT_EQ(out[0], 127);
  EXPECT_EQ(out[1], -128);
  // Capped multiplier (diff_min 0): only the two maxima share the mass, 0.5 each -> 0.
  ASSERT_TRUE(softmax_s8_params(1.0f, 1000.0f, &p));
  const int8_t three[3] = {5, 4, 5};
  int8_t o3[3];
  softmax_s8(p, 1, 3, three, o3);
  EXPECT_EQ(o3[0], 0);
  EXPECT_EQ(o3[1], -128);
  EXPECT_EQ(o3[2], 0);
}

// ---- int8 against double --------------------------------------------------------------------

TEST(SoftmaxS8, RandomRowsWithinOneStepOfDouble) {
  std::mt19937 rng(11);
  const int depths[] = {1, 2, 3, 7, 10, 12, 33, 100, 257};
  for (int trial = 0; trial < 300; ++trial) {
    const int depth = depths[trial % 9];
    const int rows = 1 + trial % 4;
    const float scale = std::ldexp(1.0f + (rng() % 1000) / 1000.0f, -static_cast<int>(rng() % 7) - 1);
    const float beta = trial % 3 == 0 ? 1.0f : 0.25f + (rng() % 4000) / 1000.0f;
    SoftmaxS8Params p;
    ASSERT_TRUE(softmax_s8_params(beta, scale, &p));
    std::vector<int8_t> in(rows * depth), out(rows * depth);
    std::vector<int16_t> out16(rows * depth);
    const int spread = 1 + static_cast<int>(rng() % 256);
    for (int8_t& v : in) v = static_cast<int8_t>(127 - static_cast<int>(rng() % spread));
    softmax_s8(p, rows, depth, in.data(), out.data());
    softmax_s8_s16(p, rows, depth, in.data(), out16.data());
    for (int r = 0; r < rows; ++r) {
      const std::vector<double> prob =
          softmax_double(in.data() + r * depth, depth, static_cast<double>(beta) * static_cast<double>(scale));
      for (int c = 0; c < depth; ++c) {
        const double want = std::min(127.0, round_half_away(prob[c] * 256) - 128);
        const double want16 = std::min(32767.0, round_half_away(prob[c] * 65536) - 32768);
        ASSERT_NEAR(out[r * depth + c], want, 1) << "trial " << trial << " row " << r << " col " << c;
        ASSERT_NEAR(out16[r * depth + c], want16, 1) << "trial " << trial << " row " << r << " col " << c;
      }
    }
  }
}

// ---- int16 ----------------------------------------------------------------------------------

TEST(SoftmaxS16, TablesHoldDerivedValues) {
  int16_t exp_lut[kLutS16Size], recip_lut[kLutS16Size];
  softmax_s16_tables(exp_lut, recip_lut);
  // Outputs are in 2/65535 steps, so 1.0 -> 32768 -> saturated to 32767.
  EXPECT_EQ(exp_lut[512], 32767);    // exp(0)
  // exp(-10) * 32768 = 1.49 -> 1, but the segment midpoint (1.50 -> 2) lies one above the
  // interpolated 1, so the sample is biased by round(-1 / 2) = -1: 2.
  EXPECT_EQ(exp_lut[0], 2);
  EXPECT_EQ(recip_lut[0], 32767);    // 1 / (1 + 0)
  EXPECT_EQ(recip_lut[256], 21845);  // 1 / 1.5 = 0.6667 -> 21845.3
  EXPECT_EQ(recip_lut[512], 16384);  // 1 / 2
  for (int i = 1; i < kLutS16Size; ++i) {
    EXPECT_GE(exp_lut[i], exp_lut[i - 1]) << i;
    EXPECT_LE(recip_lut[i], recip_lut[i - 1]) << i;
    // Rounding (1/2 step) plus the midpoint bias (at most one step).
    const double x = -10.0 + 10.0 * i / 512;  // exp table: [-10, 0]
    EXPECT_NEAR(exp_lut[i], std::min(32767.0, 32768 * std::exp(x)), 1.5) << i;
    EXPECT_NEAR(recip_lut[i], std::min(32767.0, 32768 / (1.0 + i / 512.0)), 1.5) << i;
  }
}

struct S16Fixture {
  int16_t exp_lut[kLutS16Size];
  int16_t recip_lut[kLutS16Size];
  S16Fixture() { softmax_s16_tables(exp_lut, recip_lut); }
};

TEST(SoftmaxS16, HandComputedValues) {
  S16Fixture t;
  SoftmaxS16Params p;
  softmax_s16_params(1.0f, 1.0f / 4096, &p);
  // (1/4096) / (10/65535) = 1.59998 = 0.79999 * 2^1.
  EXPECT_EQ(p.input_shift, 1);
  EXPECT_NEAR(std::ldexp(static_cast<double>(p.input_multiplier), -31) * 2, 65535.0 / 40960.0, 1e-9);
  // One element: exp 32767, sum 32767 -> normalised 131068 -> recentred 32764 -> 1/(1+x) about
  // 16385 -> (32767 * 16385 + 2^13) >> 14 = 32769 -> clamped to 32767.
  const int16_t one = 1234;
  int16_t o1 = 0;
  softmax_s16(p, t.exp_lut, t.recip_lut, 1, 1, &one, &o1);
  EXPECT_EQ(o1, 32767);
  // Two equal: sum 65534 (16 leading zeros) -> ((65534 << 15) + 2^13) >> 14 = 131068 -> 32764;
  // the recip table's last segment runs 16400 -> 16384: 16400 + ((-16 * 124 + 64) >> 7) = 16385;
  // (32767 * 16385 + 2^14) >> 15 = 16384 = one half.
  const int16_t two[2] = {-7, -7};
  int16_t o2[2];
  softmax_s16(p, t.exp_lut, t.recip_lut, 1, 2, two, o2);
  EXPECT_EQ(t.recip_lut[511], 16400);
  EXPECT_EQ(o2[0], 16384);
  EXPECT_EQ(o2[1], 16384);
}

TEST(SoftmaxS16, RandomRowsWithinThreeStepsOfDouble) {
  S16Fixture t;
  std::mt19937 rng(12);
  const int depths[] = {1, 2, 5, 9, 16, 31, 100};
  for (int trial = 0; trial < 300; ++trial) {
    const int depth = depths[trial % 7];
    const int rows = 1 + trial % 3;
    const float scale = std::ldexp(1.0f + (rng() % 1000) / 1000.0f, -static_cast<int>(rng() % 8) - 9);
    const float beta = trial % 2 ? 1.0f : 0.5f + (rng() % 3000) / 1000.0f;
    SoftmaxS16Params p;
    softmax_s16_params(beta, scale, &p);
    // Keep every scaled difference inside the exp table's [-10, 0].
    const int span = std::min(65535, static_cast<int>(9.9 / (static_cast<double>(beta) * scale)));
    std::vector<int16_t> in(rows * depth), out(rows * depth);
    for (int r = 0; r < rows; ++r) {
      const int top = static_cast<int>(rng() % 65536) - 32768;
      for (int c = 0; c < depth; ++c)
        in[r * depth + c] = static_cast<int16_t>(std::max(-32768, top - static_cast<int>(rng() % (span + 1))));
    }
    softmax_s16(p, t.exp_lut, t.recip_lut, rows, depth, in.data(), out.data());
    for (int r = 0; r < rows; ++r) {
      const std::vector<double> prob =
          softmax_double(in.data() + r * depth, depth, static_cast<double>(beta) * static_cast<double>(scale));
      for (int c = 0; c < depth; ++c) {
        const double want = std::min(32767.0, round_half_away(prob[c] * 32768));
        ASSERT_NEAR(out[r * depth + c], want, 3) << "trial " << trial << " row " << r << " col " << c;
      }
    }
  }
}

TEST(SoftmaxS16, DifferencesBeyondTableEndCountAsTableEnd) {
  // The reference treats exp(-10) as negligible: anything below reads the table's first entry (2 in
  // 1/32768 steps). With one maximum and n - 1 far-away elements the maximum gets about
  // 32767 * 32768 / (32767 + 2 (n - 1)) and the others about 2 * 32768 / that sum.
  S16Fixture t;
  SoftmaxS16Params p;
  softmax_s16_params(1.0f, 0.01f, &p);  // every difference of 1000+ steps is below -10
  for (int n : {2, 9, 40}) {
    std::vector<int16_t> in(n, -20000), out(n);
    in[n / 2] = 20000;
    softmax_s16(p, t.exp_lut, t.recip_lut, 1, n, in.data(), out.data());
    const double sum = 32767.0 + 2.0 * (n - 1);
    EXPECT_NEAR(out[n / 2], std::min(32767.0, 32767.0 * 32768 / sum), 2) << n;
    for (int c = 0; c < n; ++c) {
      if (c != n / 2) {
        EXPECT_NEAR(out[c], 2.0 * 32768 / sum, 1) << n;
      }
    }
  }
}

// ---- float ----------------------------------------------------------------------------------

TEST(SoftmaxF32, MatchesDoubleWithBeta) {
  std::mt19937 rng(13);
  for (float beta : {1.0f, 0.5f, 2.5f}) {
    const int rows = 3, depth = 11;
    std::vector<float> in(rows * depth), out(rows * depth);
    for (float& v : in) v = std::uniform_real_distribution<float>(-8.0f, 8.0f)(rng);
    softmax_f32(beta, rows, depth, in.data(), out.data());
    for (int r = 0; r < rows; ++r) {
      const std::vector<double> prob = softmax_double(in.data() + r * depth, depth, beta);
      double sum = 0;
      for (int c = 0; c < depth; ++c) {
        EXPECT_NEAR(out[r * depth + c], prob[c], 1e-6 * prob[c] + 1e-9);
        sum += out[r * depth + c];
      }
      EXPECT_NEAR(sum, 1.0, 1e-5);
    }
  }
  // Equal inputs: exactly 1/4 each (exp(0) = 1, sum 4).
  const float eq[4] = {3.0f, 3.0f, 3.0f, 3.0f};
  float o[4];
  softmax_f32(1.0f, 1, 4, eq, o);
  for (float v : o) EXPECT_EQ(v, 0.25f);
}

// ---- op ----------------------------------------------------------------------------------------

TEST(SoftmaxOp, Int8ValidatesOutputQuantization) {
  const TensorInfo in = tensor_info(TensorType::kInt8, {2, 10}, 0.1f, 3, 0);
  const OptionsTable beta = OptionsTable::with_float(0, 1.0f);
  const TensorInfo out = tensor_info(TensorType::kInt8, {2, 10}, 1.0f / 256, -128, 1);
  PreparedOp p = prepare_op(op_softmax(), BuiltinOp::SOFTMAX, in, out, beta);
  ASSERT_EQ(p.status, Status::kOk) << p.err.message;
  const TensorInfo wrong_scale = tensor_info(TensorType::kInt8, {2, 10}, 1.0f / 255, -128, 1);
  PreparedOp q = prepare_op(op_softmax(), BuiltinOp::SOFTMAX, in, wrong_scale, beta);
  EXPECT_EQ(q.status, Status::kInvalidModel);
  EXPECT_NE(std::string(q.err.message).find("scale"), std::string::npos) << q.err.message;
  const TensorInfo wrong_zp = tensor_info(TensorType::kInt8, {2, 10}, 1.0f / 256, 0, 1);
  EXPECT_EQ(prepare_op(op_softmax(), BuiltinOp::SOFTMAX, in, wrong_zp, beta).status, Status::kInvalidModel);
  // No options: beta 0, and the int8 path needs beta * scale * 2^26 > 1.
  EXPECT_EQ(prepare_op(op_softmax(), BuiltinOp::SOFTMAX, in, out).status, Status::kInvalidModel);
  // Last dimensions must agree.
  const TensorInfo other_shape = tensor_info(TensorType::kInt8, {4, 5}, 1.0f / 256, -128, 1);
  EXPECT_EQ(prepare_op(op_softmax(), BuiltinOp::SOFTMAX, in, other_shape, beta).status, Status::kInvalidModel);
  // int16 -> int8 does not exist.
  const TensorInfo in16 = tensor_info(TensorType::kInt16, {2, 10}, 0.001f, 0, 0);
  EXPECT_EQ(prepare_op(op_softmax(), BuiltinOp::SOFTMAX, in16, out, beta).status, Status::kUnsupported);
}

TEST(SoftmaxOp, Int8EvalUsesBetaOption) {
  const TensorInfo in = tensor_info(TensorType::kInt8, {3, 5}, 0.05f, 0, 0);
  const TensorInfo out = tensor_info(TensorType::kInt8, {3, 5}, 1.0f / 256, -128, 1);
  const OptionsTable beta = OptionsTable::with_float(0, 2.0f);
  PreparedOp p = prepare_op(op_softmax(), BuiltinOp::SOFTMAX, in, out, beta);
  ASSERT_EQ(p.status, Status::kOk) << p.err.message;
  EXPECT_EQ(p.persistent, 36u);
  std::vector<int8_t> x(15), y(15), want(15);
  for (int i = 0; i < 15; ++i) x[i] = static_cast<int8_t>(i * 17 - 120);
  eval_op(op_softmax(), p, x.data(), y.data());
  SoftmaxS8Params sp;
  ASSERT_TRUE(softmax_s8_params(2.0f, 0.05f, &sp));
  softmax_s8(sp, 3, 5, x.data(), want.data());
  EXPECT_EQ(y, want);
  for (int r = 0; r < 3; ++r) {
    const std::vector<double> prob = softmax_double(x.data() + 5 * r, 5, 0.1);
    for (int c = 0; c < 5; ++c) EXPECT_NEAR(y[5 * r + c], std::min(127.0, round_half_away(256 * prob[c]) - 128), 1);
  }
}

TEST(SoftmaxOp, Int16KeepsTablesInOpData) {
  const TensorInfo in = tensor_info(TensorType::kInt16, {1, 7}, 0.002f, 0, 0);
  const TensorInfo out = tensor_info(TensorType::kInt16, {1, 7}, 1.0f / 32768, 0, 1);
  const OptionsTable beta = OptionsTable::with_float(0, 1.0f);
  PreparedOp p = prepare_op(op_softmax(), BuiltinOp::SOFTMAX, in, out, beta);
  ASSERT_EQ(p.status, Status::kOk) << p.err.message;
  EXPECT_EQ(p.persistent, 36u + 2 * kLutS16Size * sizeof(int16_t));
  const int16_t x[7] = {0, -100, 500, 499, -3000, 32767, 32000};
  int16_t y[7], want[7];
  eval_op(op_softmax(), p, x, y);
  S16Fixture t;
  SoftmaxS16Params sp;
  softmax_s16_params(1.0f, 0.002f, &sp);
  softmax_s16(sp, t.exp_lut, t.recip_lut, 1, 7, x, want);
  EXPECT_EQ(std::vector<int16_t>(y, y + 7), std::vector<int16_t>(want, want + 7));
  const TensorInfo out_zp = tensor_info(TensorType::kInt16, {1, 7}, 1.0f / 32768, 5, 1);
  EXPECT_EQ(prepare_op(op_softmax(), BuiltinOp::SOFTMAX, in, out_zp, beta).status, Status::kInvalidModel);
  const TensorInfo out_scale = tensor_info(TensorType::kInt16, {1, 7}, 1.0f / 32000, 0, 1);
  EXPECT_EQ(prepare_op(op_softmax(), BuiltinOp::SOFTMAX, in, out_scale, beta).status, Status::kInvalidModel);
  // Scale within 0.1% of 1/32768 is accepted, as by the reference.
  const TensorInfo out_near = tensor_info(TensorType::kInt16, {1, 7}, 1.0005f / 32768, 0, 1);
  EXPECT_EQ(prepare_op(op_softmax(), BuiltinOp::SOFTMAX, in, out_near, beta).status, Status::kOk);
}

TEST(SoftmaxOp, Int8ToInt16AndFloat) {
  const OptionsTable beta = OptionsTable::with_float(0, 1.0f);
  const TensorInfo in = tensor_info(TensorType::kInt8, {2, 3}, 0.25f, 0, 0);
  const TensorInfo out = tensor_info(TensorType::kInt16, {2, 3}, 1.0f / 65536, -32768, 1);
  PreparedOp p = prepare_op(op_softmax(), BuiltinOp::SOFTMAX, in, out, beta);
  ASSERT_EQ(p.status, Status::kOk) << p.err.message;
  const int8_t x[6] = {4, 4, 4, 0, 0, 0};
  int16_t y[6];
  eval_op(op_softmax(), p, x, y);
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(y[i], 65536.0 / 3 - 32768, 1);
  const TensorInfo bad = tensor_info(TensorType::kInt16, {2, 3}, 1.0f / 65536, 0, 1);
  EXPECT_EQ(prepare_op(op_softmax(), BuiltinOp::SOFTMAX, in, bad, beta).status, Status::kInvalidModel);

  const TensorInfo fin = tensor_info(TensorType::kFloat32, {2, 3});
  const TensorInfo fout = tensor_info(TensorType::kFloat32, {2, 3}, 0.0f, 0, 1);
  PreparedOp f = prepare_op(op_softmax(), BuiltinOp::SOFTMAX, fin, fout, beta);
  ASSERT_EQ(f.status, Status::kOk);
  const float fx[6] = {1.0f, 2.0f, 3.0f, 0.0f, 0.0f, 0.0f};
  float fy[6];
  eval_op(op_softmax(), f, fx, fy);
  const std::vector<double> prob = softmax_double(fx, 3, 1.0);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(fy[c], prob[c], 1e-6);
  for (int c = 3; c < 6; ++c) EXPECT_NEAR(fy[c], 1.0 / 3, 1e-6);
  EXPECT_EQ(prepare_op(op_softmax(), BuiltinOp::SOFTMAX, fin, out, beta).status, Status::kUnsupported);
}

}  // namespace
}  // namespace mote
