// RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH and the Q-format fixed-point math under them
// (fixedpoint.h): values derived by hand from the reference arithmetic, saturation at the int8 /
// int16 limits, every int8 and int16 input against an independent double-precision reference, the
// float kernels, prepare-time validation through the ops, and the seanet int16 LEAKY_RELU models end
// to end through the interpreter.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "runtime/kernels/activations.h"
#include "runtime/kernels/fixedpoint.h"
#include "runtime/op.h"
#include "tests/support/op_harness.h"
#include "tests/support/quant_reference.h"
#include "tests/support/run_model.h"
#include "tests/support/test_support.h"

namespace mote {
namespace {

using testing::eval_op;
using testing::OptionsTable;
using testing::prepare_op;
using testing::PreparedOp;
using testing::round_half_away;
using testing::tensor_info;

int32_t clamp_to(double v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : static_cast<int32_t>(v)); }
double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

std::vector<int8_t> all_int8() {
  std::vector<int8_t> v(256);
  for (int i = 0; i < 256; ++i) v[i] = static_cast<int8_t>(i - 128);
  return v;
}
std::vector<int16_t> all_int16() {
  std::vector<int16_t> v(65536);
  for (int i = 0; i < 65536; ++i) v[i] = static_cast<int16_t>(i - 32768);
  return v;
}

// ---- fixed point ---------------------------------------------------------------------------

double q_to_double(int32_t raw, int integer_bits) { return std::ldexp(static_cast<double>(raw), integer_bits - 31); }
int32_t double_to_q(double v, int integer_bits) { return static_cast<int32_t>(std::llround(std::ldexp(v, 31 - integer_bits))); }

TEST(FixedPoint, ArithmeticPrimitives) {
  EXPECT_EQ(fx_mul(1 << 30, 1 << 30), 1 << 29);             // 0.5 * 0.5 = 0.25 in Q0
  EXPECT_EQ(fx_mul(INT32_MIN, INT32_MIN), INT32_MAX);        // -1 * -1 saturates
  EXPECT_EQ(fx_mul_pot(3, -1), 2);                           // 1.5 rounds away from zero
  EXPECT_EQ(fx_mul_pot(-3, -1), -2);
  EXPECT_EQ(fx_mul_pot(5, -2), 1);                           // 1.25 -> 1
  EXPECT_EQ(fx_mul_pot(1 << 29, 1), 1 << 30);
  EXPECT_EQ(fx_mul_pot(1 << 30, 1), INT32_MAX);              // saturates
  EXPECT_EQ(fx_mul_pot(-(1 << 30), 1), INT32_MIN);
  EXPECT_EQ(fx_rounding_half_sum(0, INT32_MAX), 1 << 30);    // (2^31 - 1 + 1) / 2
  EXPECT_EQ(fx_rounding_half_sum(-3, 0), -2);
  EXPECT_EQ(fx_add(INT32_MAX, 1), INT32_MIN);                // wraps like the reference
}

TEST(FixedPoint, ExpOnNegativeValuesMatchesExp) {
  EXPECT_EQ(fx_exp_on_negative_values<5>(0), INT32_MAX);
  EXPECT_EQ(fx_exp_on_negative_values<0>(0), INT32_MAX);
  std::mt19937 rng(1);
  double worst5 = 0, worst0 = 0, worst12 = 0;
  for (int i = 0; i < 200000; ++i) {
    const int32_t a5 = -static_cast<int32_t>(rng() & 0x7FFFFFFF);  // [-32, 0] in Q5
    worst5 = std::max(worst5, std::fabs(q_to_double(fx_exp_on_negative_values<5>(a5), 0) - std::exp(q_to_double(a5, 5))));
    const int32_t a0 = -static_cast<int32_t>(rng() & 0x7FFFFFFF);  // [-1, 0] in Q0
    worst0 = std::max(worst0, std::fabs(q_to_double(fx_exp_on_negative_values<0>(a0), 0) - std::exp(q_to_double(a0, 0))));
    const int32_t a12 = -static_cast<int32_t>(rng() & 0x7FFFFFFF);  // [-4096, 0]: below -32 flushes to 0
    const double want12 = q_to_double(a12, 12) < -32.0 ? 0.0 : std::exp(q_to_double(a12, 12));
    worst12 = std::max(worst12, std::fabs(q_to_double(fx_exp_on_negative_values<12>(a12), 0) - want12));
  }
  // The 4th-order series on [-1/4, 0) leaves about (1/8)^5 / 5! = 2.5e-7 (one wrong constant
  // would cost 1e-3 or more).
  EXPECT_LT(worst5, 3e-7);
  EXPECT_LT(worst0, 3e-7);
  EXPECT_LT(worst12, 3e-7);
  // Barrel shifter: exp(-1.25) = exp(-1/4) * exp(-1) with the series at -1/4 (remainder bit 0 of
  // the quarters set); exp(-31.75) uses the factors for 16, 8, 4, 2, 1, 1/2 and 1/4.
  EXPECT_NEAR(q_to_double(fx_exp_on_negative_values<5>(double_to_q(-1.25, 5)), 0), std::exp(-1.25), 3e-7);
  EXPECT_NEAR(q_to_double(fx_exp_on_negative_values<5>(double_to_q(-31.75, 5)), 0), std::exp(-31.75), 1e-9);
  EXPECT_EQ(fx_exp_on_negative_values<5>(double_to_q(-31.75, 5)), 0);  // below 2^-31: rounds to 0
}

TEST(FixedPoint, ReciprocalTanhLogisticMatchLibm) {
  double worst_recip = 0, worst_omx = 0, worst_tanh = 0, worst_logistic = 0;
  std::mt19937 rng(2);
  for (int i = 0; i < 200000; ++i) {
    const int32_t a = static_cast<int32_t>(rng() & 0x7FFFFFFF);  // [0, 1)
    const double x = q_to_double(a, 0);
    worst_recip = std::max(worst_recip, std::fabs(q_to_double(fx_one_over_one_plus_x(a), 0) - 1.0 / (1.0 + x)));
    worst_omx = std::max(worst_omx, std::fabs(q_to_double(fx_one_minus_x_over_one_plus_x(a), 0) - (1.0 - x) / (1.0 + x)));
    const int32_t b = static_cast<int32_t>(rng());  // [-16, 16) in Q4
    const double y = q_to_double(b, 4);
    worst_tanh = std::max(worst_tanh, std::fabs(q_to_double(fx_tanh<4>(b), 0) - std::tanh(y)));
    worst_logistic = std::max(worst_logistic, std::fabs(q_to_double(fx_logistic<4>(b), 0) - sigmoid(y)));
  }
  EXPECT_LT(worst_recip, 1e-8);   // three Newton steps: quadratic convergence to Q0 precision
  EXPECT_LT(worst_omx, 1e-8);
  EXPECT_LT(worst_tanh, 3e-7);     // inherits exp()'s series error
  EXPECT_LT(worst_logistic, 3e-7);
  EXPECT_EQ(fx_tanh<4>(0), 0);
  EXPECT_EQ(fx_logistic<4>(0), 1 << 30);  // exactly one half
  // Odd / complementary symmetry holds exactly (the negative side is derived from the positive).
  for (int32_t v : {1, 12345, 1 << 20, 1 << 27, INT32_MAX}) {
    EXPECT_EQ(fx_tanh<4>(-v), -fx_tanh<4>(v));
    EXPECT_EQ(fx_logistic<4>(-v), INT32_MAX - fx_logistic<4>(v));
  }
}

TEST(FixedPoint, LookupTableInterpolates) {
  // A table of the identity over int16 (samples every 128): lookups return the input exactly.
  int16_t lut[kLutS16Size];
  for (int i = 0; i < kLutS16Size; ++i) lut[i] = static_cast<int16_t>(std::min(32767, -32768 + 128 * i));
  for (int v : {-32768, -1000, -1, 0, 1, 77, 32640, 32700}) EXPECT_EQ(lut_lookup_s16(static_cast<int16_t>(v), lut), v);
  // 32767 sits in the last segment, whose end point is clamped to 32767 (slope 127 / 128).
  EXPECT_EQ(lut_lookup_s16(32767, lut), 32640 + ((127 * 127 + 64) >> 7));
}

// The table is generated (tools/gen_sigmoid_table.py); recompute every entry from the same
// formula: f(i) + (f(i) - (f(i - 1/2) + f(i + 1/2)) / 2) / 2, f(x) = 65536 sigmoid(x / 24),
// rounded half up; the last entry is the saturated 65535.
TEST(FixedPoint, SigmoidTableMatchesItsGenerator) {
  auto f = [](double x) { return 65536.0 / (1.0 + std::exp(-x / 24.0)); };
  for (int i = 0; i < 255; ++i) {
    const double v = f(i) + (f(i) - (f(i - 0.5) + f(i + 0.5)) / 2.0) / 2.0;
    EXPECT_EQ(kSigmoidQ16Table[i], std::min(65535, static_cast<int>(std::floor(v + 0.5)))) << i;
  }
  EXPECT_EQ(kSigmoidQ16Table[255], 65535);
}

TEST(FixedPoint, SigmoidTableIsSigmoidOverTwentyFour) {
  EXPECT_EQ(kSigmoidQ16Table[0], 32768);
  EXPECT_EQ(kSigmoidQ16Table[255], 65535);
  for (int i = 0; i < 256; ++i) {
    EXPECT_NEAR(kSigmoidQ16Table[i], 65536.0 * sigmoid(i / 24.0), 1.2) << i;
    if (i > 0) {
      EXPECT_GE(kSigmoidQ16Table[i], kSigmoidQ16Table[i - 1]) << i;
    }
  }
}

// ---- LOGISTIC / TANH int8 -------------------------------------------------------------------

TEST(SigmoidS8, ParamsForScaleOneSixteenth) {
  SigmoidS8Params p;
  ASSERT_TRUE(sigmoid_s8_params(1.0f / 16, 3, &p));
  // 2^-4 * 2^27 = 2^23 = 0.5 * 2^24: multiplier 2^30, shift 24; radius floor(15 * 2^27 / 2^24) = 120.
  EXPECT_EQ(p.input_multiplier, 1 << 30);
  EXPECT_EQ(p.input_shift, 24);
  EXPECT_EQ(p.input_range_radius, 120);
  EXPECT_EQ(p.input_zero_point, 3);
  EXPECT_FALSE(sigmoid_s8_params(16.0f, 0, &p));     // shift 31 would overflow the rescale
  EXPECT_FALSE(sigmoid_s8_params(1e-9f, 0, &p));     // negative shift
}

TEST(SigmoidS8, HandComputedValues) {
  SigmoidS8Params p;
  ASSERT_TRUE(sigmoid_s8_params(1.0f / 16, -5, &p));
  const int8_t in[5] = {-5, 127, -128, 114, -125};
  int8_t lo[5], th[5];
  logistic_s8(p, 5, in, lo);
  tanh_s8(p, 5, in, th);
  // x == zero point: logistic(0) = 2^30 in Q0 -> 2^30 / 2^23 = 128 -> 128 - 128 = 0; tanh(0) = 0.
  EXPECT_EQ(lo[0], 0);
  EXPECT_EQ(th[0], 0);
  // |x - zp| = 132 and 123 >= radius 120: saturated without any arithmetic.
  EXPECT_EQ(lo[1], 127);
  EXPECT_EQ(lo[2], -128);
  EXPECT_EQ(th[1], 127);
  EXPECT_EQ(th[2], -128);
  // x - zp = 119 -> 7.4375: logistic 0.99941 * 256 = 255.85 -> 256 - 128 = 128 -> clamped 127;
  // tanh 0.9999995 * 128 -> 128 -> clamped 127.
  EXPECT_EQ(lo[3], 127);
  EXPECT_EQ(th[3], 127);
  // x - zp = -120 = -radius: saturated low.
  EXPECT_EQ(lo[4], -128);
  EXPECT_EQ(th[4], -128);
}

TEST(SigmoidS8, EveryInputWithinOneStepOfDouble) {
  const std::vector<int8_t> in = all_int8();
  std::vector<int8_t> lo(256), th(256);
  const float scales[] = {1.0f / 16, 0.02f, 0.1f, 0.0625f * 3, 0.5f, 0.0037f, 2.0f};
  const int32_t zps[] = {0, -128, 17, 127, -40, 5, 0};
  for (int k = 0; k < 7; ++k) {
    SigmoidS8Params p;
    ASSERT_TRUE(sigmoid_s8_params(scales[k], zps[k], &p));
    logistic_s8(p, 256, in.data(), lo.data());
    tanh_s8(p, 256, in.data(), th.data());
    for (int i = 0; i < 256; ++i) {
      const double x = static_cast<double>(scales[k]) * (in[i] - zps[k]);
      EXPECT_NEAR(lo[i], clamp_to(round_half_away(256.0 * sigmoid(x)) - 128, -128, 127), 1)
          << "scale " << scales[k] << " x " << x;
      EXPECT_NEAR(th[i], clamp_to(round_half_away(128.0 * std::tanh(x)), -128, 127), 1)
          << "scale " << scales[k] << " x " << x;
    }
  }
}

// ---- LOGISTIC / TANH int16 ------------------------------------------------------------------

TEST(SigmoidS16, ParamsPowerOfTwoAndGeneral) {
  SigmoidS16Params p;
  ASSERT_TRUE(logistic_s16_params(1.0f / 4096, &p));  // Q3.12: exactly the table's units / 3
  EXPECT_EQ(p.input_multiplier, 3);
  EXPECT_EQ(p.input_shift, 0);
  ASSERT_TRUE(tanh_s16_params(1.0f / 2048, &p));      // tanh also takes 2^-11 on the fast path
  EXPECT_EQ(p.input_multiplier, 6);
  EXPECT_EQ(p.input_shift, 0);
  ASSERT_TRUE(logistic_s16_params(1.0f / 2048, &p));  // logistic does not: 2^-11 * 12288 = 6 -> doubled 12 times
  EXPECT_EQ(p.input_multiplier, 24576);
  EXPECT_EQ(p.input_shift, 12);
  ASSERT_TRUE(tanh_s16_params(0.001f, &p));           // 12.288 -> doubled 11 times = 25165.8 -> truncated
  EXPECT_EQ(p.input_multiplier, 25165);
  EXPECT_EQ(p.input_shift, 11);
  EXPECT_FALSE(tanh_s16_params(4.0f, &p));            // 49152 > 32767
  int32_t l2 = 0;
  EXPECT_TRUE(checked_log2(1.0f / 32768, &l2));
  EXPECT_EQ(l2, -15);
  EXPECT_FALSE(checked_log2(0.001f, &l2));
}

TEST(SigmoidS16, HandComputedValues) {
  SigmoidS16Params lp, tp;
  ASSERT_TRUE(logistic_s16_params(1.0f / 4096, &lp));
  ASSERT_TRUE(tanh_s16_params(1.0f / 4096, &tp));
  const int16_t in[3] = {0, 32767, -32768};
  int16_t lo[3], th[3];
  logistic_s16(lp, 3, in, lo);
  tanh_s16(tp, 3, in, th);
  // 0: table[0] = 32768 -> (32768 << 9) + 2^9 >> 10 = 16384 (one half in Q0.15).
  EXPECT_EQ(lo[0], 16384);
  // tanh 0: (32768 << 8) - 2^23 + 2^7 >> 8 = 0.
  EXPECT_EQ(th[0], 0);
  // tanh saturates for |x| * 3 >> 8 >= 255: (0xFFFF << 8) - 2^23 + 2^7 >> 8 = 32767; the negative
  // side is -(0xFFFF << 8) + 2^23 + 2^7 - 1 >> 8 = floor(-32766.5) = -32767.
  EXPECT_EQ(th[1], 32767);
  EXPECT_EQ(th[2], -32767);
  // logistic(-8): |x| * 3 = 98304 -> index 192, no fraction -> (2^25 - (T[192] << 9) + 2^9 - 1) >> 10.
  EXPECT_EQ(lo[2], static_cast<int16_t>(((1u << 25) - (uint32_t{kSigmoidQ16Table[192]} << 9) + 511) >> 10));
  // logistic(+8 - 2^-12): 98301 -> index 191, fraction 509/512 of the way to 192.
  const uint32_t a = kSigmoidQ16Table[191], b = kSigmoidQ16Table[192];
  EXPECT_EQ(lo[1], static_cast<int16_t>(((a << 9) + 509 * (b - a) + 512) >> 10));
}

template <typename F>
int worst_s16_error(const std::vector<int16_t>& in, const std::vector<int16_t>& out, float scale, F f) {
  int worst = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const int32_t want = clamp_to(round_half_away(32768.0 * f(static_cast<double>(scale) * in[i])), -32768, 32767);
    worst = std::max(worst, std::abs(out[i] - want));
  }
  return worst;
}

TEST(SigmoidS16, EveryInputCloseToDouble) {
  const std::vector<int16_t> in = all_int16();
  std::vector<int16_t> out(in.size());
  for (float scale : {1.0f / 4096, 1.0f / 2048, 0.0003f, 0.001f, 1.0f / 32768, 0.00017f}) {
    SigmoidS16Params p;
    ASSERT_TRUE(logistic_s16_params(scale, &p));
    logistic_s16(p, static_cast<int32_t>(in.size()), in.data(), out.data());
    // Linear interpolation in a 1/24-step table stays within one Q0.15 step.
    EXPECT_LE(worst_s16_error(in, out, scale, sigmoid), 1) << "logistic scale " << scale;
    ASSERT_TRUE(tanh_s16_params(scale, &p));
    tanh_s16(p, static_cast<int32_t>(in.size()), in.data(), out.data());
    // tanh: one step at power-of-two scales; otherwise the input multiplier is truncated to 15
    // bits (relative error up to 2^-14 in x) and steepness doubles the table error: <= 3 steps.
    const bool pot = scale == 1.0f / 4096 || scale == 1.0f / 2048;
    EXPECT_LE(worst_s16_error(in, out, scale, [](double x) { return std::tanh(x); }), pot ? 1 : 3) << "tanh scale " << scale;
    for (int16_t v : out) EXPECT_GE(v, -32767);  // tanh never reaches -1
  }
}

// ---- float ------------------------------------------------------------------------------------

TEST(SigmoidF32, LogisticAndTanh) {
  std::vector<float> in;
  for (int i = -4000; i <= 4000; ++i) in.push_back(i * 0.0075f);  // [-30, 30], odd count 8001
  std::vector<float> lo(in.size()), th(in.size());
  logistic_f32(static_cast<int32_t>(in.size()), in.data(), lo.data());
  tanh_f32(static_cast<int32_t>(in.size()), in.data(), th.data());
  for (size_t i = 0; i < in.size(); ++i) {
    const double x = in[i];
    // Below -9 the reference returns exp(x), which differs from sigmoid(x) by the factor
    // 1 + exp(x) (relative 1.2e-4 at most).
    const double rel = x < -9.0 ? 2e-4 : 1e-6;
    EXPECT_NEAR(lo[i], sigmoid(x), rel * sigmoid(x) + 1e-12) << x;
    EXPECT_NEAR(th[i], std::tanh(x), 1e-6) << x;
  }
  // Above the upper cutoff the result is exactly 1; below -9 it is exp(x).
  const float edge[2] = {16.7f, -20.0f};
  float r[2];
  logistic_f32(2, edge, r);
  EXPECT_EQ(r[0], 1.0f);
  EXPECT_EQ(r[1], std::exp(-20.0f));
}

// ---- RELU / RELU6 / LEAKY_RELU --------------------------------------------------------------

TEST(Relu, HandComputedInt8) {
  // in scale 0.5 zp -10, out scale 0.25 zp -128: out = -128 + 2 * (x + 10), low end at zp -128.
  ReluQuantParams p;
  relu_quant_params(0.5f, -10, 0.25f, -128, -128, 127, &p);
  EXPECT_EQ(p.act_min, -128);
  EXPECT_EQ(p.act_max, 127);
  const int8_t in[7] = {-10, 0, 53, 54, 127, -128, -11};
  int8_t out[7];
  relu_s8(p, 7, in, out);
  const int8_t want[7] = {-128, -108, -2, 0, 127, -128, -128};
  EXPECT_EQ(std::vector<int8_t>(out, out + 7), std::vector<int8_t>(want, want + 7));
}

// Independent requantization in double: zp_out + round_half_away(ratio * (x - zp_in)).
int32_t requant_double(int32_t x, double ratio, int32_t zp_in, int32_t zp_out) {
  return zp_out + static_cast<int32_t>(round_half_away(ratio * (x - zp_in)));
}

TEST(Relu, QuantizedAgainstDouble) {
  std::mt19937 rng(3);
  const std::vector<int8_t> in8 = all_int8();
  const std::vector<int16_t> in16 = all_int16();
  std::vector<int8_t> out8(256);
  std::vector<int16_t> out16(in16.size());
  for (int trial = 0; trial < 40; ++trial) {
    const float si = std::ldexp(1.0f + (rng() % 1000) / 1000.0f, -static_cast<int>(rng() % 10) - 1);
    const float so = std::ldexp(1.0f + (rng() % 1000) / 1000.0f, -static_cast<int>(rng() % 10) - 1);
    const int32_t zi = static_cast<int32_t>(rng() % 256) - 128, zo = static_cast<int32_t>(rng() % 256) - 128;
    ReluQuantParams p;
    relu_quant_params(si, zi, so, zo, -128, 127, &p);
    relu_s8(p, 256, in8.data(), out8.data());
    const double ratio = static_cast<double>(si / so);
    for (int i = 0; i < 256; ++i) {
      const int32_t want = std::min(127, std::max(std::max(-128, zo), requant_double(in8[i], ratio, zi, zo)));
      EXPECT_NEAR(out8[i], want, 1) << si << " " << so << " x " << int(in8[i]);
      EXPECT_GE(out8[i], std::max(-128, zo));  // never below quantized 0
    }
    relu_quant_params(si, 0, so, 0, -32768, 32767, &p);
    relu_s16(p, static_cast<int32_t>(in16.size()), in16.data(), out16.data());
    for (size_t i = 0; i < in16.size(); i += 7) {
      const int32_t want = std::min(32767, std::max(0, requant_double(in16[i], ratio, 0, 0)));
      EXPECT_NEAR(out16[i], want, 1) << si << " " << so << " x " << in16[i];
    }
  }
}

TEST(Relu, FloatAndRelu6) {
  const float in[5] = {-3.5f, -0.0f, 2.25f, 6.0f, 7.5f};
  float r[5], r6[5];
  relu_f32(5, in, r);
  relu6_f32(5, in, r6);
  const float want_r[5] = {0.0f, -0.0f, 2.25f, 6.0f, 7.5f};
  const float want_r6[5] = {0.0f, -0.0f, 2.25f, 6.0f, 6.0f};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(r[i], want_r[i]);
    EXPECT_EQ(r6[i], want_r6[i]);
  }
}

TEST(Relu6, QuantizedClampsInInputUnits) {
  // scale 0.05, zp -128: six = round(6 / 0.05) - 128 = -8.
  EXPECT_EQ(relu6_quantized_six(0.05f, -128, -128, 127), -8);
  // scale 0.01, zp 0: 600 saturates to 127. int16 scale 2^-10: 6144.
  EXPECT_EQ(relu6_quantized_six(0.01f, 0, -128, 127), 127);
  EXPECT_EQ(relu6_quantized_six(1.0f / 1024, 0, -32768, 32767), 6144);
  const int8_t in[6] = {100, -128, -50, -8, -7, 127};
  int8_t out[6];
  relu6_s8(-128, -8, 6, in, out);
  const int8_t want[6] = {-8, -128, -50, -8, -8, -8};
  EXPECT_EQ(std::vector<int8_t>(out, out + 6), std::vector<int8_t>(want, want + 6));
  const int16_t in16[5] = {-32768, -1, 0, 6144, 32767};
  int16_t out16[5];
  relu6_s16(0, 6144, 5, in16, out16);
  const int16_t want16[5] = {0, 0, 0, 6144, 6144};
  EXPECT_EQ(std::vector<int16_t>(out16, out16 + 5), std::vector<int16_t>(want16, want16 + 5));
}

TEST(LeakyRelu, HandComputedInt16) {
  // Same scale in and out, zero points 0, alpha 0.3 (float 0.300000012).
  LeakyReluQuantParams p;
  leaky_relu_quant_params(0.01f, 0, 0.01f, 0, 0.3f, &p);
  EXPECT_EQ(p.identity_multiplier, 1 << 30);  // 1.0 = 0.5 * 2^1
  EXPECT_EQ(p.identity_shift, 1);
  EXPECT_EQ(p.alpha_negative, 0);
  const int16_t in[6] = {1000, -1000, 32767, -32768, 0, -5};
  int16_t out[6];
  leaky_relu_s16(p, 6, in, out);
  // -5 * 0.3 = -1.5 -> rounds away from zero -> -2.
  // Two roundings, as in the reference: -32768 * 0.6000000238 (Q31 mantissa) = -19660.8 -> -19661,
  // then / 2 = -9830.5 -> -9831 (the one-step real value -9830.4 would round to -9830).
  const int16_t want[6] = {1000, -300, 32767, -9831, 0, -2};
  EXPECT_EQ(std::vector<int16_t>(out, out + 6), std::vector<int16_t>(want, want + 6));
}

TEST(LeakyRelu, HandComputedInt8NegativeAndLargeAlpha) {
  LeakyReluQuantParams p;
  // alpha -2, in scale 0.1 zp 10, out scale 0.1 zp -20: x < 10 maps to -20 - 2 * (x - 10).
  leaky_relu_quant_params(0.1f, 10, 0.1f, -20, -2.0f, &p);
  EXPECT_EQ(p.alpha_negative, 1);
  const int8_t in[5] = {10, 20, 0, -40, 127};
  int8_t out[5];
  leaky_relu_s8(p, 5, in, out);
  // 20 -> -10; 0 -> 0; -40 -> 80; 127 -> 97.
  const int8_t want[5] = {-20, -10, 0, 80, 97};
  EXPECT_EQ(std::vector<int8_t>(out, out + 5), std::vector<int8_t>(want, want + 5));
  // alpha 4 with output saturation: -128 - 10 = -138 * 4 = -552 -> -128.
  leaky_relu_quant_params(0.1f, 10, 0.1f, -20, 4.0f, &p);
  const int8_t low = -128;
  int8_t sat = 0;
  leaky_relu_s8(p, 1, &low, &sat);
  EXPECT_EQ(sat, -128);
}

TEST(LeakyRelu, QuantizedAgainstDouble) {
  std::mt19937 rng(4);
  const std::vector<int8_t> in8 = all_int8();
  const std::vector<int16_t> in16 = all_int16();
  std::vector<int8_t> out8(256);
  std::vector<int16_t> out16(in16.size());
  for (int trial = 0; trial < 40; ++trial) {
    const float si = std::ldexp(1.0f + (rng() % 1000) / 1000.0f, -static_cast<int>(rng() % 8) - 2);
    const float so = std::ldexp(1.0f + (rng() % 1000) / 1000.0f, -static_cast<int>(rng() % 8) - 2);
    const float alpha = (trial % 5 == 0 ? -1.0f : 1.0f) * (rng() % 2000) / 1000.0f;
    const int32_t zi = static_cast<int32_t>(rng() % 256) - 128, zo = static_cast<int32_t>(rng() % 256) - 128;
    LeakyReluQuantParams p;
    leaky_relu_quant_params(si, zi, so, zo, alpha, &p);
    leaky_relu_s8(p, 256, in8.data(), out8.data());
    for (int i = 0; i < 256; ++i) {
      const double ratio = in8[i] >= zi ? static_cast<double>(si / so) : static_cast<double>(si * alpha / so);
      EXPECT_NEAR(out8[i], clamp_to(requant_double(in8[i], ratio, zi, zo), -128, 127), 1) << trial << " x " << int(in8[i]);
    }
    leaky_relu_quant_params(si, 0, so, 0, alpha, &p);
    leaky_relu_s16(p, static_cast<int32_t>(in16.size()), in16.data(), out16.data());
    for (size_t i = 0; i < in16.size(); i += 5) {
      const double ratio = in16[i] >= 0 ? static_cast<double>(si / so) : static_cast<double>(si * alpha / so);
      EXPECT_NEAR(out16[i], clamp_to(requant_double(in16[i], ratio, 0, 0), -32768, 32767), 1) << trial << " x " << in16[i];
    }
  }
  const float f[4] = {-2.0f, 0.0f, 3.0f, -0.5f};
  float g[4];
  leaky_relu_f32(0.2f, 4, f, g);
  EXPECT_EQ(g[0], -2.0f * 0.2f);
  EXPECT_EQ(g[1], 0.0f);
  EXPECT_EQ(g[2], 3.0f);
  EXPECT_EQ(g[3], -0.5f * 0.2f);
}

// ---- ops: prepare validation and eval through the registration -------------------------------

TEST(ActivationOps, LogisticInt8ThroughOp) {
  const TensorInfo in = tensor_info(TensorType::kInt8, {2, 3, 5}, 1.0f / 16, -5, 0);  // batch 2, odd size
  const TensorInfo out = tensor_info(TensorType::kInt8, {2, 3, 5}, 1.0f / 256, -128, 1);
  PreparedOp p = prepare_op(op_logistic(), BuiltinOp::LOGISTIC, in, out);
  ASSERT_EQ(p.status, Status::kOk) << p.err.message;
  std::vector<int8_t> x(30), y(30), want(30);
  for (int i = 0; i < 30; ++i) x[i] = static_cast<int8_t>(-128 + 9 * i);
  eval_op(op_logistic(), p, x.data(), y.data());
  SigmoidS8Params sp;
  ASSERT_TRUE(sigmoid_s8_params(1.0f / 16, -5, &sp));
  logistic_s8(sp, 30, x.data(), want.data());
  EXPECT_EQ(y, want);
  // Output zero point other than -128 is refused, as by the reference.
  const TensorInfo bad = tensor_info(TensorType::kInt8, {2, 3, 5}, 1.0f / 256, 0, 1);
  PreparedOp q = prepare_op(op_logistic(), BuiltinOp::LOGISTIC, in, bad);
  EXPECT_EQ(q.status, Status::kInvalidModel);
  EXPECT_NE(std::string(q.err.message).find("zero point -128"), std::string::npos) << q.err.message;
}

TEST(ActivationOps, Int16SigmoidValidation) {
  const TensorInfo in = tensor_info(TensorType::kInt16, {1, 9}, 1.0f / 4096, 0, 0);
  const TensorInfo out = tensor_info(TensorType::kInt16, {1, 9}, 1.0f / 32768, 0, 1);
  EXPECT_EQ(prepare_op(op_tanh(), BuiltinOp::TANH, in, out).status, Status::kOk);
  EXPECT_EQ(prepare_op(op_logistic(), BuiltinOp::LOGISTIC, in, out).status, Status::kOk);
  const TensorInfo out_bad_scale = tensor_info(TensorType::kInt16, {1, 9}, 1.0f / 16384, 0, 1);
  EXPECT_EQ(prepare_op(op_tanh(), BuiltinOp::TANH, in, out_bad_scale).status, Status::kInvalidModel);
  const TensorInfo in_zp = tensor_info(TensorType::kInt16, {1, 9}, 1.0f / 4096, 3, 0);
  EXPECT_EQ(prepare_op(op_logistic(), BuiltinOp::LOGISTIC, in_zp, out).status, Status::kInvalidModel);
  const TensorInfo out_f = tensor_info(TensorType::kFloat32, {1, 9}, 0.0f, 0, 1);
  EXPECT_EQ(prepare_op(op_tanh(), BuiltinOp::TANH, in, out_f).status, Status::kInvalidModel);
  const TensorInfo out_short = tensor_info(TensorType::kInt16, {1, 8}, 1.0f / 32768, 0, 1);
  EXPECT_EQ(prepare_op(op_tanh(), BuiltinOp::TANH, in, out_short).status, Status::kInvalidModel);
  const TensorInfo in32 = tensor_info(TensorType::kInt32, {1, 9}, 1.0f, 0, 0);
  const TensorInfo out32 = tensor_info(TensorType::kInt32, {1, 9}, 1.0f, 0, 1);
  EXPECT_EQ(prepare_op(op_tanh(), BuiltinOp::TANH, in32, out32).status, Status::kUnsupported);
}

TEST(ActivationOps, TanhFloatThroughOp) {
  const TensorInfo in = tensor_info(TensorType::kFloat32, {3, 7});
  const TensorInfo out = tensor_info(TensorType::kFloat32, {3, 7}, 0.0f, 0, 1);
  PreparedOp p = prepare_op(op_tanh(), BuiltinOp::TANH, in, out);
  ASSERT_EQ(p.status, Status::kOk) << p.err.message;
  std::vector<float> x(21), y(21);
  for (int i = 0; i < 21; ++i) x[i] = -5.0f + 0.5f * i;
  eval_op(op_tanh(), p, x.data(), y.data());
  for (int i = 0; i < 21; ++i) EXPECT_NEAR(y[i], std::tanh(x[i]), 1e-6);
}

TEST(ActivationOps, ReluInt16NeedsZeroPointZero) {
  const TensorInfo in = tensor_info(TensorType::kInt16, {4}, 0.01f, 0, 0);
  const TensorInfo out = tensor_info(TensorType::kInt16, {4}, 0.02f, 0, 1);
  PreparedOp p = prepare_op(op_relu(), BuiltinOp::RELU, in, out);
  ASSERT_EQ(p.status, Status::kOk) << p.err.message;
  const int16_t x[4] = {-100, 0, 101, 32767};
  int16_t y[4];
  eval_op(op_relu(), p, x, y);
  // Halved with rounding away from zero: 101 / 2 = 50.5 -> 51.
  EXPECT_EQ(std::vector<int16_t>(y, y + 4), (std::vector<int16_t>{0, 0, 51, 16384}));
  const TensorInfo out_zp = tensor_info(TensorType::kInt16, {4}, 0.02f, 1, 1);
  EXPECT_EQ(prepare_op(op_relu(), BuiltinOp::RELU, in, out_zp).status, Status::kInvalidModel);
  const TensorInfo unquantized = tensor_info(TensorType::kInt8, {4}, 0.0f, 0, 0);
  const TensorInfo out8 = tensor_info(TensorType::kInt8, {4}, 0.5f, 0, 1);
  EXPECT_EQ(prepare_op(op_relu(), BuiltinOp::RELU, unquantized, out8).status, Status::kInvalidModel);
}

TEST(ActivationOps, Relu6Int8ThroughOp) {
  const TensorInfo in = tensor_info(TensorType::kInt8, {1, 2, 2, 3}, 0.05f, -128, 0);
  const TensorInfo out = tensor_info(TensorType::kInt8, {1, 2, 2, 3}, 0.05f, -128, 1);
  PreparedOp p = prepare_op(op_relu6(), BuiltinOp::RELU6, in, out);
  ASSERT_EQ(p.status, Status::kOk) << p.err.message;
  std::vector<int8_t> x = {-128, -127, -9, -8, -7, 0, 50, 127, -100, -60, -20, 10}, y(12);
  eval_op(op_relu6(), p, x.data(), y.data());
  EXPECT_EQ(y, (std::vector<int8_t>{-128, -127, -9, -8, -8, -8, -8, -8, -100, -60, -20, -8}));
}

TEST(ActivationOps, LeakyReluReadsAlphaOption) {
  const TensorInfo in = tensor_info(TensorType::kInt16, {5}, 0.01f, 0, 0);
  const TensorInfo out = tensor_info(TensorType::kInt16, {5}, 0.01f, 0, 1);
  const int16_t x[5] = {-1000, -10, 0, 10, 1000};
  int16_t y[5];
  const OptionsTable alpha = OptionsTable::with_float(0, 0.25f);
  PreparedOp p = prepare_op(op_leaky_relu(), BuiltinOp::LEAKY_RELU, in, out, alpha);
  ASSERT_EQ(p.status, Status::kOk) << p.err.message;
  eval_op(op_leaky_relu(), p, x, y);
  EXPECT_EQ(std::vector<int16_t>(y, y + 5), (std::vector<int16_t>{-250, -3, 0, 10, 1000}));  // -2.5 -> -3
  // Without options alpha is 0: negative inputs become 0.
  PreparedOp q = prepare_op(op_leaky_relu(), BuiltinOp::LEAKY_RELU, in, out);
  ASSERT_EQ(q.status, Status::kOk) << q.err.message;
  eval_op(op_leaky_relu(), q, x, y);
  EXPECT_EQ(std::vector<int16_t>(y, y + 5), (std::vector<int16_t>{0, 0, 0, 10, 1000}));
  // Float with the option.
  const TensorInfo fin = tensor_info(TensorType::kFloat32, {3});
  const TensorInfo fout = tensor_info(TensorType::kFloat32, {3}, 0.0f, 0, 1);
  PreparedOp f = prepare_op(op_leaky_relu(), BuiltinOp::LEAKY_RELU, fin, fout, alpha);
  ASSERT_EQ(f.status, Status::kOk);
  const float fx[3] = {-4.0f, 0.0f, 4.0f};
  float fy[3];
  eval_op(op_leaky_relu(), f, fx, fy);
  EXPECT_EQ(fy[0], -1.0f);
  EXPECT_EQ(fy[1], 0.0f);
  EXPECT_EQ(fy[2], 4.0f);
}

TEST(ActivationOps, OpDataIsSmallAndPointerFree) {
  const TensorInfo in = tensor_info(TensorType::kInt8, {10}, 0.1f, 0, 0);
  const TensorInfo out = tensor_info(TensorType::kInt8, {10}, 1.0f / 256, -128, 1);
  EXPECT_EQ(prepare_op(op_logistic(), BuiltinOp::LOGISTIC, in, out).persistent, 32u);
  EXPECT_EQ(prepare_op(op_relu6(), BuiltinOp::RELU6, in, out).persistent, 16u);
  EXPECT_EQ(prepare_op(op_relu(), BuiltinOp::RELU, in, out).persistent, 32u);
}

// ---- seanet LEAKY_RELU models end to end ----------------------------------------------------

TEST(SeanetLeakyRelu, EveryCaseMatchesGoldenBytes) {
  if (testing::shared_dir().empty()) GTEST_SKIP() << "../shared/conformance not found";
  EXPECT_EQ(testing::check_seanet_cases("leaky_relu", {op_leaky_relu()}), 23);
}

}  // namespace
}  // namespace mote
